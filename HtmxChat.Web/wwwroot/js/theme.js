// Loaded blocking in <head>, before the styles apply: the chosen colour mode is set before the first paint, so a
// dark page never flashes light. "auto" (the default) follows the system and changes with it.
"use strict";
(() => {
  // Storage can be blocked: then the choice is not remembered, and Auto applies.
  const storage = (() => {
    try {
      return window.localStorage;
    } catch {
      return { getItem: () => null, setItem() {}, removeItem() {} };
    }
  })();
  const stored = storage.getItem("theme");
  const choice = stored === "light" || stored === "dark" ? stored : "auto";
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    const current = storage.getItem("theme") ?? "auto";
    document.documentElement.dataset.bsTheme = current === "auto" ? (system.matches ? "dark" : "light") : current;
  };
  document.documentElement.dataset.bsTheme = choice === "auto" ? (system.matches ? "dark" : "light") : choice;
  system.addEventListener("change", apply);
  window.htmxChatTheme = {
    choice: () => storage.getItem("theme") ?? "auto",
    choose: (value) => {
      if (value === "auto") storage.removeItem("theme");
      else storage.setItem("theme", value);
      apply();
    },
  };
})();
