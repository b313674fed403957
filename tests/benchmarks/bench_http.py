"""HTTP per-request CPU through real server processes, beside a static view and a bare app.

Each server is a real process tree on loopback (DEBUG off, ``DJANGO_ENV=production``, PostgreSQL and
Redis): uvicorn with 2 ASGI workers, gunicorn with 2 sync WSGI workers, gunicorn with 2 gthread
workers. Load comes from a separate process (a small asyncio HTTP/1.1 client, ``CONNECTIONS``
connections, closed loop). A row's figure is the CPU time (user + system, psutil) that the whole
server process tree spent during the window divided by the answers it gave; its floors, measured in
the same run on the same server, are a static JSON view through the same middleware
(``serving/urls.py``) and the bare ASGI/WSGI app (``serving/bare.py``). Rows: the offers list (20
per page over the offers bench's 100,000 offers, anonymous and signed in), ``auth/profile``,
``points/transfer/``, ``health/`` and a 429 from the throttle (a member whose window is spent).

CPU per request is robust to a loaded machine; req/s is not: each figure carries the load average.

``BENCH_HTTP_WINDOW`` (seconds, default 10), ``BENCH_HTTP_REPEATS`` (default 3),
``BENCH_HTTP_SERVERS`` (default ``uvicorn,gunicorn-sync,gunicorn-gthread``), ``BENCH_HTTP_ROWS``
(comma-separated row keys, default all), ``BENCH_HTTP_PROFILE=1`` (py-spy each row of the first
server; the breakdown is printed and written under ``var/profiles/``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.profiles import profile_breakdown

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WINDOW = float(os.environ.get("BENCH_HTTP_WINDOW", "10"))
REPEATS = int(os.environ.get("BENCH_HTTP_REPEATS", "3"))
WARMUP = 2.0
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "8"))
WORKERS = 2
GTHREADS = 4
SERVERS = os.environ.get("BENCH_HTTP_SERVERS", "uvicorn,gunicorn-sync,gunicorn-gthread").split(",")
PROFILE = os.environ.get("BENCH_HTTP_PROFILE", "") == "1"
BENCH_DOMAIN = "bench-http.test"


# --- the load client (runs in its own process: ``python -m tests.benchmarks.bench_http``) ------


def _request_bytes(spec: dict) -> bytes:
    lines = [f"{spec['method']} {spec['path']} HTTP/1.1", f"Host: {spec['host']}"]
    lines += [f"{name}: {value}" for name, value in spec.get("headers", {}).items()]
    body = spec.get("body", "").encode()
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    close = headers.get("connection", "").lower() == "close"
    return status, close


async def _load(spec: dict) -> dict:
    host, port = "127.0.0.1", spec["port"]
    requests = [_request_bytes({**spec, **variant}) for variant in spec["variants"]]
    state = {"measuring": False, "stop": False}
    statuses: Counter = Counter()
    latencies: list[float] = []
    errors: Counter = Counter()

    async def connection(index: int) -> None:
        request = requests[index % len(requests)]
        reader = writer = None
        while not state["stop"]:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                started = time.perf_counter()
                writer.write(request)
                status, close = await _read_response(reader)
                if state["measuring"] and not state["stop"]:
                    statuses[status] += 1
                    latencies.append(time.perf_counter() - started)
                if close:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                writer = None
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    tasks = [asyncio.create_task(connection(i)) for i in range(spec["connections"])]
    await asyncio.sleep(spec["warmup"])
    state["measuring"] = True
    print("start", flush=True)
    started = time.perf_counter()
    await asyncio.sleep(spec["window"])
    state["stop"] = True
    elapsed = time.perf_counter() - started
    print("stop", flush=True)
    await asyncio.wait(tasks, timeout=10)
    latencies.sort()
    return {
        "count": sum(statuses.values()),
        "elapsed": elapsed,
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": dict(errors),
        "p50": latencies[len(latencies) // 2] if latencies else None,
    }


def _client_main(raw: str) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    result = asyncio.run(_load(json.loads(raw)))
    print(json.dumps(result), flush=True)


# --- servers ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(kind: str, app: str, port: int) -> list[str]:
    """The exact command of each serving shape (docs/benchmarks.md, "Reads and serving")."""
    bind = f"127.0.0.1:{port}"
    if kind == "uvicorn":
        return [
            str(BIN / "uvicorn"),
            app,
            "--host=127.0.0.1",
            f"--port={port}",
            f"--workers={WORKERS}",
            "--loop=uvloop",
            "--http=httptools",
            "--lifespan=off",
            "--no-access-log",
            "--log-level=warning",
        ]
    worker = ["--worker-class=sync"]
    if kind == "gunicorn-gthread":
        worker = ["--worker-class=gthread", f"--threads={GTHREADS}"]
    return [
        str(BIN / "gunicorn"),
        app,
        f"--bind={bind}",
        f"--workers={WORKERS}",
        *worker,
        "--log-level=warning",
    ]


def _apps(kind: str) -> tuple[str, str]:
    """(the project app, the bare app) for a server kind."""
    if kind == "uvicorn":
        return "config.asgi:application", "tests.benchmarks.serving.bare:asgi_app"
    return "config.wsgi:application", "tests.benchmarks.serving.bare:wsgi_app"


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen
    log: Path

    def tree(self) -> list:
        import psutil

        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total


@contextlib.contextmanager
def serve(kind: str, app: str, env: dict[str, str], probe: str) -> Iterator[Server]:
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="skillswap-http-")) / f"{kind}.log"
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter's servers
        server_command(kind, app, port),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    server = Server(kind, port, process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{kind} exited:\n{log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback
                    f"http://127.0.0.1:{port}{probe}", timeout=5
                ) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} not ready:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        # Every worker answers once before timing (imports, pools).
        for _ in range(WORKERS * 4):
            with contextlib.suppress(urllib.error.URLError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=5).read()  # noqa: S310
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def measure(server: Server, spec: dict, *, profile_to: Path | None = None) -> dict:
    """One window of load; CPU seconds of the server tree per answer."""
    spec = {
        "port": server.port,
        "host": f"127.0.0.1:{server.port}",
        "connections": CONNECTIONS,
        "warmup": WARMUP,
        "window": WINDOW,
        "headers": {},
        "body": "",
        **spec,
    }
    client = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.benchmarks.bench_http", json.dumps(spec)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    line = client.stdout.readline().strip()
    assert line == "start", line
    spy = None
    if profile_to is not None:
        spy = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "py-spy"),
                "record",
                "--pid",
                str(server.process.pid),
                "--subprocesses",
                "--rate=250",
                "--format=raw",
                f"--output={profile_to}",
                f"--duration={int(WINDOW)}",
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    cpu_before = server.cpu_seconds()
    line = client.stdout.readline().strip()
    cpu_after = server.cpu_seconds()
    assert line == "stop", line
    result = json.loads(client.stdout.readline())
    client.wait(timeout=30)
    if spy is not None:
        spy.wait(timeout=WINDOW + 30)
    result["cpu_ms"] = (cpu_after - cpu_before) * 1000 / max(result["count"], 1)
    result["rps"] = result["count"] / result["elapsed"]
    return result


# --- data ---------------------------------------------------------------------------------------


def _members() -> dict:
    """The payer, the payee and the throttled member (created once), with fresh access tokens."""
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from rewards import selectors as reward_selectors
    from rewards import services as reward_services

    password = make_password(None)
    members = {}
    for name in ("payer", "payee", "throttled", "staff"):
        user, _created = User.objects.get_or_create(
            email=f"{name}@{BENCH_DOMAIN}",
            defaults={"first_name": "Bench", "last_name": name.title(), "password": password},
        )
        members[name] = user
    staff = members["staff"]
    if not staff.is_superuser:
        staff.is_superuser = staff.is_staff = True
        staff.save(update_fields=["is_superuser", "is_staff"])
    balance = reward_selectors.wallet_balance(user=members["payer"])
    if balance < 200_000:
        reward_services.points_grant(
            user=members["payer"],
            amount=500_000,
            reason="HTTP benchmark transfers",
            granted_by=staff,
        )
    return {
        "ids": {name: user.pk for name, user in members.items()},
        "tokens": {name: str(AccessToken.for_user(user)) for name, user in members.items()},
    }


def _spend_window(user_id: int) -> None:
    """Use up the throttled member's hourly window (this one and the next)."""
    from django.core.cache import cache

    from config.api.throttling import parse_rate

    _limit, period = parse_rate("1000000/hour")
    window = int(time.time() // period)
    for current in (window, window + 1):
        cache.set(f"throttle:user:{user_id}:{period}:{current}", 10**12, timeout=2 * period)


def _rows(members: dict) -> list[tuple[str, str, dict]]:
    """(key, name, request spec) of each row; a spec may hold several request variants."""

    def bearer(name: str) -> dict:
        return {"Authorization": f"Bearer {members['tokens'][name]}", "Accept": "application/json"}

    payee = members["ids"]["payee"]
    return [
        (
            "static",
            "static JSON view, same middleware",
            {"variants": [{}], "path": "/api/v1/bench/static/", "method": "GET"},
        ),  # noqa: E501
        (
            "drf",
            "static DRF view, no auth/throttle",
            {"variants": [{}], "path": "/api/v1/bench/drf/", "method": "GET"},
        ),  # noqa: E501
        (
            "offers",
            "GET offers/ (20 of 100k, anonymous)",
            {"variants": [{}], "path": "/api/v1/offers/", "method": "GET"},
        ),  # noqa: E501
        (
            "offers-auth",
            "GET offers/ (20 of 100k, signed in)",
            {
                "variants": [{}],
                "path": "/api/v1/offers/",
                "method": "GET",
                "headers": bearer("payee"),
            },  # noqa: E501
        ),
        (
            "profile",
            "GET auth/profile",
            {
                "variants": [{}],
                "path": "/api/v1/auth/profile",
                "method": "GET",
                "headers": bearer("payer"),
            },  # noqa: E501
        ),
        (
            "transfer",
            "POST points/transfer/",
            {
                "variants": [{}],
                "path": "/api/v1/points/transfer/",
                "method": "POST",
                "headers": bearer("payer"),
                "body": json.dumps({"to_user_id": payee, "amount": 1}),
            },
        ),
        ("health", "GET health/", {"variants": [{}], "path": "/api/v1/health/", "method": "GET"}),  # noqa: E501
        (
            "429",
            "a 429 from the throttle (GET auth/profile)",
            {
                "variants": [{}],
                "path": "/api/v1/auth/profile",
                "method": "GET",
                "headers": bearer("throttled"),
            },  # noqa: E501
        ),
    ]


EXPECTED = {"transfer": 201, "429": 429}


# --- profile breakdown --------------------------------------------------------------------------

# (label, a substring of a frame "function (file:line)") in priority order: a sample counts for
# the first label any of its frames matches, innermost frame first.
PROFILE_BUCKETS = [
    (
        "database driver (psycopg execute/fetch)",
        ("psycopg/cursor.py", "psycopg/connection.py", "psycopg_pool"),
    ),  # noqa: E501
    ("redis client", ("redis/",)),
    ("SQL compiler (ORM builds SQL)", ("db/models/sql/compiler.py",)),
    ("ORM rows → instances", ("db/models/query.py", "db/models/base.py")),
    ("JWT decode/verify", ("rest_framework_simplejwt/", "jwt/")),
    (
        "DRF serializers",
        (
            "rest_framework/serializers.py",
            "rest_framework/fields.py",
            "rest_framework/relations.py",
        ),
    ),  # noqa: E501
    ("JSON render", ("rest_framework/renderers.py", "json/encoder.py")),
    ("django-filter", ("django_filters/",)),
    ("translation (gettext, activate)", ("utils/translation/",)),
    ("Django middleware", ("/middleware/", "config/locale.py", "allauth/account/middleware")),
    ("DRF view dispatch", ("rest_framework/views.py", "rest_framework/request.py")),
    ("asgiref sync/async hop", ("asgiref/",)),
    ("server (uvicorn/gunicorn)", ("uvicorn/", "gunicorn/", "httptools")),
]


# --- run ----------------------------------------------------------------------------------------


def _env() -> dict[str, str]:
    from django.conf import settings

    return {
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.serving.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        # The bench signs the members' access tokens with its own key.
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": settings.REDIS_URL,
        "LOG_LEVEL": "WARNING",
        # The limits stay on (every request pays the throttle) but never refuse the load.
        "THROTTLE_ANON": "1000000000/hour",
        "THROTTLE_USER": "1000000/hour",
        "THROTTLE_AUTH": "1000000000/hour",
    }


def run(report) -> None:
    from tests.benchmarks import bench_offers

    bench_offers._ensure_offers(report)
    members = _members()
    _spend_window(members["ids"]["throttled"])
    selected = [key for key in os.environ.get("BENCH_HTTP_ROWS", "").split(",") if key]
    rows = [row for row in _rows(members) if not selected or row[0] in selected]
    env = _env()
    profiles = ROOT / "var" / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    summary: dict[str, dict[str, float]] = {}

    for index, kind in enumerate(SERVERS):
        if index:
            # Access tokens live 15 minutes: fresh ones for each server.
            members = _members()
            rows = [row for row in _rows(members) if not selected or row[0] in selected]
        project_app, bare_app = _apps(kind)
        results: dict[str, list[dict]] = {}
        with serve(kind, bare_app, env, "/") as server:
            results["bare"] = [
                measure(server, {"variants": [{}], "path": "/", "method": "GET"})
                for _ in range(REPEATS)
            ]
        with serve(kind, project_app, env, "/api/v1/bench/static/") as server:
            for _repeat in range(REPEATS):
                for key, _name, spec in rows:
                    if key == "429":
                        _spend_window(members["ids"]["throttled"])
                    results.setdefault(key, []).append(measure(server, spec))
            if PROFILE and index == 0:
                for key, _name, spec in rows:
                    out = profiles / f"http-{kind}-{key}.txt"
                    measure(server, spec, profile_to=out)
                    print(f"  profile {kind} {key}: {out.relative_to(ROOT)}", flush=True)
                    for label, share in profile_breakdown([out], PROFILE_BUCKETS)[:8]:
                        print(f"      {share:5.1f}%  {label}", flush=True)

        def cpu(key: str, results: dict = results) -> float:
            return statistics.median(r["cpu_ms"] for r in results[key])

        bare, static = cpu("bare"), cpu("static")
        load = "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        shape = f"{kind}, {WORKERS} workers, {CONNECTIONS} conns, {REPEATS}×{WINDOW:.0f}s"
        report.add(f"{kind}: bare app, CPU per request", bare, "ms", note=shape)
        summary.setdefault(kind, {})["bare"] = bare
        for key, name, _spec in rows:
            if key not in results:
                continue
            value = cpu(key)
            summary[kind][key] = value
            statuses: Counter = Counter()
            for result in results[key]:
                statuses.update(result["statuses"])
            wanted = str(EXPECTED.get(key, 200))
            bad = sum(count for status, count in statuses.items() if status != wanted)
            rps = statistics.median(r["rps"] for r in results[key])
            p50 = statistics.median(r["p50"] or 0 for r in results[key]) * 1000
            note = f"{rps:.0f} req/s, p50 {p50:.1f} ms, {load}"
            if bad:
                note += f", {bad} answers not {wanted}: {dict(statuses)}"
            if key == "static":
                report.add(
                    f"{kind}: {name}, CPU per request",
                    value,
                    "ms",
                    floor=bare,
                    floor_name="bare app",
                    note=note,
                )
                continue
            report.add(
                f"{kind}: {name}, CPU per request",
                value,
                "ms",
                floor=static,
                floor_name="static JSON view",
                note=f"{value / bare:.0f}× bare; {note}",
            )
    Path(ROOT / "var" / "bench-http.json").write_text(json.dumps(summary, indent=2))
    offers_floor_run(report, selected)


# --- the offers list beside its SQL + JSON floor, and categories beside the peer (issue 18) ------
# A server of the production shape (gunicorn gthread) of its own, with the floor view mounted
# (serving/offers_floor.py) and the page cache off, so the anonymous list runs its SQL every time.
# Rows: offers-floor, offers-miss, offers-auth-miss, categories (16 connections, the peer's load).
PEER_CATEGORIES_RPS = float(os.environ.get("BENCH_PEER_CATEGORIES_RPS", "130"))
FLOOR_KEYS = ("offers-floor", "offers-miss", "offers-auth-miss", "categories")


def offers_floor_run(report, selected: list[str]) -> None:
    keys = [key for key in FLOOR_KEYS if not selected or key in selected]
    kind = "gunicorn-gthread"
    if not keys or kind not in SERVERS:
        return
    members = _members()
    auth = {
        "Authorization": f"Bearer {members['tokens']['payee']}",
        "Accept": "application/json",
    }
    specs = {
        "static": {"variants": [{}], "path": "/api/v1/bench/static/", "method": "GET"},
        "offers-floor": {"variants": [{}], "path": "/api/v1/bench/offers-floor/", "method": "GET"},
        "offers-miss": {"variants": [{}], "path": "/api/v1/offers/", "method": "GET"},
        "offers-auth-miss": {
            "variants": [{}],
            "path": "/api/v1/offers/",
            "method": "GET",
            "headers": auth,
        },
        "categories": {
            "variants": [{}],
            "path": "/api/v1/categories/",
            "method": "GET",
            "connections": 16,
        },
    }
    env = {
        **_env(),
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.serving.floor_settings",
        "PUBLIC_PAGE_CACHE_SECONDS": "0",
    }
    results: dict[str, list[dict]] = {}
    with serve(kind, _apps(kind)[0], env, "/api/v1/bench/static/") as server:
        for _repeat in range(REPEATS):
            for key in ("static", *keys):
                results.setdefault(key, []).append(measure(server, specs[key]))
        if PROFILE:
            for key in keys:
                out = ROOT / "var" / "profiles" / f"http-{kind}-{key}.txt"
                measure(server, specs[key], profile_to=out)
                print(f"  profile {kind} {key}: {out.relative_to(ROOT)}", flush=True)
                for label, share in profile_breakdown([out], PROFILE_BUCKETS)[:8]:
                    print(f"      {share:5.1f}%  {label}", flush=True)

    def median(key: str, field: str = "cpu_ms") -> float:
        return statistics.median(r[field] for r in results[key])

    load = "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    static = median("static")
    report.add(f"{kind} (page cache off): static JSON view, CPU per request", static, "ms")
    floor = median("offers-floor") if "offers-floor" in results else None
    names = {
        "offers-floor": "offers/ SQL + JSON floor (its statements, bare cursor, json.dumps)",
        "offers-miss": "GET offers/ anonymous, not cached",
        "offers-auth-miss": "GET offers/ signed in",
        "categories": "GET categories/ (16 connections)",
    }
    for key in keys:
        value, rps = median(key), median(key, "rps")
        bad = sum(
            count
            for result in results[key]
            for status, count in result["statuses"].items()
            if status != "200"
        )
        note = f"{value / static:.1f}× static view ({static:.2f}); {rps:.0f} req/s; {load}"
        if key == "categories":
            note += f"; {rps / PEER_CATEGORIES_RPS:.1f}× the peer's {PEER_CATEGORIES_RPS:.0f} req/s"
        if bad:
            note += f"; {bad} answers not 200"
        if key in {"offers-miss", "offers-auth-miss"} and floor:
            report.add(
                f"{kind}: {names[key]}, CPU per request",
                value,
                "ms",
                floor=floor,
                floor_name="SQL + JSON floor",
                note=note,
            )
        else:
            report.add(f"{kind}: {names[key]}, CPU per request", value, "ms", note=note)


if __name__ == "__main__":
    _client_main(sys.argv[1])
