/*
 * One conversation, live (messaging/pages/thread_detail.html).
 *
 * The page works without this file: the form posts and the page reloads. With it, the page opens
 * /ws/threads/{id}/ (signed in by the session cookie) and:
 * - sends the form as {"type": "message.send", "content", "client_id"} and clears it on the
 *   server's "message.ack" (an "error" frame shows its reason under the field instead);
 * - appends every "message.receive" (both sides' messages) once, and, while the page is
 *   visible, tells the server it was read ({"type": "message.read", "message_id"});
 * - turns "Sent" into "Seen" on the viewer's own messages when a "message.read" from another
 *   member covers them.
 * If the socket is down, the form falls back to a normal post.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-chat]");
  if (!root || !window.WebSocket) return;
  var threadId = root.dataset.threadId;
  var userId = Number(root.dataset.userId);
  var history = root.querySelector("[data-chat-history]");
  var form = root.querySelector("[data-chat-form]");
  var textarea = form.querySelector("textarea");
  var errors = root.querySelector("[data-chat-errors]");
  var status = root.querySelector("[data-chat-status]");
  var lang = document.documentElement.lang;
  var timeFormat = new Intl.DateTimeFormat(lang, {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: root.dataset.timeZone || "UTC",
  });
  // Only the newest page follows the conversation live.
  var live = !new URLSearchParams(window.location.search).get("page") ||
    new URLSearchParams(window.location.search).get("page") === "1";
  var socket = null;
  var pending = {};
  var readSent = 0;
  var retryDelay = 1000;
  var clientCounter = 0;

  function lastMessageId() {
    var items = history.querySelectorAll("[data-message-id]");
    return items.length ? Number(items[items.length - 1].dataset.messageId) : 0;
  }

  function markSeen(upTo) {
    history.querySelectorAll(".chat-message-mine").forEach(function (item) {
      if (Number(item.dataset.messageId) <= upTo) {
        var receipt = item.querySelector("[data-receipt]");
        if (receipt) receipt.textContent = root.dataset.labelSeen;
        item.dataset.seen = "true";
      }
    });
  }

  function render(message) {
    var mine = message.sender_id === userId;
    var item = document.createElement("li");
    item.className = "chat-message" + (mine ? " chat-message-mine" : "");
    item.dataset.messageId = String(message.id);
    item.dataset.senderId = message.sender_id === null ? "" : String(message.sender_id);
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var sender = document.createElement("span");
    sender.className = "chat-sender";
    sender.textContent = mine ? root.dataset.labelYou : message.sender_name;
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = timeFormat.format(new Date(message.created_at));
    meta.appendChild(sender);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    item.appendChild(meta);
    var text = document.createElement("p");
    text.className = "chat-text" + (message.is_deleted ? " muted" : "");
    text.textContent = message.is_deleted ? root.dataset.labelDeleted : message.content;
    if (message.is_deleted || message.content) item.appendChild(text);
    (message.attachments || []).forEach(function (attachment) {
      var line = document.createElement("p");
      line.className = "chat-attachment";
      line.textContent = attachment.name;
      item.appendChild(line);
    });
    if (mine) {
      var receipt = document.createElement("p");
      receipt.className = "chat-receipt muted";
      receipt.dataset.receipt = "";
      receipt.textContent = message.is_read ? root.dataset.labelSeen : root.dataset.labelSent;
      item.appendChild(receipt);
    }
    return item;
  }

  function upsert(message) {
    var existing = history.querySelector('[data-message-id="' + String(message.id) + '"]');
    var item = render(message);
    if (existing) {
      if (existing.dataset.seen === "true" && item.querySelector("[data-receipt]")) {
        item.dataset.seen = "true";
        item.querySelector("[data-receipt]").textContent = root.dataset.labelSeen;
      }
      existing.replaceWith(item);
      return;
    }
    var empty = history.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
    history.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function readUpTo(messageId) {
    if (!live || document.visibilityState !== "visible" || messageId <= readSent) return;
    if (send({ type: "message.read", message_id: messageId })) readSent = messageId;
  }

  function showErrors(list) {
    errors.textContent = "";
    list.forEach(function (reason) {
      var line = document.createElement("li");
      line.textContent = reason;
      errors.appendChild(line);
    });
    if (list.length) {
      textarea.setAttribute("aria-invalid", "true");
      textarea.setAttribute("aria-describedby", errors.id);
    } else {
      textarea.removeAttribute("aria-invalid");
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + window.location.host + "/ws/threads/" + threadId + "/");
    socket.onopen = function () {
      retryDelay = 1000;
      root.dataset.live = "true";
      status.textContent = "";
      readUpTo(lastMessageId());
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      switch (frame.type) {
        case "message.receive":
        case "message.edit":
        case "message.delete":
          if (!live || !frame.message) return;
          upsert(frame.message);
          if (frame.message.sender_id !== userId) readUpTo(frame.message.id);
          return;
        case "message.read":
          if (frame.user_id !== userId) markSeen(frame.message_id);
          return;
        case "message.ack":
          if (frame.client_id && pending[frame.client_id] !== undefined) {
            delete pending[frame.client_id];
            textarea.value = "";
            showErrors([]);
          }
          return;
        case "error": {
          var reasons = [];
          Object.keys(frame.fields || {}).forEach(function (key) {
            reasons = reasons.concat(frame.fields[key]);
          });
          if (!reasons.length && frame.message) reasons.push(frame.message);
          if (frame.client_id) delete pending[frame.client_id];
          if (reasons.length) showErrors(reasons);
          return;
        }
        default:
          return;
      }
    };
    socket.onclose = function (event) {
      root.dataset.live = "false";
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        status.textContent = root.dataset.labelOffline;
        return;
      }
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  form.addEventListener("submit", function (event) {
    var content = textarea.value;
    if (!content.trim()) return;  // the browser's "required" explains it
    clientCounter += 1;
    var clientId = "c" + Date.now().toString(36) + clientCounter;
    if (send({ type: "message.send", content: content, client_id: clientId })) {
      event.preventDefault();
      pending[clientId] = content;
    }
    // Otherwise the form posts as it would without JavaScript.
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
  });

  document.addEventListener("visibilitychange", function () { readUpTo(lastMessageId()); });

  connect();
})();
