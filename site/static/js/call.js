/*
 * SkillSwap video call client: joins /ws/calls/{id}/ and runs WebRTC "perfect negotiation".
 *
 *   const call = await SkillSwapCall.join({
 *     callId: 12,
 *     accessToken: "<access JWT>",            // for GET/POST /api/v1/video-calls/{id}/…
 *     socketToken: "<access JWT>",            // optional: ?token= for the socket (API clients);
 *                                             // without it the socket uses the session cookie
 *     localVideo: document.querySelector("#me"),
 *     remoteVideo: document.querySelector("#them"),
 *     onState: (state) => console.log(state), // "connecting", "waiting", "connected", "ended", …
 *     onConnectionState: (state) => {},       // RTCPeerConnection.connectionState, as it changes
 *   });
 *   call.setMuted(true); call.setCameraOff(true); call.hangup();
 *
 * The server relays {type: "offer"|"answer"|"ice"|"hangup"} between the call's two participants
 * (never back to the sender) and adds "from" (the sender's user id); it tells the others
 * "peer_joined" / "peer_left" when a socket joins or leaves, and everyone "ended" when the call
 * is over. Every other key of a relayed frame passes through untouched; this client adds two:
 * "pc" (the id of the sending RTCPeerConnection) and "to_pc" (the id of the receiving one it
 * answers), so frames meant for a peer connection that a reload or a reconnect replaced are
 * dropped instead of corrupting the new one.
 *
 * Whoever joins first waits with an idle peer connection and never offers into the void. When a
 * peer joins (or rejoins after a reload), the side that was there makes a fresh peer connection and
 * offers; the newcomer answers. If both offer at once, the participant with the lower user id is
 * "polite": it rolls its own offer back and answers; the other ignores the colliding offer. ICE
 * candidates that arrive before the remote description is set are queued, then added. Frames are
 * handled one at a time, in order.
 */
(function (global) {
  "use strict";

  var CLOSE_UNAUTHORIZED = 4401;
  var CLOSE_FORBIDDEN = 4403;
  var CLOSE_ENDED = 4409;

  function randomId() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  async function fetchCall(apiBase, callId, accessToken) {
    var response = await fetch(apiBase + "/video-calls/" + callId + "/", {
      headers: { Authorization: "Bearer " + accessToken, Accept: "application/json" },
      credentials: "omit",
    });
    if (response.status === 401) {
      var expired = new Error("signed_out");
      expired.state = "signed_out";
      throw expired;
    }
    if (!response.ok) {
      var refused = new Error("refused");
      refused.state = "refused";
      throw refused;
    }
    return response.json();
  }

  function socketUrl(path, joinToken, socketToken) {
    var scheme = global.location.protocol === "https:" ? "wss" : "ws";
    var query = new URLSearchParams({ join_token: joinToken });
    if (socketToken) query.set("token", socketToken);
    return scheme + "://" + global.location.host + path + "?" + query.toString();
  }

  async function openMedia(constraints) {
    try {
      return { stream: await global.navigator.mediaDevices.getUserMedia(constraints), refused: false };
    } catch (error) {
      // Camera refused or missing: try the microphone alone, else join to watch and listen.
      if (constraints.video) {
        try {
          var audio = await global.navigator.mediaDevices.getUserMedia({ audio: true });
          return { stream: audio, refused: "camera" };
        } catch (ignored) { /* fall through */ }
      }
      return { stream: null, refused: "media" };
    }
  }

  async function join(options) {
    var apiBase = options.apiBase || "/api/v1";
    var onState = options.onState || function () {};
    var onConnectionState = options.onConnectionState || function () {};
    onState("connecting");

    var call = await fetchCall(apiBase, options.callId, options.accessToken);
    if (!call.join_token || call.status === "ended") {
      onState("ended");
      return null;
    }
    var media = await openMedia(options.constraints || { audio: true, video: true });
    var stream = media.stream;
    if (media.refused) onState(media.refused === "camera" ? "camera_refused" : "media_refused");
    if (options.localVideo && stream) {
      options.localVideo.srcObject = stream;
      options.localVideo.muted = true;
    }

    var iceServers = call.ice_servers || [];
    var socket = null;
    var myId = null;
    var peerId = null;
    var polite = false;
    var pc = null;
    var myPc = null; // id of our current RTCPeerConnection
    var remotePc = null; // id of the peer's RTCPeerConnection ours talks to
    var peerPresent = false; // may we offer: is someone there to answer?
    var makingOffer = false;
    var ignoreOffer = false;
    var pendingCandidates = [];
    var queue = Promise.resolve();
    var ended = false;
    var reconnectDelay = 1000;

    function send(message) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return;
      message.pc = myPc;
      if (remotePc) message.to_pc = remotePc;
      socket.send(JSON.stringify(message));
    }

    function resetPeerConnection(present) {
      if (pc) {
        pc.onicecandidate = pc.ontrack = pc.onnegotiationneeded = pc.onconnectionstatechange = null;
        pc.close();
      }
      peerPresent = present;
      makingOffer = false;
      ignoreOffer = false;
      pendingCandidates = [];
      remotePc = null;
      myPc = randomId();
      var current = new RTCPeerConnection({ iceServers: iceServers });
      pc = current;
      if (stream) {
        stream.getTracks().forEach(function (track) { current.addTrack(track, stream); });
      } else {
        current.addTransceiver("audio", { direction: "recvonly" });
        current.addTransceiver("video", { direction: "recvonly" });
      }
      current.ontrack = function (event) {
        if (pc !== current || !options.remoteVideo) return;
        var remote = event.streams[0] || new MediaStream([event.track]);
        if (options.remoteVideo.srcObject !== remote) options.remoteVideo.srcObject = remote;
      };
      current.onicecandidate = function (event) {
        if (pc === current && event.candidate) send({ type: "ice", candidate: event.candidate.toJSON() });
      };
      current.onnegotiationneeded = async function () {
        if (pc !== current || !peerPresent) return;
        try {
          makingOffer = true;
          await current.setLocalDescription();
          if (pc === current) send({ type: "offer", sdp: current.localDescription.sdp });
        } catch (error) {
          global.console.debug("call: offer failed", error);
        } finally {
          makingOffer = false;
        }
      };
      current.onconnectionstatechange = function () {
        if (pc !== current) return;
        onConnectionState(current.connectionState);
        if (current.connectionState === "connected") onState("connected");
        if (current.connectionState === "failed" && peerPresent) current.restartIce();
      };
      onConnectionState(current.connectionState);
    }

    async function addCandidate(candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        // A candidate of an offer we ignored, or of a description since replaced.
        if (!ignoreOffer) global.console.debug("call: candidate dropped", error);
      }
    }

    async function onDescription(message) {
      var description = { type: message.type, sdp: message.sdp };
      var collision = description.type === "offer" &&
        (makingOffer || pc.signalingState !== "stable");
      ignoreOffer = !polite && collision;
      if (ignoreOffer) return;
      try {
        // The polite side's own offer is rolled back implicitly.
        await pc.setRemoteDescription(description);
      } catch (error) {
        global.console.debug("call: remote description refused", error);
        return;
      }
      var queued = pendingCandidates;
      pendingCandidates = [];
      for (var i = 0; i < queued.length; i += 1) await addCandidate(queued[i]);
      if (description.type === "offer") {
        await pc.setLocalDescription();
        send({ type: "answer", sdp: pc.localDescription.sdp });
      }
    }

    async function handle(message) {
      if (ended) return;
      switch (message.type) {
        case "joined":
          myId = message.user_id;
          // Nobody known yet: wait, idle, for an offer or a peer_joined.
          resetPeerConnection(false);
          onState("waiting");
          return;
        case "peer_joined":
          peerId = message.from;
          polite = myId !== null && myId < peerId;
          // The peer has a fresh page: a fresh connection, and we offer (negotiationneeded).
          resetPeerConnection(true);
          onState("connecting");
          return;
        case "peer_left":
          peerPresent = false;
          if (options.remoteVideo) options.remoteVideo.srcObject = null;
          onState("peer_left");
          return;
        case "offer":
        case "answer":
        case "ice": {
          if (message.to_pc && message.to_pc !== myPc) return; // for a connection we replaced
          if (message.pc !== remotePc) {
            if (message.type === "offer") {
              // The peer started over (a reload, a reconnect): so do we, then answer.
              if (remotePc !== null) resetPeerConnection(true);
              remotePc = message.pc || null;
            } else if (remotePc === null && message.to_pc === myPc) {
              // The first word of the connection that answers our offer.
              remotePc = message.pc || null;
            } else {
              return; // from a connection the peer replaced
            }
          }
          peerId = message.from;
          polite = myId !== null && myId < peerId;
          peerPresent = true;
          if (message.type === "ice") {
            if (!message.candidate) return;
            if (!pc.remoteDescription) pendingCandidates.push(message.candidate);
            else await addCandidate(message.candidate);
            return;
          }
          await onDescription(message);
          return;
        }
        case "hangup":
        case "ended":
          finish("ended");
          return;
        default:
          return;
      }
    }

    function finish(state) {
      if (ended) return;
      ended = true;
      if (pc) pc.close();
      onConnectionState("closed");
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
      onState(state);
    }

    function connect(joinToken) {
      socket = new WebSocket(socketUrl(call.signalling_url, joinToken, options.socketToken));
      socket.onopen = function () { reconnectDelay = 1000; };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (error) { return; }
        queue = queue.then(function () { return handle(message); }).catch(function (error) {
          global.console.debug("call: signalling error", error);
        });
      };
      socket.onclose = function (event) {
        if (ended) return;
        if (event.code === CLOSE_ENDED) finish("ended");
        else if (event.code === CLOSE_UNAUTHORIZED) finish("signed_out");
        else if (event.code === CLOSE_FORBIDDEN) finish("refused");
        else reconnect();
      };
    }

    function reconnect() {
      onState("reconnecting");
      global.setTimeout(async function () {
        if (ended) return;
        try {
          var fresh = await fetchCall(apiBase, options.callId, options.accessToken);
          if (!fresh.join_token || fresh.status === "ended") {
            finish("ended");
            return;
          }
          connect(fresh.join_token);
        } catch (error) {
          if (error.state) finish(error.state);
          else reconnect();
        }
      }, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 15000);
    }

    connect(call.join_token);

    return {
      id: call.id,
      get peerConnection() { return pc; },
      setMuted: function (muted) {
        if (!stream) return false;
        stream.getAudioTracks().forEach(function (track) { track.enabled = !muted; });
        return stream.getAudioTracks().length > 0;
      },
      setCameraOff: function (off) {
        if (!stream) return false;
        stream.getVideoTracks().forEach(function (track) { track.enabled = !off; });
        return stream.getVideoTracks().length > 0;
      },
      hasAudio: function () { return Boolean(stream && stream.getAudioTracks().length); },
      hasVideo: function () { return Boolean(stream && stream.getVideoTracks().length); },
      hangup: async function () {
        var endedByApi = false;
        try {
          var response = await fetch(apiBase + "/video-calls/" + options.callId + "/end", {
            method: "POST",
            headers: { Authorization: "Bearer " + options.accessToken, Accept: "application/json" },
            credentials: "omit",
          });
          endedByApi = response.ok;
        } catch (error) { /* the socket frame below ends it as well */ }
        if (!endedByApi && socket && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: "hangup" }));
        }
        finish("ended");
      },
    };
  }

  // The call page (exchanges/call.html): wire the element's data-* attributes and buttons.
  function startPage(section) {
    var status = section.querySelector("[data-call-status]");
    var notice = section.querySelector("[data-call-notice]");
    var muteButton = section.querySelector("[data-mute]");
    var cameraButton = section.querySelector("[data-camera]");
    var hangupButton = section.querySelector("[data-hangup]");
    var labels = section.dataset;
    var tokenElement = document.getElementById("call-access-token");
    var NOTICES = { camera_refused: 1, media_refused: 1 };

    function show(state) {
      section.dataset.callState = state;
      var text = labels["label" + state.replace(/(^|_)(\w)/g, function (m, s, c) { return c.toUpperCase(); })];
      if (NOTICES[state]) {
        notice.textContent = text || state;
        notice.hidden = false;
        return;
      }
      status.textContent = text || state;
      if (state === "ended" || state === "refused" || state === "signed_out") {
        muteButton.disabled = true;
        cameraButton.disabled = true;
        hangupButton.disabled = true;
      }
    }

    join({
      apiBase: section.dataset.apiBase,
      callId: Number(section.dataset.callId),
      accessToken: JSON.parse(tokenElement.textContent),
      localVideo: section.querySelector("[data-local]"),
      remoteVideo: section.querySelector("[data-remote]"),
      onState: show,
      onConnectionState: function (state) { section.dataset.connectionState = state; },
    }).then(function (call) {
      if (!call) return;
      global.skillswapCall = call;
      muteButton.disabled = !call.hasAudio();
      cameraButton.disabled = !call.hasVideo();
      hangupButton.disabled = false;
      muteButton.addEventListener("click", function () {
        var muted = muteButton.getAttribute("aria-pressed") !== "true";
        call.setMuted(muted);
        muteButton.setAttribute("aria-pressed", String(muted));
      });
      cameraButton.addEventListener("click", function () {
        var off = cameraButton.getAttribute("aria-pressed") !== "true";
        call.setCameraOff(off);
        cameraButton.setAttribute("aria-pressed", String(off));
      });
      hangupButton.addEventListener("click", function () { call.hangup(); });
    }).catch(function (error) {
      show(error.state || "failed");
    });
  }

  global.SkillSwapCall = { join: join };

  if (global.document) {
    var start = function () {
      var section = document.querySelector("[data-call-page]");
      if (section) startPage(section);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(window);
