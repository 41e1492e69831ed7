// HtmxChat's own behaviour on top of htmx: no build step, no inline handlers (the CSP forbids them).
"use strict";

// Show/hide for password fields.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-password]");
  if (!toggle) return;
  const input = document.getElementById(toggle.dataset.togglePassword);
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  toggle.textContent = show ? "Hide" : "Show";
  toggle.setAttribute("aria-pressed", String(show));
});

// A refused send or edit (400, 403, 404, 409, 429) still swaps in the form, which shows why and keeps the text.
document.addEventListener("DOMContentLoaded", () => {
  tidyLog();
  if (!window.htmx) return;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|403|404|409|429)", swap: true, error: true },
    { code: "[45]..", swap: false, error: true },
  ];
  scrollLogToEnd();
});

function scrollLogToEnd() {
  const log = document.getElementById("message-log");
  if (log) log.scrollTop = log.scrollHeight;
}

// Each message is shown once: an event for a message the page already shows (it was stored while the page was
// being made, and the stream replays from before that) is dropped.
document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type !== "chat-message") return;
  const id = /id="(m-\d+)"/.exec(event.detail.data)?.[1];
  if (id && document.getElementById(id)) event.preventDefault();
});

// Keep the stream URL's `after` at the newest chat version this tab has, so a brand-new EventSource (which sends
// no Last-Event-ID) resumes exactly where this tab left off.
let wasAtLatest = true;
document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type === "chat-message") wasAtLatest = isAtLatest();
});
document.addEventListener("htmx:sseMessage", (event) => {
  if (!event.detail.lastEventId) return;
  const source = event.target.closest("[sse-connect]");
  const url = new URL(source.getAttribute("sse-connect"), location.href);
  url.searchParams.set("after", event.detail.lastEventId);
  source.setAttribute("sse-connect", url.pathname + url.search);
  if (event.detail.type !== "chat-message") return;
  document.querySelector("#message-log .empty-log")?.remove();
  tidyLog();
  // Someone reading further up is not pulled down: the count of new messages waits on "Jump to latest".
  if (wasAtLatest) scrollLogToEnd();
  else countNewMessage();
});

function isAtLatest() {
  const log = document.getElementById("message-log");
  return !log || log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

function countNewMessage() {
  const jump = document.getElementById("jump-to-latest");
  if (!jump) return;
  const count = jump.querySelector(".new-count");
  count.textContent = String(Number(count.textContent) + 1);
  jump.hidden = false;
}

function resetJump() {
  const jump = document.getElementById("jump-to-latest");
  if (!jump) return;
  jump.hidden = true;
  jump.querySelector(".new-count").textContent = "0";
}

document.addEventListener("click", (event) => {
  if (!event.target.closest("#jump-to-latest")) return;
  scrollLogToEnd();
  resetJump();
  document.getElementById("Message")?.focus({ preventScroll: true });
});

document.addEventListener("scroll", (event) => {
  if (event.target.id === "message-log" && isAtLatest()) resetJump();
}, true);

// Day separators (Today, Yesterday, or the date, in the viewer's time zone) and grouping of one sender's messages
// within five minutes, worked out from the messages themselves whenever the log changes.
const GROUP_WITHIN_MS = 5 * 60 * 1000;
function tidyLog() {
  const log = document.getElementById("message-log");
  if (!log) return;
  log.querySelectorAll(":scope > .day-separator").forEach((s) => s.remove());
  // Today and yesterday in the viewer's time zone, worked out now: a tab left open past midnight stays right.
  const today = dayIn(log.dataset.zone, Date.now()) ?? log.dataset.today;
  const yesterday = dayIn(log.dataset.zone, Date.now() - 24 * 60 * 60 * 1000) ?? log.dataset.yesterday;
  let previous = null;
  // An article showing an edit or delete form carries no day of its own: it sits between its neighbours.
  for (const message of log.querySelectorAll(":scope > article.message[data-day]")) {
    const day = message.dataset.day;
    if (!previous || previous.dataset.day !== day) {
      const separator = document.createElement("div");
      separator.className = "day-separator";
      separator.setAttribute("role", "separator");
      separator.textContent = day === today ? "Today" : day === yesterday ? "Yesterday" : message.dataset.dayLabel;
      message.before(separator);
    }
    const continued = previous && previous.dataset.day === day && previous.dataset.senderId === message.dataset.senderId
      && Number(message.dataset.ts) - Number(previous.dataset.ts) < GROUP_WITHIN_MS;
    message.classList.toggle("message-continued", Boolean(continued));
    previous = message;
  }
}

// A day as yyyy-MM-dd in an IANA time zone (the format the server writes in data-day), or null if the zone is unknown here.
function dayIn(zone, time) {
  try {
    return zone ? new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(time) : null;
  } catch {
    return null;
  }
}

// Older or newer pages, and changed messages, keep the log tidy too.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.closest?.("#message-log") || event.target.id === "message-log") tidyLog();
});

// The chat with the newest message moves to the top of the list (an edit or a reaction does not move it).
document.addEventListener("htmx:oobAfterSwap", (event) => {
  if (!event.target.id?.startsWith("chat-preview-") || event.target.dataset.moves !== "true") return;
  const row = event.target.closest(".chat-row");
  row?.parentElement?.prepend(row);
});

// React opens a copy of the page's palette of reactions beside it, pointed at its message; React again, Escape or a
// choice closes it. One is open at a time.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".react-toggle");
  if (!toggle) return;
  const open = document.getElementById("react-palette-open");
  const wasOpenHere = open && toggle.getAttribute("aria-controls") === open.id;
  if (open) closePalette(open);
  if (wasOpenHere) return;
  const palette = document.getElementById("react-palette").content.firstElementChild.cloneNode(true);
  palette.id = "react-palette-open";
  palette.setAttribute("action", toggle.dataset.reactions);
  palette.setAttribute("hx-post", toggle.dataset.reactions);
  toggle.after(palette);
  htmx.process(palette);
  toggle.setAttribute("aria-expanded", "true");
  toggle.setAttribute("aria-controls", palette.id);
  palette.querySelector("button")?.focus();
});

// A reaction chosen from the palette closes it once it is sent (closing it on the click would cancel the send), and
// focus goes back to React.
document.addEventListener("htmx:afterRequest", (event) => {
  const palette = event.detail.elt?.closest?.(".react-palette");
  if (palette) closePalette(palette)?.focus();
});

// Closes a palette that is still on the page (a live update of its message may have replaced it already) and returns
// its React button.
function closePalette(palette) {
  if (!palette.isConnected) return null;
  const toggle = palette.previousElementSibling;
  toggle.setAttribute("aria-expanded", "false");
  toggle.removeAttribute("aria-controls");
  palette.remove();
  return toggle;
}

// Escape cancels an edit or a deletion, and closes an open palette.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const cancel = event.target.closest(".edit-form, .delete-confirm")?.querySelector(".edit-cancel, .delete-cancel");
  if (cancel) {
    event.preventDefault();
    cancel.click();
    return;
  }
  const palette = event.target.closest(".react-palette");
  if (palette) closePalette(palette)?.focus();
});

// After an edit or deletion is saved or cancelled, focus goes back to the message field. The request's own element
// is swapped out with the message, so its events never reach the document: note it before, act when the new content loads.
let refocusMessageField = false;
document.addEventListener("htmx:beforeRequest", (event) => {
  refocusMessageField = Boolean(event.target.closest(".edit-form, .delete-confirm"));
});
document.addEventListener("htmx:load", () => {
  if (refocusMessageField && !document.querySelector(".edit-form, .delete-confirm")) {
    refocusMessageField = false;
    document.getElementById("Message")?.focus({ preventScroll: true });
  }
});

// A quoted message already on the page is brought into view and highlighted; otherwise the link opens the chat there.
document.addEventListener("click", (event) => {
  const quote = event.target.closest(".reply-quote");
  const original = quote && document.getElementById(`m-${quote.dataset.seq}`);
  if (!original) return;
  event.preventDefault();
  highlight(original);
});

function highlight(message) {
  document.querySelectorAll(".message-highlight").forEach((m) => m.classList.remove("message-highlight"));
  message.classList.add("message-highlight");
  message.scrollIntoView({ block: "center" });
}

// A chat opened at a message (?at=) shows it in view, highlighted.
document.addEventListener("DOMContentLoaded", () => {
  const marked = document.querySelector("#message-log .message-highlight");
  if (marked) highlight(marked);
});

// Choosing Reply puts the cursor in the message field.
document.addEventListener("htmx:load", (event) => {
  if (event.detail.elt.id === "send-form" && event.detail.elt.querySelector(".reply-context, [name=replyTo]") !== null) {
    document.getElementById("Message")?.focus();
  }
});

// The Theme control: Light, Dark or Auto (following the system), remembered by this browser (theme.js applies it).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("theme");
  if (!select || !window.htmxChatTheme) return;
  select.value = window.htmxChatTheme.choice();
  select.closest(".theme-control").classList.replace("d-none", "d-flex");
  select.addEventListener("change", () => window.htmxChatTheme.choose(select.value));
});

// Suggestions as people type: @ in Message offers the chat's people; Participants and Add people offer usernames,
// with who is online. A listbox beside the field: arrows move, Enter or Tab picks, Escape closes.
function peopleSuggester(listId) {
  return {
    listId,
    token(typed) {
      const word = /([\w.-]+)$/.exec(typed);
      return word && { start: typed.length - word[1].length, prefix: word[1] };
    },
    insert: (name) => `${name} `,
    async names(prefix) {
      const response = await fetch(`/people?q=${encodeURIComponent(prefix)}`, { headers: { Accept: "application/json" } });
      return response.ok ? (await response.json()).map((person) => ({ name: person.username, online: person.online })) : [];
    },
  };
}
const suggesters = {
  Message: {
    listId: "mention-suggestions",
    token(typed) {
      const at = /(^|\s)@([\w.-]*)$/.exec(typed);
      return at && { start: typed.length - at[2].length - 1, prefix: at[2] };
    },
    insert: (name) => `@${name} `,
    async names(prefix) {
      const holder = document.querySelector("[data-participants]");
      const everyone = holder ? JSON.parse(holder.dataset.participants) : [];
      return everyone.filter((name) => name.toLowerCase().startsWith(prefix.toLowerCase())).slice(0, 8).map((name) => ({ name }));
    },
  },
  Participants: peopleSuggester("participant-suggestions"),
  AddPeople: peopleSuggester("add-people-suggestions"),
};
const suggestion = { field: null, start: -1, active: -1, matches: [] };

function listFor(field) {
  return document.getElementById(suggesters[field.id].listId);
}

function closeSuggestions(field) {
  const list = field && listFor(field);
  if (list) {
    list.hidden = true;
    list.replaceChildren();
  }
  suggestion.matches = [];
  field?.setAttribute("aria-expanded", "false");
  field?.removeAttribute("aria-activedescendant");
}

function showSuggestions(field) {
  const list = listFor(field);
  list.replaceChildren(...suggestion.matches.map(({ name, online }, i) => {
    const option = document.createElement("li");
    option.id = `${list.id}-${i}`;
    option.className = "list-group-item list-group-item-action py-1";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", String(i === suggestion.active));
    option.textContent = name;
    if (online) {
      const dot = document.createElement("span");
      dot.className = "presence-dot ms-2";
      dot.dataset.online = "true";
      const said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = " (online)";
      option.append(dot, said);
    }
    option.addEventListener("mousedown", (event) => {
      event.preventDefault();
      pickSuggestion(field, name);
    });
    return option;
  }));
  list.hidden = false;
  field.setAttribute("aria-expanded", "true");
  field.setAttribute("aria-activedescendant", `${list.id}-${suggestion.active}`);
}

function pickSuggestion(field, name) {
  const before = field.value.slice(0, suggestion.start);
  const after = field.value.slice(field.selectionStart);
  const inserted = suggesters[field.id].insert(name);
  field.value = before + inserted + after;
  const caret = before.length + inserted.length;
  field.setSelectionRange(caret, caret);
  closeSuggestions(field);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const [id, { listId }] of Object.entries(suggesters)) {
    if (id === "Message") continue; // the send form marks up its own
    const field = document.getElementById(id);
    field?.setAttribute("role", "combobox");
    field?.setAttribute("aria-autocomplete", "list");
    field?.setAttribute("aria-expanded", "false");
    field?.setAttribute("aria-controls", listId);
  }
});

document.addEventListener("input", async (event) => {
  const field = event.target;
  const suggester = suggesters[field.id];
  if (!suggester) return;
  const typed = field.value.slice(0, field.selectionStart);
  const token = suggester.token(typed);
  if (!token) {
    closeSuggestions(field);
    return;
  }
  const matches = await suggester.names(token.prefix);
  // A later keystroke may have changed the field while the names were on their way.
  if (field.value.slice(0, field.selectionStart) !== typed) return;
  if (matches.length === 0) {
    closeSuggestions(field);
    return;
  }
  Object.assign(suggestion, { field, start: token.start, active: 0, matches });
  showSuggestions(field);
});

document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (!suggesters[field.id] || suggestion.field !== field || suggestion.matches.length === 0) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    suggestion.active = (suggestion.active + step + suggestion.matches.length) % suggestion.matches.length;
    showSuggestions(field);
  } else if (event.key === "Enter" || event.key === "Tab") {
    if (event.isComposing) return;
    // The caret may have moved since the list opened: pick only if it is still at the word being completed.
    const token = suggesters[field.id].token(field.value.slice(0, field.selectionStart));
    if (!token || token.start !== suggestion.start) {
      closeSuggestions(field);
      return;
    }
    // Picking a name, not sending the form.
    event.preventDefault();
    event.stopPropagation();
    pickSuggestion(field, suggestion.matches[suggestion.active].name);
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeSuggestions(field);
  } else if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].includes(event.key)) {
    closeSuggestions(field);
  }
}, true);

document.addEventListener("click", (event) => {
  if (suggesters[event.target.id]) closeSuggestions(event.target);
});

// A change to a message that is open for editing or deletion waits: replacing it would throw away what is being typed.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  if (event.detail.target?.querySelector?.(".edit-form, .delete-confirm")) event.preventDefault();
});

document.addEventListener("focusout", (event) => {
  if (suggesters[event.target.id]) closeSuggestions(event.target);
});

// A changed message's quotes in replies follow it: the excerpt is what it says now, or that it was deleted.
document.addEventListener("htmx:oobAfterSwap", (event) => {
  const message = event.target;
  if (!message.classList?.contains("message") || !message.dataset.seq) return;
  const deleted = message.querySelector(".message-deleted") !== null;
  const text = (message.querySelector(".message-text")?.textContent ?? "").trim();
  const excerpt = deleted ? "This message was deleted." : text.length > 200 ? `${text.slice(0, 199)}…` : text;
  document.querySelectorAll(`.reply-quote[data-seq="${message.dataset.seq}"] .reply-excerpt`).forEach((quote) => {
    quote.textContent = excerpt;
  });
});

// The user menu is a <details> disclosure (it works without script); with script it also closes as menus do.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.user-menu[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  const menu = event.key === "Escape" && event.target.closest?.("details.user-menu[open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});

// A stream that fails may mean the session has ended (logged out elsewhere, locked by an admin, password changed in
// another browser): ask, and if so go to the login page rather than sit there looking live.
// A plain form post (Log out) leaves the page: its stream ending then is no news.
let sessionProbe, leaving = false;
document.addEventListener("submit", (event) => {
  if (!event.defaultPrevented && !event.target.matches("[hx-post], [hx-get], [data-hx-post]")) leaving = true;
});
function probeSession() {
  if (leaving) return;
  sessionProbe ??= fetch("/account/session", { headers: { "HX-Request": "true" } })
    .then((response) => {
      if (response.status === 401 && !leaving) location.assign(`/account/login?ReturnUrl=${encodeURIComponent(location.pathname + location.search)}`);
    })
    .catch(() => {}) // the server is away (a restart): the stream reconnects on its own
    .finally(() => { sessionProbe = undefined; });
}
document.addEventListener("htmx:sseError", probeSession);
document.addEventListener("htmxchat:stream-error", probeSession); // the stream the tabs share (shared-stream.js)

// Forms that undo something ask first (Leave chat).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !confirm(question)) event.preventDefault();
}, true);

// Typing: this tab says so at most every 3 seconds while the person types; others' typing shows above the field for
// 5 seconds after their last signal, or until their message arrives.
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;
let lastTypingSent = 0;
document.addEventListener("input", (event) => {
  const form = event.target.closest?.("#send-form");
  const chatId = document.querySelector("[data-open-chat]")?.dataset.openChat;
  if (!form || !chatId || event.target.value.trim() === "" || Date.now() - lastTypingSent < TYPING_EVERY_MS) return;
  lastTypingSent = Date.now();
  htmx.ajax("POST", `/chats/${chatId}/typing`, { source: document.getElementById("typing"), swap: "none" }).catch(() => {});
});

const typists = new Map(); // userId -> { name, timer }
function showTypists() {
  const region = document.getElementById("typing");
  if (!region) return;
  const names = [...typists.values()].map((t) => t.name);
  region.textContent = names.length === 0 ? ""
    : names.length === 1 ? `${names[0]} is typing…`
    : names.length === 2 ? `${names[0]} and ${names[1]} are typing…`
    : "Several people are typing…";
}
function stopTyping(userId) {
  const typist = typists.get(userId);
  if (!typist) return;
  clearTimeout(typist.timer);
  typists.delete(userId);
  showTypists();
}
document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type === "chat-typing") {
    event.preventDefault();
    const { userId, username } = JSON.parse(event.detail.data);
    clearTimeout(typists.get(userId)?.timer);
    typists.set(userId, { name: username, timer: setTimeout(() => stopTyping(userId), TYPING_SHOWN_MS) });
    showTypists();
  } else if (event.detail.type === "chat-message") {
    const sender = /data-sender-id="([^"]*)"/.exec(event.detail.data)?.[1];
    if (sender) stopTyping(sender);
  }
});

// Presence: who is online, as the stream says; every dot and status of a person on the page follows, including
// those a live update has just put there.
const presence = new Map(); // userId -> { online, lastSeenAt }
function describePresence({ online, lastSeenAt }) {
  if (online) return "online";
  if (!lastSeenAt) return "offline";
  const zone = document.getElementById("message-log")?.dataset.zone;
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  try {
    return `last seen ${new Intl.DateTimeFormat("en-GB", { ...options, timeZone: zone }).format(new Date(lastSeenAt))}`;
  } catch {
    return `last seen ${new Intl.DateTimeFormat("en-GB", options).format(new Date(lastSeenAt))}`;
  }
}
function applyPresence(root = document) {
  for (const element of root.querySelectorAll("[data-presence-of]")) {
    const state = presence.get(element.dataset.presenceOf);
    if (!state) continue;
    if (element.classList.contains("presence-dot")) element.dataset.online = String(state.online);
    else element.textContent = describePresence(state);
  }
}
document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type !== "chat-presence") return;
  event.preventDefault();
  const { userId, online, lastSeenAt } = JSON.parse(event.detail.data);
  presence.set(userId, { online, lastSeenAt });
  applyPresence();
});
document.addEventListener("htmx:oobAfterSwap", (event) => applyPresence(event.target.parentElement ?? document));
// What the page was rendered with is the starting point.
document.addEventListener("DOMContentLoaded", () => {
  for (const dot of document.querySelectorAll(".presence-dot[data-presence-of][data-online]")) {
    if (dot.dataset.online) presence.set(dot.dataset.presenceOf, { online: dot.dataset.online === "true", lastSeenAt: dot.dataset.lastSeen });
  }
});

// Attention: the unread total in the title, notification levels, and desktop notifications.
const baseTitle = document.title;
function showUnreadTotal() {
  let total = 0;
  for (const badge of document.querySelectorAll("#chat-list .chat-row:not(.chat-muted) .unread:not([hidden])")) {
    total += Number.parseInt(badge.textContent, 10) || 0;
  }
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}
document.addEventListener("DOMContentLoaded", showUnreadTotal);
document.addEventListener("htmx:oobAfterSwap", showUnreadTotal);
document.addEventListener("htmx:afterSettle", showUnreadTotal);

document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type !== "chat-notifications") return;
  event.preventDefault();
  const { chatId, level } = JSON.parse(event.detail.data);
  const row = document.getElementById(`chat-row-${chatId}`);
  if (row) {
    row.dataset.notifications = level;
    row.classList.toggle("chat-muted", level === "none");
  }
  const select = document.getElementById("notifications-level");
  if (select && document.querySelector("[data-open-chat]")?.dataset.openChat === chatId) select.value = level;
  showUnreadTotal();
});

// One tab of this browser raises desktop notifications (the one holding the lock; when it closes, another takes
// over), and only while none of the tabs is in view: tabs tell each other when they are shown or hidden.
const tabId = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`; // randomUUID needs a secure context
const tabs = "BroadcastChannel" in window ? new BroadcastChannel("htmxchat-tabs") : null;
const visibleTabs = new Set();
let notifier = false;
function sayVisibility() {
  tabs?.postMessage({ tab: tabId, visible: document.visibilityState === "visible" });
}
if (tabs) {
  tabs.onmessage = ({ data }) => {
    if (data.ask) sayVisibility();
    else if (data.visible) visibleTabs.add(data.tab);
    else visibleTabs.delete(data.tab);
  };
  document.addEventListener("visibilitychange", sayVisibility);
  window.addEventListener("pagehide", () => tabs.postMessage({ tab: tabId, visible: false }));
  sayVisibility();
  tabs.postMessage({ ask: true });
}
// Only a tab with a stream can notify: a profile or admin tab must not hold the lock.
if (document.querySelector("[sse-connect]")) {
  navigator.locks?.request("htmxchat-notifier", () => {
    notifier = true;
    return new Promise(() => {}); // held until this tab goes away
  });
}
function anyTabInView() {
  return document.visibilityState === "visible" || visibleTabs.size > 0;
}

document.addEventListener("htmx:sseBeforeMessage", (event) => {
  if (event.detail.type !== "chat-notify") return;
  event.preventDefault();
  if (!notifier || !("Notification" in window) || Notification.permission !== "granted" || anyTabInView()) return;
  const { chatId, seq, senderId, body, mentions } = JSON.parse(event.detail.data);
  const me = document.body.dataset.userId;
  if (senderId === me) return;
  const row = document.getElementById(`chat-row-${chatId}`);
  const level = row?.dataset.notifications ?? "all";
  if (level === "none" || (level === "mentions" && !mentions.includes(me))) return;
  const title = row?.querySelector(".chat-link")?.textContent.trim() || "HtmxChat";
  const notification = new Notification(title, { body, tag: `${chatId}:${seq}` });
  notification.onclick = () => {
    window.focus();
    location.assign(`/chats/${chatId}`);
  };
});

document.addEventListener("DOMContentLoaded", () => {
  const item = document.querySelector(".enable-notifications");
  if (!item || !("Notification" in window) || Notification.permission !== "default") return;
  item.hidden = false;
  item.querySelector("button").addEventListener("click", async () => {
    await Notification.requestPermission();
    item.hidden = Notification.permission !== "default";
  });
});

// Removed from the open chat: its stream ends for good, so this tab goes on with the stream of the chat list alone.
document.addEventListener("htmx:oobAfterSwap", (event) => {
  if (event.target.id !== "send-form" || !event.target.matches("[role=status]")) return;
  document.querySelector("[sse-connect]")?.setAttribute("sse-connect", "/chats/events");
});
