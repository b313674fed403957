"""WebSocket consumers: authenticate (the JWT middleware), check membership, relay. Nothing more.

Routes (``messaging/routing.py``; the seed documents they serve: docs/api.md). The JWT travels
in ``?token=``; the trailing slash is optional.

``/ws/threads/{thread_id}/`` — one thread, its members only. ``/ws/sessions/{swap_id}/chat/``
(seed 004) is the same socket on the thread bound to that swap. Client → server frames::

    {"type": "message.send", "content": "…", "client_id": "optional echo"}
    {"type": "message.read", "message_id": 42}          (message_id optional: the newest)
    {"type": "typing", "is_typing": true}
    {"type": "ping"}

Server → client events: ``message.receive``, ``message.edit``, ``message.delete`` (each with a
``message`` in the REST shape), ``message.read`` (thread_id, user_id, message_id, read_at),
``typing`` (thread_id, user_id, user_name, is_typing; never echoed to the typing socket),
``message.ack`` (client_id, message_id: the sender's own confirmation), ``pong`` and
``error`` (code, message, fields).

``/ws/chat/{receiver_id}/`` (seed 003) — the caller's direct conversation with one user; the
pair's thread is created by the first message, not on connect. Same frames (``message.send`` with
``content``; no typing), and the events of that one conversation.

``/ws/`` (seed 003's general socket) — the caller's notifications (``notification.receive``…) and
the message events of all their threads; ``message.send`` takes a ``receiver_id`` (or a
``thread_id``), ``message.read`` a ``thread_id``.

``/ws/notifications/`` and ``/ws/notifications/{user_id}/`` (seed 004: your own id only) — the
user's personal stream: ``notification.receive``, ``notification.read``, and any event another app
pushes to ``user_group`` (relayed verbatim).

A socket that may not open (not a member, another user's id, a blocked pair, no such thread or
user) is accepted and closed with 4403, so the client sees the code.
"""

from __future__ import annotations

import json
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.consumers import UserConsumer
from accounts.models import User
from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from core.exceptions import ApplicationError
from messaging import selectors, services
from messaging.groups import inbox_group, send_deferred, sends_deferred, thread_group, user_group
from messaging.models import Thread
from messaging.services.messages import SENDER_INACTIVE

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
# Keys that travel between services and consumers but never reach a client.
_INTERNAL_KEYS = {"exclude_channel", "thread_kind", "member_ids"}


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


class _Refusal:
    def __init__(self, status: int, code: str, message: str, fields: dict) -> None:
        self.status, self.code, self.message, self.fields = status, code, message, fields


class MessagingConsumer(RelayMixin, GroupsMixin, UserConsumer):
    """What every messaging socket shares: refusing a socket, the send allowance, service calls."""

    groups_joined: list[str]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """A ``message.send`` frame goes straight to its one database call.

        ``UserConsumer.receive`` checks the account with a query of its own (a hop onto the
        thread-sensitive worker thread that every socket of the process shares) before each
        frame. For a send, the check rides on the send's own call instead: the service refuses
        a sender whose account is no longer active (``SENDER_INACTIVE``, closed with 4401 like
        the base check), and a consumer whose send path reaches other queries first checks it
        at the start of that same call (``_send_sync_checked``). Every other frame keeps the
        base check.
        """
        content = _json_object(text_data, bytes_data)
        if content is not None and content.get("type") == "message.send":
            await self.receive_event(content)
            return
        await super().receive(text_data, bytes_data)

    async def refuse(self) -> None:
        # Accept first so the client gets the close code (a refused handshake is a bare 403).
        await self.accept()
        await self.close(code=CLOSE_FORBIDDEN)

    async def disconnect(self, code: int) -> None:
        await self.leave()

    def _start_allowance(self) -> None:
        self._send_allowance, self._send_checked = SEND_BURST, time.monotonic()

    def _take_send_token(self) -> bool:
        now = time.monotonic()
        elapsed, self._send_checked = now - self._send_checked, now
        self._send_allowance = min(SEND_BURST, self._send_allowance + elapsed * SEND_RATE)
        if self._send_allowance < 1:
            return False
        self._send_allowance -= 1
        return True

    async def send_error(self, code: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": "", **extra})

    async def send_from_client(self, content: dict[str, Any], function: Any, *args: Any) -> None:
        """``message.send``: spend a token, run ``function(raw, *args)``, ack with the id."""
        client_id = content.get("client_id")
        client_id = str(client_id)[:CLIENT_ID_MAX_LENGTH] if client_id is not None else None
        if not self._take_send_token():
            await self.send_error("throttled", client_id=client_id)
            return
        raw = content.get("content")
        if not isinstance(raw, str):
            raw = ""
        if self.send_checks_account:
            result = await self.call(function, raw, *args)
        else:
            result = await self.call(self._send_sync_checked, function, raw, *args)
        if result is not None:
            await self.send_json(
                {"type": "message.ack", "client_id": client_id, "message_id": result}
            )

    async def call(self, function: Any, *args: Any) -> Any:
        """Run a service; a refusal becomes an ``error`` frame (or a 4403 close if not a member).

        One ``database_sync_to_async`` call per frame. The service's after-commit socket events
        come back with its result and are sent from this loop (``messaging.groups.sends_deferred``)
        before the caller answers the client, so the sender's ``message.ack`` still follows the
        send of its ``message.receive``.
        """
        # Not thread-sensitive: sockets of one process write in parallel worker threads instead of
        # queueing on Channels' single thread-sensitive thread (each call takes its own pooled
        # connection, recycled around the call by database_sync_to_async).
        outcome, sends = await database_sync_to_async(self._run_sync, thread_sensitive=False)(
            function, *args
        )
        await send_deferred(sends)
        if isinstance(outcome, _Refusal):
            if outcome.code == SENDER_INACTIVE:
                await self.close(code=CLOSE_UNAUTHORIZED)
                return None
            if outcome.status == 404 and self.close_on_not_found:
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

    # A socket bound to one conversation closes when it turns out not to be a member.
    close_on_not_found = True
    # True when the send function's first database work is ``message_send``'s one statement,
    # which refuses an inactive sender itself; else the send call checks the account first.
    send_checks_account = False

    def _run_sync(self, function: Any, *args: Any) -> tuple[Any, list]:
        with (
            translation.override(self.user.language or settings.LANGUAGE_CODE),
            sends_deferred() as sends,
        ):
            try:
                outcome = function(*args)
            except (Thread.DoesNotExist, User.DoesNotExist):
                outcome = _Refusal(404, "not_found", "", {})
            except ApplicationError as error:
                outcome = _Refusal(error.status_code, error.code, str(error.message), error.fields)
        return outcome, sends

    def _send_sync_checked(self, function: Any, raw: str, *args: Any) -> Any:
        """The account check ``UserConsumer.receive`` would have made, then the send."""
        if not User.objects.filter(pk=self.user.pk, is_active=True).exists():
            return _Refusal(401, SENDER_INACTIVE, "", {})
        return function(raw, *args)

    def _read_message_id(self, content: dict[str, Any]) -> tuple[bool, int | None]:
        message_id = content.get("message_id")
        valid = message_id is None or (
            isinstance(message_id, int) and not isinstance(message_id, bool) and message_id >= 1
        )
        return valid, message_id


class ThreadChatConsumer(MessagingConsumer):
    """``/ws/threads/{thread_id}/``: live messages, read receipts and typing in one thread."""

    thread_id: int
    send_checks_account = True

    async def connect(self) -> None:
        self.groups_joined = []
        self._last_typing: tuple[float, bool] = (0.0, False)
        self._start_allowance()
        thread_id = await self.resolve_thread_id()
        if thread_id is None:
            await self.refuse()
            return
        self.thread_id = thread_id
        await self.join(thread_group(self.thread_id))
        await self.accept()

    async def resolve_thread_id(self) -> int | None:
        """The thread this socket follows, or None when the caller may not open it."""
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        return thread_id if await self._is_member(thread_id) else None

    @database_sync_to_async
    def _is_member(self, thread_id: int) -> bool:
        return selectors.thread_is_member(user_id=self.user.pk, thread_id=thread_id)

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        event_type = content.get("type")
        if event_type == "message.send":
            await self.send_from_client(content, self._send_sync)
        elif event_type == "message.read":
            valid, message_id = self._read_message_id(content)
            if not valid:
                await self.send_error("validation_error", fields={})
                return
            await self.call(self._read_sync, message_id)
        elif event_type == "typing":
            await self._typing(content)
        elif event_type == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("unknown_event")

    # --- client → server ------------------------------------------------------------------------

    def _send_sync(self, raw: str) -> int:
        # The service locks and reads the thread row itself: no separate read before it (a thread
        # deleted meanwhile still raises Thread.DoesNotExist there, a 4403 close).
        return services.message_send(
            thread=Thread(pk=self.thread_id), sender=self.user, content=raw
        ).pk

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

    # --- server → client ------------------------------------------------------------------------

    async def typing(self, event: dict[str, Any]) -> None:
        if event.get("exclude_channel") == self.channel_name:
            return
        await self.send_event(event)


# The thread-id socket's old name.
ChatConsumer = ThreadChatConsumer


class SessionChatConsumer(ThreadChatConsumer):
    """``/ws/sessions/{session_id}/chat/`` (seed 004): the thread bound to that swap.

    Messaging does not know swaps: the thread is found by its subject (``("swap", id)``) and the
    caller's membership, which the owning app set when it created the thread.
    """

    subject_type = "swap"

    async def resolve_thread_id(self) -> int | None:
        subject_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        return await database_sync_to_async(selectors.subject_thread_id_for_member)(
            user_id=self.user.pk, subject_type=self.subject_type, subject_id=subject_id
        )


class DirectChatConsumer(MessagingConsumer):
    """``/ws/chat/{receiver_id}/`` (seed 003): the caller's conversation with one user.

    Follows the caller's inbox and keeps the events of the pair's direct thread, so the thread
    need not exist on connect: the first message, from either side, creates it.
    """

    receiver_id: int

    async def connect(self) -> None:
        self.groups_joined = []
        self._start_allowance()
        self.receiver_id = int(self.scope["url_route"]["kwargs"]["receiver_id"])
        allowed = await database_sync_to_async(selectors.direct_chat_allowed)(
            user_id=self.user.pk, other_id=self.receiver_id
        )
        if not allowed:
            await self.refuse()
            return
        await self.join(inbox_group(self.user.pk))
        await self.accept()

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        event_type = content.get("type")
        if event_type == "message.send":
            await self.send_from_client(content, self._send_sync)
        elif event_type == "message.read":
            valid, message_id = self._read_message_id(content)
            if not valid:
                await self.send_error("validation_error", fields={})
                return
            await self.call(self._read_sync, message_id)
        elif event_type == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("unknown_event")

    def _send_sync(self, raw: str) -> int:
        receiver = User.objects.get(pk=self.receiver_id, is_active=True)
        return services.message_send_to_user(sender=self.user, receiver=receiver, content=raw).pk

    def _read_sync(self, message_id: int | None) -> None:
        thread = selectors.thread_for_pair(user_a_id=self.user.pk, user_b_id=self.receiver_id)
        if thread is not None:
            services.thread_mark_read(thread=thread, user=self.user, up_to_message_id=message_id)

    def _is_this_pair(self, event: dict[str, Any]) -> bool:
        return event.get("thread_kind") == Thread.Kind.DIRECT and sorted(
            event.get("member_ids") or []
        ) == sorted({self.user.pk, self.receiver_id})

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("member_ids") is not None and not self._is_this_pair(message):
            return  # another conversation of the caller's
        await super().dispatch(message)


class InboxConsumer(MessagingConsumer):
    """``/ws/`` (seed 003's general socket): notifications plus every thread's messages."""

    # Here a send names its target: a missing one is an error frame, not a reason to close.
    close_on_not_found = False

    async def connect(self) -> None:
        self.groups_joined = []
        self._start_allowance()
        await self.join(user_group(self.user.pk), inbox_group(self.user.pk))
        await self.accept()

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        event_type = content.get("type")
        if event_type == "message.send":
            target = self._target(content)
            if target is None:
                with translation.override(self.user.language or settings.LANGUAGE_CODE):
                    reason = _("Give receiver_id or thread_id.")
                await self.send_error("validation_error", fields={"receiver_id": [reason]})
                return
            await self.send_from_client(content, self._send_sync, *target)
        elif event_type == "message.read":
            valid, message_id = self._read_message_id(content)
            thread_id = content.get("thread_id")
            if not valid or not _positive_int(thread_id):
                await self.send_error("validation_error", fields={})
                return
            await self.call(self._read_sync, thread_id, message_id)
        elif event_type == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("unknown_event")

    @staticmethod
    def _target(content: dict[str, Any]) -> tuple[str, int] | None:
        for key in ("receiver_id", "thread_id"):
            if _positive_int(content.get(key)):
                return key, content[key]
        return None

    def _send_sync(self, raw: str, key: str, target_id: int) -> int:
        if key == "thread_id":
            thread = selectors.thread_get(user=self.user, thread_id=target_id)
            return services.message_send(thread=thread, sender=self.user, content=raw).pk
        receiver = User.objects.get(pk=target_id, is_active=True)
        return services.message_send_to_user(sender=self.user, receiver=receiver, content=raw).pk

    def _read_sync(self, thread_id: int, message_id: int | None) -> None:
        thread = selectors.thread_get(user=self.user, thread_id=thread_id)
        services.thread_mark_read(thread=thread, user=self.user, up_to_message_id=message_id)


def _json_object(text_data: str | None, bytes_data: bytes | None) -> dict[str, Any] | None:
    """The frame as a JSON object, or None (``UserConsumer.receive`` answers those)."""
    try:
        content = json.loads(text_data or (bytes_data or b"").decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return content if isinstance(content, dict) else None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


class NotificationConsumer(MessagingConsumer):
    """``/ws/notifications/`` (and seed 004's ``/ws/notifications/{user_id}/``, own id only)."""

    async def connect(self) -> None:
        self.groups_joined = []
        user_id = self.scope["url_route"]["kwargs"].get("user_id")
        if user_id is not None and int(user_id) != self.user.pk:
            await self.refuse()
            return
        await self.join(user_group(self.user.pk))
        await self.accept()

    async def receive_event(self, content: dict[str, Any]) -> None:
        await self.refresh_groups()
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error("unknown_event")
