"""Chat over each channels-redis layer: RedisChannelLayer against RedisPubSubChannelLayer.

For each layer (``CHANNEL_LAYER_BACKEND`` ``redis`` and ``pubsub``), in the same run: the bare
layer's floor (N channels in N/2 pairs, all sending at once; no WebSocket, no Django, no
database), then the real thing: N chat sockets split across 2 ASGI processes, all sending
``message.send`` at once (stored, committed, broadcast to the partner's socket in the other
process). Each figure is set beside its own layer's floor. ``BENCH_CHAT_SOCKETS`` (default 100)
and ``BENCH_CHAT_ROUNDS`` (default 5) size it; the flows are ``bench_realtime``'s.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

SOCKETS = int(os.environ.get("BENCH_CHAT_SOCKETS", "100")) // 2 * 2
ROUNDS = int(os.environ.get("BENCH_CHAT_ROUNDS", "5"))
BACKENDS = {
    "redis": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def _layer_settings(kind: str, redis_url: str) -> dict:
    host = {"address": redis_url, "socket_timeout": None}
    config: dict = {"hosts": [host], "prefix": "skillswap"}
    if kind == "redis":
        config.update(capacity=1000, expiry=60)
    return {"default": {"BACKEND": BACKENDS[kind], "CONFIG": config}}


async def _bare_pairs(kind: str, redis_url: str, count: int, rounds: int) -> tuple[list, float]:
    """The floor: pair group sends on the bare layer; (latencies, messages per second)."""
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    host = {"address": redis_url, "socket_timeout": None, "max_connections": 4 * count + 10}
    if kind == "redis":
        layer = RedisChannelLayer(hosts=[host], prefix="bench-chat-floor")
    else:
        layer = RedisPubSubChannelLayer(hosts=[host], prefix="bench-chat-floor")
    channels = [await layer.new_channel() for _ in range(count)]
    for index, channel in enumerate(channels):
        await layer.group_add(f"pair.{index // 2}", channel)
    latencies: list[float] = []
    elapsed = 0.0
    try:
        for round_number in range(rounds):
            sent: dict[int, float] = {}

            async def receive_partner(index: int, sent: dict = sent) -> None:
                for _ in range(2):  # the pair group delivers both members' messages
                    message = await layer.receive(channels[index])
                    if message["from"] == index ^ 1:
                        latencies.append(time.perf_counter() - sent[index ^ 1])

            receivers = [asyncio.create_task(receive_partner(i)) for i in range(count)]
            await asyncio.sleep(0)
            started = time.perf_counter()

            async def send(index: int, round_number: int = round_number, sent: dict = sent) -> None:
                sent[index] = time.perf_counter()
                await layer.group_send(
                    f"pair.{index // 2}",
                    {"type": "message.receive", "from": index, "round": round_number},
                )

            await asyncio.gather(*(send(i) for i in range(count)))
            _done, pending = await asyncio.wait(receivers, timeout=30)
            elapsed += time.perf_counter() - started
            for task in pending:
                task.cancel()
    finally:
        for index, channel in enumerate(channels):
            await layer.group_discard(f"pair.{index // 2}", channel)
        await layer.flush()
    return latencies, (len(latencies) / elapsed if elapsed else 0.0)


def run(report) -> None:
    from channels.layers import channel_layers
    from django.conf import settings
    from django.test.utils import override_settings

    from tests.benchmarks import bench_realtime
    from tests.messaging.servers import asgi_servers

    redis_url = settings.REDIS_URL
    count, rounds = SOCKETS, ROUNDS
    ms = 1000.0
    for kind in BACKENDS:
        latencies, floor_rate = asyncio.run(_bare_pairs(kind, redis_url, count, rounds))
        floor_p50 = statistics.median(latencies) if latencies else float("nan")
        with override_settings(CHANNEL_LAYERS=_layer_settings(kind, redis_url)):
            channel_layers.backends.clear()
            user_ids, threads, tokens = bench_realtime._prepare(count)
            env = {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DJANGO_DEBUG": "false",
                "DATABASE_URL": os.environ["DATABASE_URL"],
                "REDIS_URL": redis_url,
                "CHANNEL_LAYER_BACKEND": kind,
                "LOG_LEVEL": "WARNING",
            }
            with asgi_servers(2, env=env) as ports:
                real = asyncio.run(
                    bench_realtime._sockets(ports, user_ids, threads, tokens, rounds)
                )
        channel_layers.backends.clear()
        load = "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        report.add(
            f"{kind}: bare layer, pair message p50",
            floor_p50 * ms,
            "ms",
            note=f"N={count} channels, {rounds} rounds, {floor_rate:.0f} msg/s; {load}",
        )
        report.add(
            f"{kind}: sockets, message p50 (2 processes, all send at once)",
            statistics.median(real.latencies) * ms if real.latencies else float("nan"),
            "ms",
            floor=floor_p50 * ms,
            floor_name=f"bare {kind} layer p50",
            note=f"{len(real.latencies)} delivered, {real.lost} lost",
        )
        report.add(
            f"{kind}: sockets, messages per second (stored + delivered)",
            real.rate,
            "msg/s",
            floor=floor_rate,
            floor_name=f"bare {kind} layer msg/s",
        )
        report.add(
            f"{kind}: broadcast to {count}, notification p50",
            statistics.median(real.broadcast) * ms if real.broadcast else float("nan"),
            "ms",
            note=f"{len(real.broadcast)} delivered, {real.broadcast_lost} lost",
        )
