// The consultation room (templates/consultations/room.html). The room works
// without this file (a send form and a refresh link); this adds polling
// niceties: Enter sends, a failed send keeps the text, the list follows new
// messages unless the reader scrolled up, read receipts, a slower poll in a
// hidden tab.
(function () {
  "use strict";

  var room = document.querySelector("[data-room]");
  if (!room) return;
  var list = document.getElementById("messages");
  var me = room.getAttribute("data-me");
  var HIDDEN_POLL_MS = 20000; // longer than the 15 s presence window: a hidden tab counts as away
  var lastHiddenPoll = 0;
  var reportedRead = 0;
  var stickToBottom = true;

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function scroller() { return list; }

  function nearBottom() {
    var box = scroller();
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function toBottom() {
    var box = scroller();
    box.scrollTop = box.scrollHeight;
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function status(text) {
    var box = document.getElementById("composer-status");
    if (!box) return;
    box.textContent = "";
    if (!text) return;
    var p = document.createElement("p");
    p.className = "form-errors";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.appendChild(p);
  }

  function removeDuplicates() {
    var seen = {};
    list.querySelectorAll("li.msg").forEach(function (item) {
      if (seen[item.id]) item.remove(); else seen[item.id] = true;
    });
    var empty = document.getElementById("chat-empty");
    if (empty && list.querySelector("li.msg")) empty.remove();
  }

  function applyReadReceipts() {
    var marker = document.getElementById("read-upto");
    var upto = marker ? parseInt(marker.getAttribute("data-upto"), 10) || 0 : 0;
    list.querySelectorAll("li.msg-mine").forEach(function (item) {
      if (parseInt(item.getAttribute("data-id"), 10) <= upto && !item.classList.contains("is-read")) {
        item.classList.add("is-read");
        var label = item.querySelector(".msg-read");
        if (label) label.textContent = "Read";
      }
    });
  }

  function reportRead() {
    if (document.hidden) return;
    var newest = 0;
    list.querySelectorAll("li.msg-theirs").forEach(function (item) {
      newest = Math.max(newest, parseInt(item.getAttribute("data-id"), 10) || 0);
    });
    if (newest <= reportedRead) return;
    reportedRead = newest;
    var body = new URLSearchParams();
    body.set("upto", String(newest));
    fetch(room.getAttribute("data-read-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin",
    }).catch(function () { reportedRead = 0; });
  }

  function freshComposer() {
    var form = document.getElementById("composer");
    if (!form) return;
    var id = form.querySelector("[data-client-id]");
    if (id && !id.value) id.value = newId();
  }

  // Composer: Enter sends, Shift+Enter is a new line (not while an IME is composing).
  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "id_body" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    var form = event.target.form;
    if (form.querySelector("button[type=submit]").disabled) return;
    if (!event.target.value.trim() && !form.querySelector("input[type=file]").value) return;
    form.requestSubmit();
  });

  document.addEventListener("change", function (event) {
    if (event.target.name !== "file" || !event.target.form || event.target.form.id !== "composer") return;
    var label = document.getElementById("composer-file-name");
    if (label) label.textContent = event.target.files.length ? event.target.files[0].name : "";
  });

  // Sent: a fresh composer (and a fresh message id), and poll at once to show it.
  document.body.addEventListener("consult-sent", function () {
    var form = document.getElementById("composer");
    if (form) {
      form.reset();
      form.querySelector("[data-client-id]").value = newId();
      var label = document.getElementById("composer-file-name");
      if (label) label.textContent = "";
    }
    status("");
    stickToBottom = true;
    htmx.trigger(document.body, "consult-poll");
  });

  // A failed send keeps the text and the same message id: sending again never posts twice.
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.target.id === "composer") status("Not sent: the connection failed. Your message is still here; press Send to try again.");
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.target.id !== "composer") return;
    var code = event.detail.xhr.status;
    status(code === 429
      ? "You are sending messages very fast, so sending is paused for a minute. Your message is still here."
      : "Not sent (the server answered " + code + "). Your message is still here; try again.");
  });

  // The poll: remember where the reader was, skip most polls while the tab is hidden.
  document.body.addEventListener("htmx:confirm", function (event) {
    if (event.target.id !== "poller" || !document.hidden) return;
    var now = Date.now();
    if (now - lastHiddenPoll < HIDDEN_POLL_MS) { event.preventDefault(); return; }
    lastHiddenPoll = now;
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === "poller") stickToBottom = stickToBottom || nearBottom();
  });
  list.addEventListener("scroll", function () { stickToBottom = nearBottom(); });
  document.body.addEventListener("htmx:afterSettle", function () {
    removeDuplicates();
    applyReadReceipts();
    freshComposer();
    if (stickToBottom) toBottom();
    reportRead();
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { reportRead(); htmx.trigger(document.body, "consult-poll"); }
  });

  // "Opens in 5 minutes", kept current.
  function countdowns() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ms = new Date(el.getAttribute("data-countdown")).getTime() - Date.now();
      var minutes = Math.max(Math.ceil(ms / 60000), 0);
      el.textContent = minutes <= 0 ? "any moment now" : minutes === 1 ? "in 1 minute" : minutes < 120 ? "in " + minutes + " minutes" : el.textContent;
    });
  }
  window.setInterval(countdowns, 15000);

  freshComposer();
  applyReadReceipts();
  toBottom();
  countdowns();
  reportRead();
})();
