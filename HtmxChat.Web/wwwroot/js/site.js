// HtmxChat's own behaviour on top of htmx: no build step, no inline handlers (the CSP forbids them).
"use strict";

document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-password]");
  if (!toggle) return;
  const input = document.getElementById(toggle.dataset.togglePassword);
  const show = input.type === "password";
  input.type = show ? "text" : "password";
  toggle.textContent = show ? "Hide" : "Show";
  toggle.setAttribute("aria-pressed", String(show));
});
