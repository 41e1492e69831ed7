// Loaded blocking in <head>, before the styles apply: the chosen colour mode is set before the first paint, so a
// dark page never flashes light. "auto" (the default) follows the system and changes with it.
"use strict";
(() => {
  const stored = localStorage.getItem("theme");
  const choice = stored === "light" || stored === "dark" ? stored : "auto";
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    const current = localStorage.getItem("theme") ?? "auto";
    document.documentElement.dataset.bsTheme = current === "auto" ? (system.matches ? "dark" : "light") : current;
  };
  document.documentElement.dataset.bsTheme = choice === "auto" ? (system.matches ? "dark" : "light") : choice;
  system.addEventListener("change", apply);
  window.htmxChatTheme = {
    choice: () => localStorage.getItem("theme") ?? "auto",
    choose: (value) => {
      if (value === "auto") localStorage.removeItem("theme");
      else localStorage.setItem("theme", value);
      apply();
    },
  };
})();
