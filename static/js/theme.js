// Runs in <head> before the first paint: apply the theme the user picked, if any.
// Without a stored choice, the CSS follows prefers-color-scheme.
(function () {
  try {
    var theme = localStorage.getItem("medconsult-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) {
    // Storage can be blocked (private mode); the system theme still applies.
  }
})();
