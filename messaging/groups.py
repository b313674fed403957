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
anywhere else (Celery workers, management commands, WSGI workers, benchmarks) a long-lived loop
in a daemon thread, so the channel layer keeps its Redis connections. ``async_to_sync`` outside
a loop starts a new thread, loop and Redis connection for every send: 2.8 ms against 0.41 ms
(docs/pitfalls.md, "async_to_sync outside an event loop"; docs/benchmarks.md, "Writes").
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from functools import partial
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

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


class _ProcessLoop:
    """One event loop per process, running in a daemon thread, for sends from plain sync code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child inherits the object but not the thread: start its own.
            alive = self._thread is not None and self._thread.is_alive()
            if self._loop is None or self._pid != os.getpid() or not alive:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="channel-layer-loop", daemon=True
                )
                thread.start()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` on the process's loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop())
        return future.result(timeout=SEND_TIMEOUT_SECONDS)


_process_loop = _ProcessLoop()


def _worker_loop_running() -> bool:
    """True when this thread runs under an ASGI worker's loop (``async_to_sync`` reuses it)."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    pid = getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None)
    return loop is not None and pid == os.getpid() and loop.is_running()


def broadcast_now(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` to ``group`` immediately (sync code only; prefer ``broadcast_on_commit``).

    On the ASGI worker's loop when there is one, else on the process's long-lived loop. The
    in-memory layer (embedded mode, tests) keeps ``async_to_sync``: its queues belong to the loop
    that reads them.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if _worker_loop_running() or isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, event)
        return
    _process_loop.run(layer.group_send(group, event))


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
