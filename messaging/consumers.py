"""WebSocket consumers: authenticate (the JWT middleware), check membership, relay. Nothing more.

``/ws/chat/{thread_id}/`` — a member of the thread only (anyone else: accepted, then closed 4403).
Client → server frames::

    {"type": "message.send", "content": "…", "client_id": "optional echo"}
    {"type": "message.read", "message_id": 42}          (message_id optional: the newest)
    {"type": "typing", "is_typing": true}
    {"type": "ping"}

Server → client events: ``message.receive``, ``message.edit``, ``message.delete`` (each with a
``message`` in the REST shape), ``message.read`` (thread_id, user_id, message_id, read_at),
``typing`` (thread_id, user_id, user_name, is_typing; never echoed to the typing socket),
``message.ack`` (client_id, message_id: the sender's own confirmation), ``pong`` and
``error`` (code, message, fields).

``/ws/notifications/`` — the user's personal stream: ``notification.receive``,
``notification.read``, and any event another app pushes to ``user_group`` (relayed verbatim).
"""

from __future__ import annotations

import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from accounts.consumers import UserConsumer
from core.exceptions import ApplicationError
from messaging import selectors, services
from messaging.groups import thread_group, user_group
from messaging.models import Thread

CLOSE_FORBIDDEN = 4403
# channels-redis forgets a group membership after ``group_expiry`` (a day by default): a socket
# re-joins its groups when it hears from its client after this long.
GROUP_REFRESH_SECONDS = 3600
TYPING_MIN_INTERVAL = 1.0
# Sends per socket: a burst of SEND_BURST, refilled at SEND_RATE per second (REST sends are
# covered by the API's throttles).
SEND_RATE = 2.0
SEND_BURST = 10.0
CLIENT_ID_MAX_LENGTH = 64
_INTERNAL_KEYS = {"exclude_channel"}


class RelayMixin:
    """Relay any channel-layer event that has no handler to the client as it is.

    Higher apps push their own event types to ``user_group`` / ``thread_group``; without this, an
    unknown type would raise inside Channels and kill the socket.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"].startswith("websocket."):
            # Client frames keep Channels' own dispatch (it recycles stale DB connections).
            await super().dispatch(message)  # type: ignore[misc]
            return
        # Channel-layer events: our handlers never touch the database, so skip Channels'
        # per-event ``aclose_old_connections`` hop onto the one thread-sensitive worker thread,
        # which otherwise serialises every delivery of the process behind the database calls.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            await self.send_event(message)
        else:
            await handler(message)

    async def send_event(self, event: dict[str, Any]) -> None:
        await self.send_json(  # type: ignore[attr-defined]
            {key: value for key, value in event.items() if key not in _INTERNAL_KEYS}
        )


class GroupsMixin:
    """Join groups, leave them on disconnect, refresh them on client activity."""

    groups_joined: list[str]
    _joined_at: float = 0.0

    async def join(self, *groups: str) -> None:
        self.groups_joined = list(groups)
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)  # type: ignore[attr-defined]
        self._joined_at = time.monotonic()

    async def refresh_groups(self) -> None:
        if self.groups_joined and time.monotonic() - self._joined_at > GROUP_REFRESH_SECONDS:
            await self.join(*self.groups_joined)

    async def leave(self) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)  # type: ignore[attr-defined]
        self.groups_joined = []


class ChatConsumer(RelayMixin, GroupsMixin, UserConsumer):
    """``/ws/chat/{thread_id}/``: live messages, read receipts and typing in one thread."""

    thread_id: int

    async def connect(self) -> None:
        self.groups_joined = []
        self.thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        self._last_typing: tuple[float, bool] = (0.0, False)
        self._send_allowance, self._send_checked = SEND_BURST, time.monotonic()
        if not await self._is_member():
            # Accept first so the client gets the close code (a refused handshake is a bare 403).
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.join(thread_group(self.thread_id))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        event_type = content.get("type")
        if event_type == "message.send":
            await self._send_message(content)
        elif event_type == "message.read":
            await self._mark_read(content)
        elif event_type == "typing":
            await self._typing(content)
        elif event_type == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_event", "message": ""})

    # --- client → server ------------------------------------------------------------------------

    def _take_send_token(self) -> bool:
        now = time.monotonic()
        elapsed, self._send_checked = now - self._send_checked, now
        self._send_allowance = min(SEND_BURST, self._send_allowance + elapsed * SEND_RATE)
        if self._send_allowance < 1:
            return False
        self._send_allowance -= 1
        return True

    async def _send_message(self, content: dict[str, Any]) -> None:
        client_id = content.get("client_id")
        client_id = str(client_id)[:CLIENT_ID_MAX_LENGTH] if client_id is not None else None
        if not self._take_send_token():
            await self.send_json(
                {"type": "error", "code": "throttled", "message": "", "client_id": client_id}
            )
            return
        raw = content.get("content")
        if not isinstance(raw, str):
            raw = ""
        result = await self._call(self._send_sync, raw)
        if result is not None:
            await self.send_json(
                {"type": "message.ack", "client_id": client_id, "message_id": result}
            )

    def _send_sync(self, raw: str) -> int:
        thread = Thread.objects.get(pk=self.thread_id)
        return services.message_send(thread=thread, sender=self.user, content=raw).pk

    async def _mark_read(self, content: dict[str, Any]) -> None:
        message_id = content.get("message_id")
        if message_id is not None and (not isinstance(message_id, int) or message_id < 1):
            await self.send_json(
                {"type": "error", "code": "validation_error", "message": "", "fields": {}}
            )
            return
        await self._call(self._read_sync, message_id)

    def _read_sync(self, message_id: int | None) -> None:
        thread = Thread.objects.get(pk=self.thread_id)
        services.thread_mark_read(thread=thread, user=self.user, up_to_message_id=message_id)

    async def _typing(self, content: dict[str, Any]) -> None:
        is_typing = bool(content.get("is_typing", True))
        now = time.monotonic()
        last_at, last_state = self._last_typing
        if is_typing == last_state and now - last_at < TYPING_MIN_INTERVAL:
            return
        self._last_typing = (now, is_typing)
        # Ephemeral: nothing is written, so there is no transaction to wait for.
        await self.channel_layer.group_send(
            thread_group(self.thread_id),
            {
                "type": "typing",
                "thread_id": self.thread_id,
                "user_id": self.user.pk,
                "user_name": self.user.public_name,
                "is_typing": is_typing,
                "exclude_channel": self.channel_name,
            },
        )

    async def _call(self, function: Any, *args: Any) -> Any:
        """Run a service; a refusal becomes an ``error`` frame (or a 4403 close if not a member)."""
        # Not thread-sensitive: sockets of one process write in parallel worker threads instead of
        # queueing on Channels' single thread-sensitive thread (each call takes its own pooled
        # connection, recycled around the call by database_sync_to_async).
        outcome = await database_sync_to_async(self._run_sync, thread_sensitive=False)(
            function, *args
        )
        if isinstance(outcome, _Refusal):
            if outcome.status == 404:
                await self.close(code=CLOSE_FORBIDDEN)
                return None
            await self.send_json(
                {
                    "type": "error",
                    "code": outcome.code,
                    "message": outcome.message,
                    "fields": outcome.fields,
                }
            )
            return None
        return outcome

    def _run_sync(self, function: Any, *args: Any) -> Any:
        with translation.override(self.user.language or settings.LANGUAGE_CODE):
            try:
                return function(*args)
            except Thread.DoesNotExist:
                return _Refusal(404, "not_found", "", {})
            except ApplicationError as error:
                return _Refusal(error.status_code, error.code, str(error.message), error.fields)

    @database_sync_to_async
    def _is_member(self) -> bool:
        return selectors.thread_is_member(user_id=self.user.pk, thread_id=self.thread_id)

    # --- server → client ------------------------------------------------------------------------

    async def message_receive(self, event: dict[str, Any]) -> None:
        await self.send_event(event)

    async def message_edit(self, event: dict[str, Any]) -> None:
        await self.send_event(event)

    async def message_delete(self, event: dict[str, Any]) -> None:
        await self.send_event(event)

    async def message_read(self, event: dict[str, Any]) -> None:
        await self.send_event(event)

    async def typing(self, event: dict[str, Any]) -> None:
        if event.get("exclude_channel") == self.channel_name:
            return
        await self.send_event(event)


class _Refusal:
    def __init__(self, status: int, code: str, message: str, fields: dict) -> None:
        self.status, self.code, self.message, self.fields = status, code, message, fields


class NotificationConsumer(RelayMixin, GroupsMixin, UserConsumer):
    """``/ws/notifications/``: every personal event of the signed-in user."""

    async def connect(self) -> None:
        await self.join(user_group(self.user.pk))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "code": "unknown_event", "message": ""})

    async def notification_receive(self, event: dict[str, Any]) -> None:
        await self.send_event(event)
