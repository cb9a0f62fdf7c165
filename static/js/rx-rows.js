// The prescription editor: after HTMX adds or removes a medicine row, put the
// keyboard focus where the doctor goes on typing (the swapped-in rows replace
// the button that had it).
document.addEventListener("htmx:afterSettle", function (event) {
  var config = event.detail.requestConfig;
  var action = config && config.elt ? config.elt.value || "" : "";
  var rows = document.getElementById("rx-items");
  if (!rows || action.indexOf("add") !== 0 && action.indexOf("remove-") !== 0) return;
  var names = rows.querySelectorAll('input[name$="-name"]');
  if (action === "add" && names.length) {
    names[names.length - 1].focus();
  } else {
    var index = Math.min(parseInt(action.slice(7), 10) || 0, names.length - 1);
    (names[index] || rows.querySelector('button[value="add"]')).focus();
  }
});
