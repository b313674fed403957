"""Real-time delivery across 2 ASGI processes sharing Redis, against a bare channels-redis floor.

N members in N/2 chatting pairs; each pair is split across the two daphne processes, so every
message crosses processes through Redis. Each member holds a chat socket on its pair's thread and
a notification socket. Per round every member sends one ``message.send`` at once (the service
stores it, broadcasts ``message.receive`` and a ``new_message`` notification after commit); we time
until the partner's socket has it. Then one notification is sent to all N members (one
``notification_send`` each, in one transaction) and we time until every notification socket has
it. The floor runs the same fan-out on a bare channels-redis layer (no WebSocket, no Django, no
database) in the same run. Loopback only; every loop is bounded (rounds, timeouts).

``BENCH_REALTIME_SOCKETS`` (default 100, even) and ``BENCH_REALTIME_ROUNDS`` (default 5) size it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import time
from dataclasses import dataclass, field

SOCKETS = int(os.environ.get("BENCH_REALTIME_SOCKETS", "100")) // 2 * 2
ROUNDS = int(os.environ.get("BENCH_REALTIME_ROUNDS", "5"))
ROUND_TIMEOUT = 60.0
IDLE_MESSAGES = 10
BROADCAST_MARK = "bench-broadcast"


def _percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    lost: int = 0
    broadcast: list[float] = field(default_factory=list)
    broadcast_all: float = 0.0
    broadcast_lost: int = 0
    idle: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


# --- floor: the bare layer --------------------------------------------------------------------


async def _bare_layer(count: int, rounds: int) -> Timings:
    from channels_redis.core import RedisChannelLayer
    from django.conf import settings

    config = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"], prefix="bench-floor")
    # redis-py 8's asyncio pool refuses (rather than waits) past 100 connections; N concurrent
    # group sends plus the receive loop need more than that.
    config["hosts"] = [{**host, "max_connections": 4 * count + 10} for host in config["hosts"]]
    layer = RedisChannelLayer(**config)
    channels = [await layer.new_channel() for _ in range(count)]
    for index, channel in enumerate(channels):
        await layer.group_add(f"pair.{index // 2}", channel)
        await layer.group_add(f"user.{index}", channel)
    timings = Timings()
    sent: dict[tuple[int, int], float] = {}
    try:
        for number in range(IDLE_MESSAGES):
            index = number % 2
            started = time.perf_counter()
            await layer.group_send("pair.0", {"type": "message.receive", "from": index})
            while (await layer.receive(channels[index ^ 1]))["from"] != index:
                pass
            timings.idle.append(time.perf_counter() - started)
            await layer.receive(channels[index])  # its own copy
        for round_number in range(rounds):

            async def receive_partner(index: int, round_number: int = round_number) -> None:
                partner = index ^ 1
                for _ in range(2):  # the pair group delivers both members' messages
                    message = await layer.receive(channels[index])
                    if message["from"] == partner:
                        now = time.perf_counter()
                        timings.latencies.append(now - sent[(partner, round_number)])

            receivers = [asyncio.create_task(receive_partner(i)) for i in range(count)]
            started = time.perf_counter()

            async def send(index: int, round_number: int = round_number) -> None:
                sent[(index, round_number)] = time.perf_counter()
                await layer.group_send(
                    f"pair.{index // 2}", {"type": "message.receive", "from": index}
                )

            await asyncio.gather(*(send(i) for i in range(count)))
            done, pending = await asyncio.wait(receivers, timeout=ROUND_TIMEOUT)
            timings.elapsed += time.perf_counter() - started
            timings.lost += len(pending)
            for task in pending:
                task.cancel()

        # Broadcast: one group send per member, in sequence, as after-commit callbacks run.
        async def receive_broadcast(index: int, started: float) -> None:
            await layer.receive(channels[index])
            timings.broadcast.append(time.perf_counter() - started)

        started = time.perf_counter()
        receivers = [asyncio.create_task(receive_broadcast(i, started)) for i in range(count)]
        for index in range(count):
            await layer.group_send(f"user.{index}", {"type": "notification.receive"})
        done, pending = await asyncio.wait(receivers, timeout=ROUND_TIMEOUT)
        timings.broadcast_all = time.perf_counter() - started
        timings.broadcast_lost = len(pending)
    finally:
        for index, channel in enumerate(channels):
            await layer.group_discard(f"pair.{index // 2}", channel)
            await layer.group_discard(f"user.{index}", channel)
        await layer.flush()
    return timings


# --- the real thing: sockets on two daphne processes ------------------------------------------


def _prepare(count: int) -> tuple[list[int], list[int], list[str]]:
    """N bench members in N/2 direct threads (history cleared); their ids, threads, tokens."""
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from messaging import services
    from messaging.models import Message, Notification, Thread, ThreadParticipant

    password = make_password(None)
    users = []
    for index in range(count):
        user, _created = User.objects.get_or_create(
            email=f"bench-realtime-{index}@bench.test",
            defaults={"first_name": "Bench", "last_name": str(index), "password": password},
        )
        users.append(user)
    threads = []
    for index in range(0, count, 2):
        thread = services.thread_get_or_create_for_pair(
            user_a=users[index], user_b=users[index + 1]
        )
        threads.extend([thread.pk, thread.pk])
    Thread.objects.filter(pk__in=threads).update(last_message=None)
    Message.objects.filter(thread_id__in=threads).delete()
    ThreadParticipant.objects.filter(thread_id__in=threads).update(
        last_read_message_id=0, emailed_up_to_message_id=0
    )
    Notification.objects.filter(recipient__in=users).delete()
    tokens = [str(AccessToken.for_user(user)) for user in users]
    return [user.pk for user in users], threads, tokens


def _broadcast(user_ids: list[int]) -> float:
    """Notify every bench member in one transaction; return the moment just before commit."""
    from django.db import transaction

    from accounts.models import User
    from messaging import services

    users = list(User.objects.filter(pk__in=user_ids).order_by("pk"))
    with transaction.atomic():
        for user in users:
            services.notification_send(
                recipient=user,
                kind="badge_earned",
                context={"badge_name": BROADCAST_MARK},
                related_type="bench",
                related_id=1,
            )
        started = time.perf_counter()
    return started


async def _sockets(
    ports: list[int], user_ids, threads, tokens, rounds: int, *, around_rounds=None
) -> Timings:
    """Drive the sockets; ``around_rounds`` (a context manager factory) wraps the timed rounds."""
    from channels.db import database_sync_to_async
    from websockets.asyncio.client import connect

    count = len(user_ids)
    timings = Timings()
    sent: dict[str, float] = {}
    partner_waiters: dict[str, asyncio.Future] = {}
    broadcast_started: list[float] = []
    broadcast_waiters: list[asyncio.Future] = []
    loop = asyncio.get_running_loop()

    chats = []
    inboxes = []
    for index in range(count):
        port = ports[index % 2]
        chats.append(
            await connect(
                f"ws://127.0.0.1:{port}/ws/threads/{threads[index]}/?token={tokens[index]}",
                max_queue=None,
            )
        )
        inboxes.append(
            await connect(
                f"ws://127.0.0.1:{port}/ws/notifications/?token={tokens[index]}", max_queue=None
            )
        )

    async def read_chat(index: int) -> None:
        async for raw in chats[index]:
            event = json.loads(raw)
            if event["type"] != "message.receive":
                continue
            if event["message"]["sender_id"] == user_ids[index]:
                continue
            key = event["message"]["content"]
            waiter = partner_waiters.get(key)
            if waiter is not None and not waiter.done():
                timings.latencies.append(time.perf_counter() - sent[key])
                waiter.set_result(None)

    async def read_inbox(index: int) -> None:
        async for raw in inboxes[index]:
            event = json.loads(raw)
            if event["type"] != "notification.receive":
                continue
            if event["notification"]["data"].get("badge_name") != BROADCAST_MARK:
                continue
            now = time.perf_counter()
            waiter = broadcast_waiters[index] if broadcast_waiters else None
            if waiter is not None and not waiter.done():
                waiter.set_result(now)

    readers = [asyncio.create_task(read_chat(i)) for i in range(count)]
    readers += [asyncio.create_task(read_inbox(i)) for i in range(count)]
    try:
        # Idle path first: one message at a time across the pair 0/1 (no queueing).
        for number in range(IDLE_MESSAGES):
            index = number % 2
            key = f"bench idle {number}"
            partner_waiters[key] = loop.create_future()
            sent[key] = time.perf_counter()
            await chats[index].send(json.dumps({"type": "message.send", "content": key}))
            await asyncio.wait_for(partner_waiters[key], ROUND_TIMEOUT)
            timings.idle.append(timings.latencies.pop())
            await asyncio.sleep(0.6)  # stay under the per-socket send rate

        rounds_scope = around_rounds() if around_rounds is not None else contextlib.nullcontext()
        with rounds_scope:
            await _rounds(chats, timings, partner_waiters, sent, rounds, count, loop)

        broadcast_waiters.extend(loop.create_future() for _ in range(count))
        broadcast_started.append(
            await database_sync_to_async(_broadcast, thread_sensitive=False)(user_ids)
        )
        done, pending = await asyncio.wait(broadcast_waiters, timeout=ROUND_TIMEOUT)
        received = [waiter.result() for waiter in done]
        timings.broadcast = [moment - broadcast_started[0] for moment in received]
        timings.broadcast_all = max(timings.broadcast) if timings.broadcast else float("nan")
        timings.broadcast_lost = len(pending)
    finally:
        for reader in readers:
            reader.cancel()
        for socket in chats + inboxes:
            await socket.close()
    return timings


async def _rounds(chats, timings, partner_waiters, sent, rounds, count, loop) -> None:
    """All N sockets send one message at once, ``rounds`` times; time until each partner has it."""
    for round_number in range(rounds):
        keys = [f"bench {index} round {round_number}" for index in range(count)]
        for key in keys:
            partner_waiters[key] = loop.create_future()
        started = time.perf_counter()

        async def send(index: int, key: str) -> None:
            sent[key] = time.perf_counter()
            await chats[index].send(json.dumps({"type": "message.send", "content": key}))

        await asyncio.gather(*(send(i, keys[i]) for i in range(count)))
        done, pending = await asyncio.wait(
            [partner_waiters[key] for key in keys], timeout=ROUND_TIMEOUT
        )
        timings.elapsed += time.perf_counter() - started
        timings.lost += len(pending)


def run(report) -> None:
    from django.conf import settings

    from tests.messaging.servers import asgi_servers

    count, rounds = SOCKETS, ROUNDS
    floor = asyncio.run(_bare_layer(count, rounds))
    user_ids, threads, tokens = _prepare(count)
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": settings.REDIS_URL,
        "LOG_LEVEL": "WARNING",
    }
    with asgi_servers(2, env=env) as ports:
        real = asyncio.run(_sockets(ports, user_ids, threads, tokens, rounds))

    ms = 1000.0
    shape = f"N={count} sockets ({count // 2} pairs split across 2 daphne), {rounds} rounds"
    report.add(
        "bare layer: pair message p50",
        statistics.median(floor.latencies) * ms,
        "ms",
        note=shape,
    )
    report.add("bare layer: pair message p99", _percentile(floor.latencies, 0.99) * ms, "ms")
    report.add("bare layer: messages per second", floor.rate, "msg/s")
    report.add(
        "idle: one message at a time, p50",
        statistics.median(real.idle) * ms,
        "ms",
        floor=statistics.median(floor.idle) * ms,
        floor_name="bare layer idle p50",
        note="socket → service → commit → Redis → other process → socket",
    )
    report.add(
        "sockets: message p50, sender socket → partner socket",
        statistics.median(real.latencies) * ms,
        "ms",
        floor=statistics.median(floor.latencies) * ms,
        floor_name="bare layer p50",
        note=f"all N send at once; {len(real.latencies)} delivered, {real.lost} lost",
    )
    report.add(
        "sockets: message p99",
        _percentile(real.latencies, 0.99) * ms,
        "ms",
        floor=_percentile(floor.latencies, 0.99) * ms,
        floor_name="bare layer p99",
    )
    report.add(
        "sockets: messages per second (stored + delivered)",
        real.rate,
        "msg/s",
        floor=floor.rate,
        floor_name="bare layer msg/s",
    )
    report.add(
        f"broadcast to {count}: notification p50",
        statistics.median(real.broadcast) * ms if real.broadcast else float("nan"),
        "ms",
        floor=statistics.median(floor.broadcast) * ms,
        floor_name="bare layer p50",
        note=f"{len(real.broadcast)} delivered, {real.broadcast_lost} lost",
    )
    report.add(
        f"broadcast to {count}: notification p99",
        _percentile(real.broadcast, 0.99) * ms,
        "ms",
        floor=_percentile(floor.broadcast, 0.99) * ms,
        floor_name="bare layer p99",
    )
    report.add(
        f"broadcast to {count}: until the last socket",
        real.broadcast_all * ms,
        "ms",
        floor=floor.broadcast_all * ms,
        floor_name="bare layer, all",
    )
