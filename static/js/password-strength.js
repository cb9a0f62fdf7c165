// A hint, not a rule: the server's validators decide. Under each input marked
// data-password-strength it shows a meter and a word that follow the typing.
(function () {
  "use strict";

  var MIN_LENGTH = 12;
  var WORDS = ["Too short", "Weak", "Fair", "Good", "Strong"];

  function score(value) {
    if (value.length < MIN_LENGTH) return 0;
    if (/^\d+$/.test(value) || /^(.)\1+$/.test(value)) return 1;
    var kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter(function (re) { return re.test(value); }).length;
    var points = 2;
    if (value.length >= 16 || kinds >= 3) points += 1;
    if (value.length >= 20 && kinds >= 2) points += 1;
    return Math.min(points, 4);
  }

  function attach(input) {
    var box = document.createElement("div");
    box.className = "password-strength";
    var meter = document.createElement("meter");
    meter.min = 0;
    meter.max = 4;
    meter.low = 2;
    meter.high = 3;
    meter.optimum = 4;
    meter.value = 0;
    meter.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.className = "password-strength__label";
    label.setAttribute("aria-live", "polite");
    box.appendChild(meter);
    box.appendChild(label);
    input.insertAdjacentElement("afterend", box);
    input.addEventListener("input", function () {
      var points = input.value ? score(input.value) : 0;
      meter.value = points;
      label.textContent = input.value ? "Strength: " + WORDS[points] : "";
    });
  }

  document.querySelectorAll("input[data-password-strength]").forEach(attach);
})();
