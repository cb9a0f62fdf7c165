// The payment page's hold countdown: "(4:32 left)", updated each second, and
// "The hold has lapsed" at zero. The server's time is the truth; this only shows it.
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown]").forEach(function (element) {
    var deadline = Date.now() + Number(element.getAttribute("data-countdown")) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (left === 0) {
        element.textContent = "(the hold has lapsed: reload the page)";
        return;
      }
      var seconds = String(left % 60).padStart(2, "0");
      element.textContent = "(" + Math.floor(left / 60) + ":" + seconds + " left)";
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
