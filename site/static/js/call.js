/*
 * SkillSwap video call client: joins /ws/calls/{id}/ and runs WebRTC "perfect negotiation".
 *
 *   const call = await SkillSwapCall.join({
 *     callId: 12,
 *     accessToken: "<access JWT>",            // Authorization for the API and ?token= for the socket
 *     localVideo: document.querySelector("#me"),
 *     remoteVideo: document.querySelector("#them"),
 *     onState: (state) => console.log(state), // "connecting", "waiting", "connected", "ended", …
 *   });
 *   call.hangup();
 *
 * The server relays only {type: "offer"|"answer"|"ice"|"hangup"} between the call's two
 * participants and adds "from" (the sender's user id). The participant with the lower user id is
 * the "polite" peer: on an offer collision it rolls back its own offer.
 */
(function (global) {
  "use strict";

  async function fetchCall(apiBase, callId, accessToken) {
    const response = await fetch(`${apiBase}/video-calls/${callId}/`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" },
    });
    if (!response.ok) {
      throw new Error(`video call ${callId}: HTTP ${response.status}`);
    }
    return response.json();
  }

  function socketUrl(path, accessToken, joinToken) {
    const scheme = global.location.protocol === "https:" ? "wss" : "ws";
    const query = new URLSearchParams({ token: accessToken, join_token: joinToken });
    return `${scheme}://${global.location.host}${path}?${query}`;
  }

  async function join(options) {
    const apiBase = options.apiBase || "/api/v1";
    const onState = options.onState || function () {};
    onState("connecting");

    const call = await fetchCall(apiBase, options.callId, options.accessToken);
    if (!call.join_token) {
      onState("ended");
      throw new Error("This call has ended.");
    }
    const media = await global.navigator.mediaDevices.getUserMedia(
      options.constraints || { audio: true, video: true }
    );
    if (options.localVideo) {
      options.localVideo.srcObject = media;
      options.localVideo.muted = true;
    }

    const pc = new RTCPeerConnection({ iceServers: call.ice_servers });
    media.getTracks().forEach((track) => pc.addTrack(track, media));
    pc.ontrack = (event) => {
      if (options.remoteVideo && options.remoteVideo.srcObject !== event.streams[0]) {
        options.remoteVideo.srcObject = event.streams[0];
      }
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") onState("connected");
      if (pc.connectionState === "failed") pc.restartIce();
    };

    const socket = new WebSocket(socketUrl(call.signalling_url, options.accessToken, call.join_token));
    const send = (message) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    };
    let myId = null;
    let polite = false;
    let makingOffer = false;
    let ignoreOffer = false;
    let ended = false;

    pc.onicecandidate = ({ candidate }) => {
      if (candidate) send({ type: "ice", candidate: candidate.toJSON() });
    };
    pc.onnegotiationneeded = async () => {
      try {
        makingOffer = true;
        await pc.setLocalDescription();
        send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
      } finally {
        makingOffer = false;
      }
    };

    function finish(state) {
      if (ended) return;
      ended = true;
      pc.close();
      media.getTracks().forEach((track) => track.stop());
      if (socket.readyState <= WebSocket.OPEN) socket.close();
      onState(state);
    }

    socket.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      switch (message.type) {
        case "joined":
          myId = message.user_id;
          onState("waiting");
          return;
        case "peer_joined":
          polite = myId !== null && myId < message.from;
          // Whoever was waiting starts the negotiation for the newcomer.
          await pc.setLocalDescription();
          send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
          return;
        case "offer":
        case "answer": {
          polite = myId !== null && myId < message.from;
          const description = { type: message.type, sdp: message.sdp };
          const collision = message.type === "offer" && (makingOffer || pc.signalingState !== "stable");
          ignoreOffer = !polite && collision;
          if (ignoreOffer) return;
          await pc.setRemoteDescription(description);
          if (message.type === "offer") {
            await pc.setLocalDescription();
            send({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
          }
          return;
        }
        case "ice":
          try {
            await pc.addIceCandidate(message.candidate);
          } catch (error) {
            if (!ignoreOffer) throw error;
          }
          return;
        case "peer_left":
          onState("waiting");
          return;
        case "hangup":
        case "ended":
          finish("ended");
          return;
        default:
          return;
      }
    };
    socket.onclose = (event) => {
      if (event.code === 4403) finish("refused");
      else if (event.code === 4401) finish("signed_out");
      else finish("ended");
    };

    return {
      id: call.id,
      hangup() {
        send({ type: "hangup" });
        finish("ended");
      },
      peerConnection: pc,
    };
  }

  global.SkillSwapCall = { join };
})(window);
