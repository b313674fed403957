"""The one module of channel-layer group names, and the after-commit broadcast every app uses.

Services never talk to the channel layer directly: they call ``broadcast_on_commit(group, event)``
inside their transaction, and the event is sent only if (and once) that transaction commits, so a
socket never shows state a rollback undid. ``event["type"]`` is the name the client receives
(``"message.receive"``, ``"notification.receive"``…); Channels maps it to the consumer's handler
(``message_receive``), and consumers built on ``RelayMixin`` relay any event without a handler
verbatim, so a higher app can push its own event types to ``user_group`` without touching
messaging. Events travel through msgpack (channels-redis): plain dicts, lists, strings, numbers,
booleans and None only (datetimes as ISO strings).

Group names allow ASCII letters, digits, ``-``, ``_`` and ``.``, fewer than 100 characters.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    """Every socket of one user that listens for personal events (notifications, ``/ws/``)."""
    return f"user.{int(user_id)}"


def thread_group(thread_id: int) -> str:
    """Every socket open on one thread (``/ws/threads/{id}/``, ``/ws/sessions/{id}/chat/``)."""
    return f"thread.{int(thread_id)}"


def inbox_group(user_id: int) -> str:
    """One user's sockets that follow all of their threads (``/ws/``, ``/ws/chat/{receiver_id}/``).

    Thread events reach it besides the thread's own group, with the internal keys
    ``thread_kind`` and ``member_ids`` (dropped before a client sees the event) so that a socket
    on one pair's conversation can pick that conversation's events.
    """
    return f"inbox.{int(user_id)}"


def call_group(call_id: int) -> str:
    """Every socket in one video call's signalling room (``/ws/calls/{call_id}/``)."""
    return f"call.{int(call_id)}"


def broadcast_now(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` immediately (sync code only; prefer ``broadcast_on_commit``)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, event)


def broadcast_thread_event_on_commit(
    *, thread_id: int, thread_kind: str, member_ids: list[int], event: dict[str, Any]
) -> None:
    """Send a thread's event to its sockets and to every member's inbox, after commit."""
    broadcast_on_commit(thread_group(thread_id), event)
    inbox_event = {**event, "thread_kind": thread_kind, "member_ids": sorted(member_ids)}
    for member_id in sorted(member_ids):
        broadcast_on_commit(inbox_group(member_id), inbox_event)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` after the current transaction commits (at once outside one).

    ``robust``: a channel layer that is down must not turn an already committed write into an
    error response; Django logs the failure and the client catches up over REST.
    """
    transaction.on_commit(partial(broadcast_now, group, event), robust=True)
