"""Chat over each channels-redis layer: RedisChannelLayer against RedisPubSubChannelLayer.

For each layer (``CHANNEL_LAYER_BACKEND`` ``redis`` and ``pubsub``), in the same run: the bare
layer's floor (N channels in N/2 pairs, all sending at once; no WebSocket, no Django, no
database), then the real thing: N chat sockets split across 2 ASGI processes, all sending
``message.send`` at once (stored, committed, broadcast to the partner's socket in the other
process). Each figure is set beside its own layer's floor. ``BENCH_CHAT_SOCKETS`` (default 100)
and ``BENCH_CHAT_ROUNDS`` (default 5) size it; the flows are ``bench_realtime``'s.

The servers are the production shape of ``/ws/`` (docs/benchmarks.md, "Reads and serving"):
uvicorn with uvloop, one process per port so that every pair is split across the two
(``BENCH_CHAT_SERVER=daphne`` runs ``manage.py runserver``'s server instead). Beside the latency
and rate rows: the servers' CPU per message over the timed rounds (user + system of both
processes; it moves far less with the machine's load than the rates do), and the statements one
``message.send`` sends to the database. ``BENCH_CHAT_LAYERS`` (default ``redis,pubsub``) picks
the layers; ``BENCH_CHAT_PROFILE=1`` records both servers with py-spy over the timed rounds
(``var/profiles/chat-<layer>-<server>-<n>.txt``) and prints where their samples went.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.benchmarks.profiles import IDLE_FRAMES, profile_breakdown

SOCKETS = int(os.environ.get("BENCH_CHAT_SOCKETS", "100")) // 2 * 2
ROUNDS = int(os.environ.get("BENCH_CHAT_ROUNDS", "5"))
SERVER = os.environ.get("BENCH_CHAT_SERVER", "uvicorn")
PROFILE = os.environ.get("BENCH_CHAT_PROFILE", "") == "1"
BACKENDS = {
    "redis": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
LAYERS = [
    kind.strip()
    for kind in os.environ.get("BENCH_CHAT_LAYERS", ",".join(BACKENDS)).split(",")
    if kind.strip() in BACKENDS
]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


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


# --- servers ------------------------------------------------------------------------------------


def uvicorn_command(port: int) -> list[str]:
    """The ``ws`` process of the production shape, one worker on its own port."""
    return [
        str(BIN / "uvicorn"),
        "config.asgi:application",
        "--host=127.0.0.1",
        f"--port={port}",
        "--workers=1",
        "--loop=uvloop",
        "--http=httptools",
        "--lifespan=off",
        "--no-access-log",
        "--log-level=warning",
    ]


@contextlib.contextmanager
def _uvicorn_servers(count: int, *, env: dict[str, str]) -> Iterator[tuple[list[int], list[int]]]:
    """Run ``count`` uvicorn processes; yield (ports, pids)."""
    from tests.messaging.servers import _wait_ready, free_port

    processes: list[tuple[subprocess.Popen, int, Path]] = []
    logs = Path(tempfile.mkdtemp(prefix="skillswap-chat-"))
    try:
        for index in range(count):
            port = free_port()
            log = logs / f"uvicorn-{index}.log"
            with log.open("wb") as handle:
                process = subprocess.Popen(  # noqa: S603 - our own interpreter's uvicorn
                    uvicorn_command(port),
                    cwd=ROOT,
                    env={**os.environ, **env},
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )
            processes.append((process, port, log))
        for process, port, log in processes:
            _wait_ready(port, process, log, 60.0)
        yield [port for _p, port, _l in processes], [p.pid for p, _port, _l in processes]
    finally:
        for process, _port, _log in processes:
            if process.poll() is None:
                process.terminate()
        for process, _port, _log in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextlib.contextmanager
def _daphne_servers(count: int, *, env: dict[str, str]) -> Iterator[tuple[list[int], list[int]]]:
    import psutil

    from tests.messaging.servers import asgi_servers

    with asgi_servers(count, env=env) as ports:
        pids = [
            child.pid
            for child in psutil.Process().children()
            if any("daphne" in part for part in child.cmdline()[:2])
        ]
        yield ports, pids


def _servers(count: int, *, env: dict[str, str]):
    if SERVER == "daphne":
        return _daphne_servers(count, env=env)
    return _uvicorn_servers(count, env=env)


def _cpu_seconds(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total


class _RoundsProbe:
    """Around the timed rounds: the servers' CPU seconds, and py-spy when profiling."""

    def __init__(self, pids: list[int], profile_prefix: str | None) -> None:
        self.pids, self.profile_prefix = pids, profile_prefix
        self.cpu = 0.0
        self.profiles: list[Path] = []

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        spies = []
        if self.profile_prefix is not None:
            folder = ROOT / "var" / "profiles"
            folder.mkdir(parents=True, exist_ok=True)
            for index, pid in enumerate(self.pids):
                path = folder / f"{self.profile_prefix}-{index}.txt"
                self.profiles.append(path)
                spies.append(
                    subprocess.Popen(  # noqa: S603 - the venv's py-spy
                        [
                            str(BIN / "py-spy"),
                            "record",
                            f"--pid={pid}",
                            "--rate=250",
                            "--format=raw",
                            f"--output={path}",
                            "--nonblocking",
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            time.sleep(1.0)  # py-spy attaches
        before = _cpu_seconds(self.pids)
        try:
            yield
        finally:
            self.cpu = _cpu_seconds(self.pids) - before
            for spy in spies:
                spy.send_signal(signal.SIGINT)
            for spy in spies:
                try:
                    spy.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    spy.kill()
                    spy.wait(timeout=10)


# (label, substrings of a frame) in priority order; a sample counts for the innermost frame that
# matches any label.
PROFILE_BUCKETS = [
    ("database driver (psycopg, pool)", ("psycopg/", "psycopg_pool/")),
    ("redis client", ("redis/",)),
    ("channels-redis layer", ("channels_redis/",)),
    ("ORM: SQL compiler", ("db/models/sql/",)),
    ("ORM: rows → instances, managers", ("db/models/",)),
    ("Django connections (open, close, atomic)", ("django/db/",)),
    ("notification (render, store)", ("messaging/services/notifications.py", "notification_texts")),
    ("translation (gettext, activate)", ("utils/translation/",)),
    ("message service, payload", ("messaging/services/", "messaging/payloads.py")),
    ("messaging consumer, groups", ("messaging/consumers.py", "messaging/groups.py")),
    ("account check per frame", ("accounts/consumers.py",)),
    ("channels (consumer dispatch)", ("channels/",)),
    ("asgiref sync/async hop", ("asgiref/", "concurrent/futures/")),
    (
        "websocket protocol + server",
        ("uvicorn/", "websockets/", "daphne/", "autobahn/", "twisted/"),
    ),
    ("msgpack, json", ("msgpack", "json/")),
    ("event loop", ("asyncio/", "uvloop")),
]
# Chat servers also wait on locks and sleeps between rounds.
_IDLE_FRAMES = (*IDLE_FRAMES, "acquire (", "sleep (")


def _statements_per_message(user_ids: list[int]) -> tuple[int, list[str]]:
    """The statements one ``message.send`` of the service sends (BEGIN and COMMIT included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from messaging import services
    from messaging.models import Thread

    sender = User.objects.get(pk=user_ids[0])
    thread = Thread.objects.filter(participants__user=sender, kind=Thread.Kind.DIRECT).first()
    assert thread is not None
    services.message_send(thread=Thread(pk=thread.pk), sender=sender, content="bench warm-up")
    with CaptureQueriesContext(connection) as captured:
        services.message_send(thread=Thread(pk=thread.pk), sender=sender, content="bench count")
    return len(captured.captured_queries), [q["sql"][:60] for q in captured.captured_queries]


def run(report) -> None:
    from channels.layers import channel_layers
    from django.conf import settings
    from django.test.utils import override_settings

    from tests.benchmarks import bench_realtime

    redis_url = settings.REDIS_URL
    count, rounds = SOCKETS, ROUNDS
    ms = 1000.0
    user_ids: list[int] = []
    for kind in LAYERS:
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
            with _servers(2, env=env) as (ports, pids):
                probe = _RoundsProbe(pids, f"chat-{kind}-{SERVER}" if PROFILE else None)
                real = asyncio.run(
                    bench_realtime._sockets(
                        ports, user_ids, threads, tokens, rounds, around_rounds=probe
                    )
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
            f"{kind}: sockets, message p50 (2 {SERVER} processes, all send at once)",
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
            f"{kind}: servers' CPU per message (both processes)",
            probe.cpu * ms / max(len(real.latencies), 1),
            "ms",
            note=f"{probe.cpu:.2f} s over the rounds",
        )
        report.add(
            f"{kind}: broadcast to {count}, notification p50",
            statistics.median(real.broadcast) * ms if real.broadcast else float("nan"),
            "ms",
            note=f"{len(real.broadcast)} delivered, {real.broadcast_lost} lost",
        )
        if probe.profiles:
            print(f"  profile of both servers over the rounds ({kind}, {SERVER}):")
            for label, share in profile_breakdown(
                probe.profiles, PROFILE_BUCKETS, idle_frames=_IDLE_FRAMES
            ):
                print(f"    {share:5.1f} %  {label}")
    if user_ids:
        statements, sql = _statements_per_message(user_ids)
        report.add(
            "store: statements per message.send (round trips)",
            statements,
            "",
            note="; ".join(sql),
        )
