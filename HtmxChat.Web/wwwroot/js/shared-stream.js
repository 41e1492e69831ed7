// One event stream for all of a browser's tabs. Over HTTP/1.1 a browser opens at most six connections to a server, so
// one stream per tab would leave a seventh tab (and every request it makes) waiting. Instead one tab, the leader (it
// holds a Web Lock; when it closes, another tab takes the lock), opens
// /chats/events?follow=chat:version,... for every tab's open chat and passes each event to the other tabs over a
// BroadcastChannel. Each tab gets, through htmx.createEventSource, a stand-in for EventSource that hands htmx the
// events for its own chat (event ids are chat:version) and those for the chat list, so htmx's swaps work as before.
// A new leader asks every tab where its chat stands and follows from there: nothing is lost when the leader closes.
(() => {
  if (!("locks" in navigator) || !("BroadcastChannel" in window) || !window.htmx) return; // one stream per tab, as EventSource does
  if (!document.querySelector("[sse-connect]")) return; // a page without a stream (signing in, the profile) takes no part

  const EVENT_TYPES = [
    "chat-message", "chat-message-changed", "chat-activity", "chat-unread", "chat-mentions", "chat-started", "chat-updated",
    "chat-header", "chat-removed", "chat-typing", "chat-presence", "chat-notify", "chat-notifications",
  ];
  const RECONNECT_MS = 2000;
  const GATHER_MS = 150; // a new leader waits this long for the tabs to say where they stand
  const tab = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
  const channel = new BroadcastChannel("htmxchat-stream");
  const sources = new Set(); // this tab's stand-ins (htmx makes a new one after an error)

  // The leader's state: what every tab shows, and how far each chat has been delivered.
  let leading = false;
  let stream = null;
  let connectTimer = null;
  const needs = new Map(); // tab -> chat id or null (the chat list only)
  const delivered = new Map(); // chat id -> newest version passed on

  function parseId(id) {
    const colon = id ? id.indexOf(":") : -1;
    return colon < 0 ? {} : { chat: id.slice(0, colon), version: id.slice(colon + 1) };
  }

  class SharedEventSource extends EventTarget {
    constructor(url) {
      super();
      const parsed = new URL(url, location.href);
      this.url = url;
      this.chat = parsed.searchParams.get("open");
      this.after = Number(parsed.searchParams.get("after")) || 0;
      this.readyState = 0;
      this.onopen = null;
      this.onerror = null;
      sources.add(this);
      announce();
    }

    close() {
      this.readyState = 2;
      sources.delete(this);
      announce();
    }

    opened() {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.(new Event("open"));
    }

    deliver(type, data, id) {
      if (this.readyState === 2) return;
      const { chat, version } = parseId(id);
      if (chat !== undefined) {
        if (chat !== this.chat) return;
        if (version) this.after = Math.max(this.after, Number(version));
      }
      if (type === "chat-typing" && JSON.parse(data).chatId !== this.chat) return;
      this.dispatchEvent(new MessageEvent(type, { data, lastEventId: version ?? "" }));
    }
  }

  // Where this tab stands: its open chat and the newest version it has of it.
  function ownNeed() {
    const source = [...sources].find((s) => s.chat) ?? [...sources][0];
    return source ? { chat: source.chat, after: source.after } : null;
  }

  function announce() {
    const need = ownNeed();
    const message = need ? { kind: "need", tab, ...need } : { kind: "gone", tab };
    channel.postMessage(message);
    if (leading) onMessage(message);
  }

  function relay(type, data, id) {
    const { chat, version } = parseId(id);
    if (chat && version) delivered.set(chat, Math.max(delivered.get(chat) ?? 0, Number(version)));
    channel.postMessage({ kind: "event", type, data, id });
    for (const source of sources) source.deliver(type, data, id);
  }

  function connectSoon(delay = 50) {
    clearTimeout(connectTimer);
    connectTimer = setTimeout(connect, delay);
  }

  function connect() {
    stream?.close();
    const follow = [...new Set(needs.values())].filter(Boolean)
      .map((chat) => `${chat}:${delivered.get(chat) ?? ""}`);
    stream = new EventSource(`/chats/events?follow=${encodeURIComponent(follow.join(","))}`);
    stream.onopen = () => {
      channel.postMessage({ kind: "open" });
      for (const source of sources) source.opened();
    };
    stream.onerror = () => {
      // Reconnect on our own terms, from where each chat now stands (EventSource would resend its first URL).
      stream.close();
      document.dispatchEvent(new CustomEvent("htmxchat:stream-error"));
      connectSoon(RECONNECT_MS);
    };
    for (const type of EVENT_TYPES) stream.addEventListener(type, (event) => relay(type, event.data, event.lastEventId));
  }

  function onMessage(message) {
    switch (message.kind) {
      case "event":
        for (const source of sources) source.deliver(message.type, message.data, message.id);
        break;
      case "open":
        for (const source of sources) source.opened();
        break;
      case "roll-call":
        announce();
        break;
      case "need":
        if (!leading) break;
        {
          needs.set(message.tab, message.chat);
          const known = delivered.get(message.chat);
          // A chat not followed yet, or a tab that has less of it than was passed on: follow it from that tab's version.
          if (message.chat && (known === undefined || message.after < known)) {
            delivered.set(message.chat, known === undefined ? message.after : Math.min(known, message.after));
            connectSoon();
          } else if (stream === null) {
            connectSoon();
          } else if (stream.readyState === EventSource.OPEN) {
            channel.postMessage({ kind: "open" }); // a tab that joined a stream already open
            for (const source of sources) source.opened();
          }
        }
        break;
      case "gone":
        if (leading) needs.delete(message.tab);
        break;
    }
  }
  channel.onmessage = ({ data }) => onMessage(data);
  window.addEventListener("pagehide", () => channel.postMessage({ kind: "gone", tab }));

  navigator.locks.request("htmxchat-stream", () => {
    leading = true;
    channel.postMessage({ kind: "roll-call" });
    announce();
    connectSoon(GATHER_MS);
    return new Promise(() => {}); // held until this tab goes away
  });

  htmx.createEventSource = (url) => new SharedEventSource(url);
})();
