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

// A refused send (400, 404, 429) still swaps in the form, which shows why and keeps the text.
document.addEventListener("DOMContentLoaded", () => {
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "(400|404|429)", swap: true, error: true },
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
document.addEventListener("htmx:sseMessage", (event) => {
  if (!event.detail.lastEventId) return;
  const source = event.target.closest("[sse-connect]");
  const url = new URL(source.getAttribute("sse-connect"), location.href);
  url.searchParams.set("after", event.detail.lastEventId);
  source.setAttribute("sse-connect", url.pathname + url.search);
  if (event.detail.type !== "chat-message") return;
  document.querySelector("#message-log .empty-log")?.remove();
  scrollLogToEnd();
});

// The chat with the newest message moves to the top of the list.
document.addEventListener("htmx:oobAfterSwap", (event) => {
  if (!event.target.id?.startsWith("chat-preview-")) return;
  const row = event.target.closest(".chat-row");
  row?.parentElement?.prepend(row);
});
