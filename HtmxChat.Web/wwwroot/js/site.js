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

// React opens the palette of reactions beside it; Escape or a choice closes it.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".react-toggle");
  if (toggle) {
    const palette = document.getElementById(toggle.getAttribute("aria-controls"));
    const open = palette.hidden;
    palette.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) palette.querySelector("button")?.focus();
  }
});

// A reaction chosen from the palette closes it once it is sent (closing it on the click would cancel the send).
document.addEventListener("htmx:afterRequest", (event) => {
  const palette = event.detail.elt?.closest?.(".react-palette");
  if (palette) closePalette(palette);
});

function closePalette(palette) {
  palette.hidden = true;
  const toggle = document.querySelector(`[aria-controls="${palette.id}"]`);
  toggle?.setAttribute("aria-expanded", "false");
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
