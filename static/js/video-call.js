// Video calls in the consultation room: peer-to-peer WebRTC, signalling over HTTP.
//
// The two browsers send audio and video straight to each other; MedConsult only
// carries the set-up. The patient, on joining, makes the offer (with the ICE
// candidates gathered so far inside it) and posts it; the doctor's page receives
// it through the room's existing poll, answers, and posts the answer, which the
// patient's poll brings back. Candidates found later are posted in batches.
// Mute, camera and hang-up reach the other side at once over a data channel,
// and hang-up through the server as well (which ends the call record).
//
// The server renders into the room (and the poll swaps in, out of band):
//   #video-call-status  the call's state, with data-call-* attributes and the
//                       Start / Join / Decline forms;
//   #video-inbox        data-signals: JSON list of {id, kind, payload} for this viewer.
// Without this script the section stays hidden and the room is a chat.
(function () {
  "use strict";

  var root = document.querySelector("[data-video-call]");
  if (!root || !window.RTCPeerConnection || !navigator.mediaDevices) return;
  root.hidden = false;

  var role = root.getAttribute("data-role"); // "doctor" (answers) or "patient" (offers)
  var $ = function (selector) { return root.querySelector(selector); };
  var stage = $("[data-video-stage]");
  var remoteVideo = $("[data-remote]");
  var localVideo = $("[data-local]");
  var indicator = $("[data-call-indicator]");
  var peerState = $("[data-peer-state]");
  var controls = $("[data-controls]");
  var micButton = $("[data-toggle-mic]");
  var camButton = $("[data-toggle-cam]");
  var mediaError = $("[data-media-error]");
  var mediaErrorText = $("[data-media-error-text]");
  var notice = $("[data-call-message]");
  var ringSeconds = parseInt(root.getAttribute("data-ring-seconds"), 10) || 60;

  var call = null; // {id, urls, iceServers}
  var pc = null;
  var channel = null;
  var localStream = null;
  var lastSignalId = 0;
  var pendingCandidates = [];
  var candidateTimer = null;
  var heartbeatTimer = null;
  var disconnectTimer = null;
  var reportedConnected = false;
  var pendingAction = null; // what to retry with audio only: "start" or "join"
  var ringTimer = null;
  var restarts = 0;
  var MAX_RESTARTS = 3;
  var state = "idle";

  var LABELS = {
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    ended: "Call ended",
  };

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields || {}).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.status === 204 ? null : response.json();
    });
  }

  function setState(next) {
    state = next;
    root.setAttribute("data-state", next);
    root.classList.toggle("is-in-call", next !== "idle" && next !== "ended");
    indicator.hidden = next === "idle";
    indicator.textContent = LABELS[next] || "";
    indicator.className = "chip-status video-call__indicator " +
      (next === "connected" ? "chip-success" : next === "ended" ? "chip-muted" : "chip-warning");
    stage.hidden = next === "idle" || next === "ended";
    controls.hidden = stage.hidden;
  }

  function showPeer(text) {
    peerState.textContent = text;
    peerState.hidden = !text;
  }

  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  // --- Camera and microphone ---------------------------------------------------
  function mediaProblem(error, wantedVideo) {
    var name = error && error.name;
    var what = wantedVideo ? "camera or microphone" : "microphone";
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "MedConsult was not allowed to use your " + what + ". Allow it in the browser's site settings, or carry on in the chat below.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      return "No " + what + " was found on this device. You can carry on in the chat below.";
    }
    if (name === "NotReadableError") {
      return "Your " + what + " is in use by another app. Close it and try again, or carry on in the chat below.";
    }
    return "Your " + what + " could not be started. You can carry on in the chat below.";
  }

  function getMedia(withVideo) {
    mediaError.hidden = true;
    return navigator.mediaDevices.getUserMedia({ audio: true, video: withVideo }).then(function (stream) {
      localStream = stream;
      localVideo.srcObject = stream;
      camButton.hidden = stream.getVideoTracks().length === 0;
      root.classList.toggle("is-audio-only", stream.getVideoTracks().length === 0);
      return stream;
    }, function (error) {
      mediaErrorText.textContent = mediaProblem(error, withVideo);
      // Audio only is offered when the camera was the problem; without a
      // microphone there is nothing to offer but the chat.
      $("[data-audio-only]").hidden = !withVideo;
      mediaError.hidden = false;
      throw error;
    });
  }

  function hasVideo() {
    return !!localStream && localStream.getVideoTracks().some(function (t) { return t.enabled; });
  }

  // --- The peer connection -------------------------------------------------------
  function createPeer() {
    pc = new RTCPeerConnection({ iceServers: call.iceServers || [] });
    localStream.getTracks().forEach(function (track) { pc.addTrack(track, localStream); });
    if (role === "patient" && !localStream.getVideoTracks().length) {
      // Audio only on this side: still ask for the doctor's picture.
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.ontrack = function (event) {
      if (remoteVideo.srcObject !== event.streams[0]) remoteVideo.srcObject = event.streams[0];
    };
    pc.onicecandidate = function (event) {
      // Candidates found before the description went out travel inside it;
      // later ones are posted together a moment later, not one request each.
      if (!event.candidate || !pc.localDescription || !descriptionSent) return;
      pendingCandidates.push(event.candidate.toJSON());
      if (!candidateTimer) candidateTimer = window.setTimeout(flushCandidates, 1000);
    };
    pc.onconnectionstatechange = onConnectionState;
    if (role === "patient") {
      openChannel(pc.createDataChannel("state"));
    } else {
      pc.ondatachannel = function (event) { openChannel(event.channel); };
    }
  }

  var descriptionSent = false;

  function gathered() {
    // Wait for ICE gathering to finish (at most 2 s), so the description carries its candidates.
    return new Promise(function (resolve) {
      if (pc.iceGatheringState === "complete") return resolve();
      var done = function () {
        if (pc && pc.iceGatheringState !== "complete") return;
        pc && pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      };
      pc.addEventListener("icegatheringstatechange", done);
      window.setTimeout(resolve, 2000);
    });
  }

  function sendDescription(kind) {
    return gathered().then(function () {
      descriptionSent = true;
      return post(call.urls.signal, {
        kind: kind,
        payload: JSON.stringify({ type: pc.localDescription.type, sdp: pc.localDescription.sdp }),
      });
    });
  }

  function makeOffer(iceRestart) {
    descriptionSent = false;
    return pc.createOffer(iceRestart ? { iceRestart: true } : {})
      .then(function (offer) { return pc.setLocalDescription(offer); })
      .then(function () { return sendDescription("offer"); })
      .catch(failed);
  }

  function flushCandidates() {
    candidateTimer = null;
    if (!pendingCandidates.length || !call) return;
    var batch = pendingCandidates;
    pendingCandidates = [];
    post(call.urls.signal, { kind: "candidates", payload: JSON.stringify(batch) }).catch(function () {});
  }

  function onConnectionState() {
    if (!pc) return;
    var s = pc.connectionState;
    if (s === "connected") {
      window.clearTimeout(disconnectTimer);
      window.clearTimeout(ringTimer);
      restarts = 0;
      setState("connected");
      sendState();
      report();
      if (!heartbeatTimer) heartbeatTimer = window.setInterval(report, 30000);
    } else if (s === "disconnected" || s === "failed") {
      if (state === "ended") return;
      setState("reconnecting");
      // The offering side restarts ICE; the other side waits for its new offer.
      window.clearTimeout(disconnectTimer);
      disconnectTimer = window.setTimeout(restartIce, s === "failed" ? 0 : 3000);
    }
  }

  function restartIce() {
    if (!pc || state === "ended" || role !== "patient") return;
    if (pc.connectionState === "connected") return;
    // The other browser may be gone for good (closed, crashed): give up after a few tries.
    restarts += 1;
    if (restarts > MAX_RESTARTS) return finish("The connection was lost.", true);
    makeOffer(true);
  }

  function report() {
    // Only a connection that is up is reported: a heartbeat while reconnecting
    // (the other browser gone for good) would keep the call record "connected"
    // and its duration growing, and the call counting as a video consultation.
    if (!call || !pc || pc.connectionState !== "connected") return;
    reportedConnected = true;
    post(call.urls.connected, { video: hasVideo() ? "1" : "" }).catch(function () {});
  }

  // --- Mute, camera, hang up ------------------------------------------------------
  function openChannel(dc) {
    channel = dc;
    channel.onopen = sendState;
    channel.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.bye) return finish("The other side hung up.", false);
      var notes = [];
      if (message.mic === false) notes.push("microphone muted");
      if (message.cam === false) notes.push("camera off");
      var who = role === "doctor" ? "Patient" : "Doctor";
      showPeer(notes.length ? who + ": " + notes.join(", ") : "");
    };
  }

  function sendState(extra) {
    if (!channel || channel.readyState !== "open") return;
    var audio = localStream ? localStream.getAudioTracks()[0] : null;
    var video = localStream ? localStream.getVideoTracks()[0] : null;
    var message = { mic: !!(audio && audio.enabled), cam: !!(video && video.enabled) };
    Object.assign(message, extra || {});
    channel.send(JSON.stringify(message));
  }

  function toggle(kind, button, onLabel, offLabel) {
    if (!localStream) return;
    var tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    if (!tracks.length) return;
    var enabled = !tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = enabled; });
    button.setAttribute("aria-pressed", enabled ? "false" : "true");
    button.textContent = enabled ? onLabel : offLabel;
    sendState();
  }

  function finish(message, tellServer) {
    if (state === "ended" || state === "idle") return;
    if (tellServer && call) {
      sendState({ bye: true });
      post(call.urls.end, {}).catch(function () {});
    }
    window.clearTimeout(candidateTimer);
    window.clearTimeout(disconnectTimer);
    window.clearTimeout(ringTimer);
    window.clearInterval(heartbeatTimer);
    candidateTimer = heartbeatTimer = null;
    if (pc) { pc.onconnectionstatechange = null; pc.close(); }
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    pc = channel = localStream = null;
    remoteVideo.srcObject = null;
    localVideo.srcObject = null;
    setState("ended");
    showPeer("");
    indicator.textContent = message ? LABELS.ended + ". " + message : LABELS.ended;
    call = null;
  }

  function failed(error) {
    if (error && error.status === 429) {
      say("Too many call requests in a minute. Wait a moment and try again.");
    } else if (error && (error.status === 404 || error.status === 409)) {
      say("This call is no longer available.");
      if (state !== "idle") finish("", false);
    } else {
      say("The call could not be set up (" + (error && error.message ? error.message : "error") + "). The chat still works.");
    }
  }

  // --- Starting and joining ---------------------------------------------------------
  function begin(action, url, withVideo) {
    pendingAction = { action: action, url: url };
    say("");
    getMedia(withVideo).then(function () {
      setState("connecting");
      return post(url, {});
    }).then(function (data) {
      if (!data) return;
      call = { id: String(data.call_id), urls: data.urls, iceServers: data.ice_servers };
      reportedConnected = false;
      descriptionSent = false;
      createPeer();
      if (role === "patient") return makeOffer(false);
      showPeer("Calling the patient…");
      // Unanswered: hang up a moment after the server counts the call as missed.
      ringTimer = window.setTimeout(function () {
        if (state === "connecting") finish("The patient did not answer.", true);
      }, (ringSeconds + 2) * 1000);
    }).catch(function (error) {
      if (localStream && state === "connecting") {
        localStream.getTracks().forEach(function (t) { t.stop(); });
        localStream = null;
        setState("idle");
      }
      if (error && error.status) failed(error);
    });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    var action = form.getAttribute("data-video-action");
    if (!action) return;
    event.preventDefault();
    if (action === "decline") {
      post(form.action, {}).catch(failed);
      form.closest("[data-ringing]") && (form.closest("[data-ringing]").hidden = true);
      return;
    }
    if (state !== "idle" && state !== "ended") return;
    begin(action, form.action, true);
  });

  root.addEventListener("click", function (event) {
    var target = event.target.closest("button");
    if (!target) return;
    if (target.hasAttribute("data-audio-only") && pendingAction) {
      begin(pendingAction.action, pendingAction.url, false);
    } else if (target.hasAttribute("data-toggle-mic")) {
      toggle("audio", micButton, "Mute", "Unmute");
    } else if (target.hasAttribute("data-toggle-cam")) {
      toggle("video", camButton, "Camera off", "Camera on");
    } else if (target.hasAttribute("data-hangup")) {
      finish("", true);
    }
  });

  // --- What the poll brings -----------------------------------------------------------
  // Signals are handled one after another: setRemoteDescription is asynchronous,
  // so candidates that came in the same poll as their offer or answer must wait
  // for it, or they would find no remote description yet and be lost.
  var signalQueue = Promise.resolve();

  function handleSignal(signal) {
    signalQueue = signalQueue.then(function () { return applySignal(signal); });
  }

  function applySignal(signal) {
    if (!pc || !call || String(signal.call_id) !== call.id) return;
    var payload = signal.payload;
    if (signal.kind === "offer" && role === "doctor") {
      window.clearTimeout(ringTimer); // the patient answered: no "did not answer" hang-up
      descriptionSent = false;
      var peer = pc;
      var applied = peer.setRemoteDescription(payload);
      applied
        .then(function () { return peer.createAnswer(); })
        .then(function (answer) { return peer.setLocalDescription(answer); })
        .then(function () { showPeer(""); return sendDescription("answer"); })
        .catch(failed);
      // The next signals wait for the offer to be applied, not for the answer's post.
      return applied.catch(function () {});
    } else if (signal.kind === "answer" && role === "patient") {
      if (pc.signalingState !== "have-local-offer") return;
      return pc.setRemoteDescription(payload).catch(failed);
    } else if (signal.kind === "candidates" && pc.remoteDescription) {
      var target = pc;
      return Promise.all(payload.map(function (candidate) {
        return target.addIceCandidate(candidate).catch(function () {});
      }));
    }
  }

  function readInbox() {
    var inbox = document.getElementById("video-inbox");
    if (!inbox) return;
    var signals;
    try { signals = JSON.parse(inbox.getAttribute("data-signals") || "[]"); } catch (e) { return; }
    signals.forEach(function (signal) {
      if (signal.id <= lastSignalId) return;
      lastSignalId = signal.id;
      handleSignal(signal);
    });
  }

  function readStatus() {
    var status = document.getElementById("video-call-status");
    if (!status || !call) return;
    var id = status.getAttribute("data-call-id");
    var callState = status.getAttribute("data-call-state");
    // The call we are in has ended on the server (the other side hung up or declined).
    if (id === call.id && (callState === "ended" || callState === "declined" || callState === "missed")) {
      finish(callState === "declined" ? "The patient declined the call." : "", false);
    }
  }

  new MutationObserver(function () { readInbox(); readStatus(); })
    .observe(root, { childList: true, subtree: true });
  readInbox();

  // A network change (Wi-Fi to mobile data): the offering side restarts ICE at once.
  window.addEventListener("online", function () {
    if (pc && role === "patient" && state !== "ended" && state !== "idle") makeOffer(true);
  });
  if (navigator.connection && navigator.connection.addEventListener) {
    navigator.connection.addEventListener("change", function () {
      if (pc && role === "patient" && state !== "ended") makeOffer(true);
    });
  }
  // Leaving the page hangs up, so the other side is not left looking at a frozen picture.
  window.addEventListener("pagehide", function () {
    if (!call || state === "idle" || state === "ended") return;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(call.urls.end, body);
  });

  setState("idle");
})();
