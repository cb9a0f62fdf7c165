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

  // Tab lists (the slot picker's mode and days): the WAI-ARIA tabs pattern with
  // manual activation. Only the selected tab is in the Tab order; the arrow keys,
  // Home and End move focus along the list, Enter or Space activates. The server
  // sends every tab reachable (without this script there are no arrow keys):
  // the roving tabindex is set here, on load and after every swap.
  function rovingTabindex(root) {
    root.querySelectorAll("[role='tablist']").forEach(function (list) {
      var tabs = list.querySelectorAll("[role='tab']");
      var selected = list.querySelector("[role='tab'][aria-selected='true']") || tabs[0];
      tabs.forEach(function (tab) {
        tab.setAttribute("tabindex", tab === selected ? "0" : "-1");
      });
    });
  }
  rovingTabindex(document);
  // At the swap itself (htmx:afterSwap, on the new content), not at the settle
  // 20 ms later: a Tab pressed in between must already skip the unselected tabs.
  document.addEventListener("htmx:afterSwap", function () { rovingTabindex(document); });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role='tab']");
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role='tablist']").querySelectorAll("[role='tab']"));
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = tabs[(index + 1) % tabs.length];
    else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = tabs[(index - 1 + tabs.length) % tabs.length];
    else if (event.key === "Home") next = tabs[0];
    else if (event.key === "End") next = tabs[tabs.length - 1];
    else if (event.key === " ") {
      event.preventDefault();
      tab.click();
      return;
    }
    if (!next) return;
    event.preventDefault();
    next.focus();
    scrollIntoStrip(next);
  });

  // Bring a tab into its scrolling strip's view without scrolling the page.
  function scrollIntoStrip(tab) {
    var strip = tab.closest("[role='tablist']");
    if (!strip || strip.scrollWidth <= strip.clientWidth) return;
    var left = tab.offsetLeft - strip.offsetLeft;
    if (left < strip.scrollLeft) strip.scrollLeft = left;
    else if (left + tab.offsetWidth > strip.scrollLeft + strip.clientWidth) {
      strip.scrollLeft = left + tab.offsetWidth - strip.clientWidth;
    }
  }

  function showSelectedTabs(root) {
    root.querySelectorAll("[role='tab'][aria-selected='true']").forEach(scrollIntoStrip);
  }
  showSelectedTabs(document);
  // A narrower window (a phone turned, a resized window) can hide it again.
  window.addEventListener("resize", function () { showSelectedTabs(document); });

  // An HTMX swap replaces the control the user activated: put focus back on
  // its new copy (same id), or on the selected tab of the same list, instead of
  // letting it fall to the top of the page.
  var activated = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    activated = element && element.id ? { id: element.id, list: element.closest("[role='tablist']"), hadFocus: element === document.activeElement } : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    showSelectedTabs(document);
    if (!activated) return;
    var remembered = activated;
    activated = null;
    if (!remembered.hadFocus) return;
    // htmx keeps focus on a swapped element with the same id, and the user may
    // already have moved on (an arrow key during the settle): only pick up a
    // focus that fell to the page itself.
    var current = document.activeElement;
    if (current && current !== document.body && document.contains(current)) return;
    var again = document.getElementById(remembered.id);
    if (!again && remembered.list) {
      var label = remembered.list.getAttribute("aria-label");
      var list = document.querySelector("[role='tablist'][aria-label='" + label + "']");
      again = list && list.querySelector("[role='tab'][aria-selected='true']");
    }
    // An arrow that is gone (back at this week): the selected day.
    again = again || document.querySelector("[role='tablist'][aria-label='Days'] [role='tab'][aria-selected='true']");
    if (again) again.focus();
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
