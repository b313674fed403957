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

Sends from sync code reuse one event loop per process: under ASGI the worker's own loop (the
sync view runs in a thread asgiref knows, and ``async_to_sync`` hands the send to that loop);
anywhere else (Celery workers, management commands, WSGI workers, benchmarks) the process's
long-lived loop (``core/process_loop.py``), so the channel layer keeps its Redis connections.
``async_to_sync`` outside a loop starts a new thread, loop and Redis connection for every send:
2.8 ms against 0.41 ms (docs/pitfalls.md, "async_to_sync outside an event loop";
docs/benchmarks.md, "Writes"). A consumer running a service for one client frame collects the
sends instead (``sends_deferred``) and sends them from its own loop when the call returns
(``send_deferred``): no hop back per send.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from core.process_loop import process_loop

logger = logging.getLogger(__name__)

# How long a sync caller waits for its send on the process's loop before giving up (the send
# itself is one Redis round trip; a layer that is down must not hang a committed request).
SEND_TIMEOUT_SECONDS = 5.0


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


# The process's one long-lived loop (core/process_loop.py), shared with every other sync caller of
# an async client in this process: the channel layer's connections live on it.
_process_loop = process_loop


def _worker_loop_running() -> bool:
    """True when this thread runs under an ASGI worker's loop (``async_to_sync`` reuses it)."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    return loop is not None and pid == os.getpid() and loop.is_running()


def broadcast_now(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` immediately (sync code only; prefer ``broadcast_on_commit``).

    On the ASGI worker's loop when there is one, else on the process's long-lived loop. The
    in-memory layer (embedded mode, tests) keeps ``async_to_sync``: its queues belong to the loop
    that reads them. Inside ``sends_deferred`` the send is collected for the consumer instead.
    """
    collected = _deferred_sends.get()
    if collected is not None:
        collected.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    if _worker_loop_running() or isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, event)
        return
    _process_loop.run(layer.group_send(group, event), timeout=SEND_TIMEOUT_SECONDS)


# --- sends handed back to a consumer's loop ---------------------------------------------------

# Set (to a list) while a consumer runs sync code for one client frame: sends are collected there
# instead of each hopping from the worker thread back to the loop and waiting on it.
_deferred_sends: ContextVar[list[tuple[str, dict[str, Any]]] | None] = ContextVar(
    "messaging_deferred_sends", default=None
)


@contextmanager
def sends_deferred() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collect the sends of the sync code run inside (after commit, in order) instead of sending.

    For a consumer's one ``database_sync_to_async`` call per client frame: the service commits,
    its after-commit sends land in the list, and the consumer sends them from its own loop with
    ``send_deferred`` once the call returns. Without it every send is a hop from the worker
    thread to the loop and back, one after another, with the worker thread (and its database
    connection) held meanwhile. Nothing is collected for a transaction that rolls back (the
    callbacks never run), exactly as nothing would have been sent.
    """
    collected: list[tuple[str, dict[str, Any]]] = []
    token = _deferred_sends.set(collected)
    try:
        yield collected
    finally:
        _deferred_sends.reset(token)


# At most this many channel-layer sends of one loop at a time: every socket of a process may
# finish a send at the same moment, and each group send holds a pooled Redis connection, which
# redis-py refuses (MaxConnectionsError: the event is lost) rather than waits for past the
# pool's size. Sends beyond it wait for a slot instead.
SEND_CONCURRENCY = 16
_send_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _send_slots.get(loop)
    if slots is None:
        slots = _send_slots[loop] = asyncio.Semaphore(SEND_CONCURRENCY)
    return slots


async def send_deferred(sends: list[tuple[str, dict[str, Any]]]) -> None:
    """Send what ``sends_deferred`` collected, from the caller's loop; a failure is logged.

    Groups are sent to concurrently (at most ``SEND_CONCURRENCY`` sends of the loop at a time);
    the sends of one group keep their order. As with ``broadcast_on_commit``, a channel layer
    that is down never turns the committed write into an error: the client catches up over REST.
    """
    layer = get_channel_layer()
    if layer is None or not sends:
        return
    by_group: dict[str, list[dict[str, Any]]] = {}
    for group, event in sends:
        by_group.setdefault(group, []).append(event)
    slots = _slots()

    async def send_group(group: str, events: list[dict[str, Any]]) -> None:
        for event in events:
            async with slots:
                await layer.group_send(group, event)

    outcomes = await asyncio.gather(
        *(
            asyncio.wait_for(send_group(group, events), SEND_TIMEOUT_SECONDS)
            for group, events in by_group.items()
        ),
        return_exceptions=True,
    )
    for group, outcome in zip(by_group, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            logger.error("Channel-layer send to %s failed", group, exc_info=outcome)


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

    # A closure, not functools.partial: Django logs a robust callback's failure by its
    # __qualname__, which a partial lacks, so the logging itself raised and turned the committed
    # write into a 500 that a retry would duplicate.
    def send() -> None:
        broadcast_now(group, event)

    transaction.on_commit(send, robust=True)
