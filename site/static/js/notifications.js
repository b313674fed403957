/*
 * The header's notification bell, live on every signed-in page.
 *
 * Reads the unread count from the page's JSON endpoint (data-count-url), then listens on
 * /ws/notifications/ (signed in by the session cookie). A "notification.receive" event shows a
 * short polite toast and refreshes the count; "notification.read" refreshes it. The count is
 * always re-read from the server, because a notification can be updated in place (one unread
 * "new message" notification per conversation). The socket reconnects with a growing delay,
 * except when the server says the session is gone (4401) or the account was closed (4403).
 */
(function () {
  "use strict";

  var bell = document.querySelector("[data-notification-bell]");
  if (!bell || !window.WebSocket) return;
  var countBadge = bell.querySelector("[data-bell-count]");
  var label = bell.querySelector("[data-bell-label]");
  var region = document.querySelector("[data-toast-region]");
  var retryDelay = 1000;
  var TOAST_MS = 6000;

  // The bell's and the toasts' styles live in chat.css; pages other than messages don't link it.
  if (bell.dataset.stylesheet && !document.querySelector('link[href="' + bell.dataset.stylesheet + '"]')) {
    var sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = bell.dataset.stylesheet;
    document.head.appendChild(sheet);
  }

  function showCount(count) {
    bell.dataset.unread = String(count);
    if (count > 0) {
      countBadge.textContent = count > 99 ? "99+" : new Intl.NumberFormat(document.documentElement.lang).format(count);
      countBadge.hidden = false;
      label.textContent = bell.dataset.labelOne.replace("%(count)s", String(count));
    } else {
      countBadge.textContent = "";
      countBadge.hidden = true;
      label.textContent = bell.dataset.labelNone;
    }
  }

  function refreshCount() {
    return fetch(bell.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && typeof body.unread === "number") showCount(body.unread); })
      .catch(function () { /* the badge keeps its last value */ });
  }

  function toast(notification) {
    if (!region) return;
    var item = document.createElement("p");
    item.className = "toast notice notice-info";
    var prefix = document.createElement("span");
    prefix.className = "visually-hidden";
    prefix.textContent = bell.dataset.labelNew + " ";
    var title = document.createElement("strong");
    title.textContent = notification.title || "";
    item.appendChild(prefix);
    item.appendChild(title);
    if (notification.content) {
      item.appendChild(document.createTextNode(" " + notification.content));
    }
    region.appendChild(item);
    window.setTimeout(function () { item.remove(); }, TOAST_MS);
  }

  // No toast for a message in the conversation the member is reading: it is already on screen.
  function aboutThisPage(notification) {
    var chat = document.querySelector("[data-chat]");
    return Boolean(chat) && notification.related_type === "thread" &&
      String(notification.related_id) === chat.dataset.threadId;
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss" : "ws";
    var socket = new WebSocket(scheme + "://" + window.location.host + "/ws/notifications/");
    socket.onopen = function () {
      retryDelay = 1000;
      bell.dataset.live = "true";
      refreshCount();  // anything that arrived while the socket was down
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message.type === "notification.receive") {
        if (message.notification && !aboutThisPage(message.notification)) toast(message.notification);
        refreshCount();
      } else if (message.type === "notification.read") {
        refreshCount();
      }
      document.dispatchEvent(new CustomEvent("skillswap:notification", { detail: message }));
    };
    socket.onclose = function (event) {
      bell.dataset.live = "false";
      if (event.code === 4401 || event.code === 4403) return;
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  refreshCount();
  connect();
})();
