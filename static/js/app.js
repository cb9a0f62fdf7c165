// Progressive enhancements; every page works without them.
(function () {
  "use strict";

  function effectiveTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { localStorage.setItem("medconsult-theme", next); } catch (e) { /* not remembered */ }
      return;
    }
    var dismiss = event.target.closest("[data-dismiss='flash']");
    if (dismiss) {
      dismiss.closest(".flash").remove();
    }
  });

  // A second click on a submit button must not send the form twice (a double
  // booking attempt, a duplicate message). Disabling waits a tick so the
  // clicked button's own name and value still go with the form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-allow-resubmit")) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type='submit'], button:not([type])").forEach(function (button) {
        button.disabled = true;
        button.classList.add("is-busy");
      });
    }, 0);
  });

  // An HTMX form stays on the page after its request: make it usable again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest("form");
    if (!form) return;
    form.querySelectorAll("button.is-busy").forEach(function (button) {
      button.disabled = false;
      button.classList.remove("is-busy");
    });
  });

  // Pages restored from the back/forward cache must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button.is-busy").forEach(function (button) {
      button.disabled = false;
      button.classList.remove("is-busy");
    });
  });

  // After a refused form the server marks where the user should be: the first
  // field in error, or the section or summary that explains the problem.
  function bringTo(target) {
    var details = target.closest("details");
    if (details) details.open = true;
    (target.closest(".field") || target).scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-autofocus]");
    if (target) bringTo(target);
  });
  // Form actions may end in "#section" so that, without JavaScript, a refused
  // form's page opens at its section. With JavaScript, focus goes to the field
  // in error instead, and the fragment would undo that (Chromium moves focus to
  // a fragment's target after load, or clears it): send the form without it.
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (action.indexOf("#") > -1) {
      event.target.setAttribute("action", action.split("#")[0]);
    }
  });
  // An error summary's link moves focus to the field, not only the view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    if (!target.matches("input, select, textarea, button, a[href], [tabindex]")) {
      target.setAttribute("tabindex", "-1");
    }
    bringTo(target);
  });

  // Close the account menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
