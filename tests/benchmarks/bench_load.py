"""Under load: Locust's member mix against `make cluster`, two replicas and one, beside floors.

Needs the cluster (``make cluster``) answering at ``CLUSTER_URL`` (default
``http://127.0.0.1:8080/``); without it this bench prints one line and reports nothing. Its
database (``${DATABASE_URL%/*}/${CLUSTER_DATABASE:-skillswap_cluster}``) is seeded with
``manage.py seed_scale`` (``BENCH_LOAD_SEED_USERS`` 10,000 members, ``BENCH_LOAD_SEED_OFFERS``
100,000 offers) when it holds no scale members yet.

For each user count of ``BENCH_LOAD_USERS`` (default 16,64,256) four headless Locust runs, each
in a process of its own (``tests/benchmarks/load/drive.py``): the floors first, the proxy serving
a static file (``/static/css/site.css``) and one replica serving ``/api/v1/health/`` on its own
port (``BENCH_LOAD_REPLICA_URL``, default the proxy's port + 1), then the member mix
(``tests/benchmarks/load/locustfile.py``) through the proxy to two replicas (``CLUSTER_URL``)
and through the single-replica door (``BENCH_LOAD_ONE_REPLICA_URL``, default the proxy's port +
100). Every run signs its members in first, ``BENCH_LOAD_SPAWN_RATE`` a second (default 2; the
ramp, reported apart), then measures a window of ``BENCH_LOAD_SECONDS`` (default 20). Each run
takes members no earlier run of the hour used and its own block of loopback addresses (one per
simulated user), so no member's or address's throttle window carries over.

Reports p50/p99 (ms) and req/s per target and user count, the scale-out ratio (two replicas'
req/s ÷ one's) and the failures (each kind printed; there must be none), and writes the
"Under load" section of docs/benchmarks.md (between ``<!-- load:begin -->`` and
``<!-- load:end -->``) and docs/benchmarks-load.png.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks-load.png"
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
HEADING = "## Under load (make cluster + Locust)"

CLUSTER_URL = os.environ.get("CLUSTER_URL", "http://127.0.0.1:8080/")
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
USERS = [int(n) for n in os.environ.get("BENCH_LOAD_USERS", "16,64,256").split(",") if n]
SEED_USERS = int(os.environ.get("BENCH_LOAD_SEED_USERS", "10000"))
SEED_OFFERS = int(os.environ.get("BENCH_LOAD_SEED_OFFERS", "100000"))
STATIC_PATH = os.environ.get("BENCH_LOAD_STATIC_PATH", "/static/css/site.css")
# Members signing in per second during the ramp: each sign-in hashes a password (PBKDF2, about
# 0.33 s of CPU here; docs/pitfalls.md), and a burst of them queues past the proxy's 60 s read
# timeout, after which nginx takes the replicas out for fail_timeout and answers 502.
SPAWN_RATE = float(os.environ.get("BENCH_LOAD_SPAWN_RATE", "2"))
SCALE_DOMAIN = "scale.skillswap.test"

TARGETS = {
    "two": "two replicas (proxy)",
    "one": "one replica (single-replica door)",
    "static": "floor: proxy, static file",
    "health": "floor: one replica, health/",
}


def _with_port(url: str, offset: int) -> str:
    parts = urlsplit(url)
    port = (parts.port or 80) + offset
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


def _urls() -> dict[str, str]:
    two = CLUSTER_URL.rstrip("/") + "/"
    return {
        "two": two,
        "one": os.environ.get("BENCH_LOAD_ONE_REPLICA_URL") or _with_port(two, 100),
        "static": two,
        "health": os.environ.get("BENCH_LOAD_REPLICA_URL") or _with_port(two, 1),
    }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own cluster
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


# --- the cluster's database --------------------------------------------------------------------


def cluster_database_url() -> str:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    return f"{base}/{os.environ.get('CLUSTER_DATABASE', 'skillswap_cluster')}"


def _scale_members(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM accounts_user WHERE email LIKE %s",
            [f"member%@{SCALE_DOMAIN}"],
        ).fetchone()
    return int(row[0])


def ensure_seeded(url: str) -> int:
    """The number of scale members in the cluster's database, seeding it first if it has none."""
    members = _scale_members(url)
    if members:
        return members
    print(
        f"  seeding the cluster's database: {SEED_USERS} members, {SEED_OFFERS} offers", flush=True
    )
    started = time.monotonic()
    subprocess.run(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            "manage.py",
            "seed_scale",
            "--users",
            str(SEED_USERS),
            "--offers",
            str(SEED_OFFERS),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return _scale_members(url)


# --- one run -----------------------------------------------------------------------------------


class Allocator:
    """Members and loopback address blocks for the runs of this invocation.

    Both start from the clock, so a bench run shortly after another one uses other members (the
    per-member hourly throttle) and other addresses (the per-address ones).
    """

    def __init__(self, members: int) -> None:
        self.members = members
        minute = int(time.time() // 60)
        self.next_member = 2 + (minute * 1024) % max(members - 600, 2) // 2 * 2
        self.block = int(time.time() // 20)

    def take(self, users: int) -> tuple[int, int]:
        if self.next_member + users > self.members:
            self.next_member = 2
        first = self.next_member
        self.next_member += users + users % 2
        self.block += 1
        return first, self.block % 254 + 1


def run_one(target: str, url: str, users: int, allocator: Allocator) -> dict[str, Any]:
    user_class = {"static": "StaticFloor", "health": "HealthFloor"}.get(target, "SkillSwapMember")
    first, block = allocator.take(users)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        environment = {
            **os.environ,
            "LOAD_FIRST_MEMBER": str(first),
            "LOAD_IP_BLOCK": str(block)
            if urlsplit(url).hostname in ("127.0.0.1", "localhost")
            else "",
            "LOAD_STATIC_PATH": STATIC_PATH,
        }
        completed = subprocess.run(  # noqa: S603 - our own driver
            [
                sys.executable,
                "-m",
                "tests.benchmarks.load.drive",
                "--host",
                url,
                "--users",
                str(users),
                "--seconds",
                str(SECONDS),
                "--user-class",
                user_class,
                "--spawn-rate",
                str(SPAWN_RATE if user_class == "SkillSwapMember" else min(users, 32)),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0 or not out.exists():
            print(completed.stderr[-2000:], flush=True)
            raise RuntimeError(f"the Locust run for {target} at {users} users failed")
        return json.loads(out.read_text("utf-8"))


# --- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(
            line
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{int(memory.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    commit = subprocess.run(  # noqa: S603 - git of this checkout
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "ram": ram,
        "commit": commit or "unknown",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


# --- the bench ---------------------------------------------------------------------------------


def run(report: Any) -> None:
    urls = _urls()
    if not _answers(urls["two"] + "api/v1/health/"):
        print(f"  no cluster answers at {urls['two']}: start `make cluster` first")
        return
    if not _answers(urls["one"] + "api/v1/health/"):
        print(f"  the single-replica door {urls['one']} does not answer: using replica 1 directly")
        urls["one"] = urls["health"]
    static_ok = _answers(urls["static"].rstrip("/") + STATIC_PATH)
    members = ensure_seeded(cluster_database_url())
    info = machine()
    load_before = _load()
    print(
        f"  {info['cores']} cores ({info['cpu']}), {info['ram']}, commit {info['commit']}, "
        f"{members} members; load before {load_before}",
        flush=True,
    )
    allocator = Allocator(members)
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for users in USERS:
        results[users] = {}
        order = ["static", "health", "two", "one"] if static_ok else ["health", "two", "one"]
        for target in order:
            result = run_one(target, urls[target], users, allocator)
            result["load"] = _load()
            results[users][target] = result
            total = result["total"]
            print(
                f"  {users:>4} users  {TARGETS[target]:<36} {total['rps']:8.1f} req/s  "
                f"p50 {total['p50'] or 0:6.0f} ms  p99 {total['p99'] or 0:6.0f} ms  "
                f"failures {total['failures']}  "
                f"(ramp {result['ramp']:.0f} s, load {result['load']})",
                flush=True,
            )
            for error in result["errors"] + result["ramp_errors"]:
                print(
                    f"      failure ×{error['count']}: {error['method']} {error['name']}: "
                    f"{error['error']}"
                )
        _report_users(report, users, results[users])
    load_after = _load()
    print(f"  load after {load_after}", flush=True)
    raw = ROOT / "var" / "bench-load.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"machine": info, "results": results}, indent=1), "utf-8")
    section = render_section(results, info, load_before, load_after, members)
    write_section(section)
    write_plot(results, PLOT)
    print(f"  wrote {DOC.relative_to(ROOT)} (Under load) and {PLOT.relative_to(ROOT)}", flush=True)


def _report_users(report: Any, users: int, runs: dict[str, dict[str, Any]]) -> None:
    static = runs.get("static", {}).get("total")
    health = runs["health"]["total"]
    for target, floor, floor_name in (
        ("two", static, "static via proxy"),
        ("one", health, "health on one replica"),
    ):
        total = runs[target]["total"]
        label = TARGETS[target].split(" (")[0]
        report.add(
            f"{users} users, {label}: req/s",
            total["rps"],
            "req/s",
            floor=floor["rps"] if floor else None,
            floor_name=floor_name,
            note=f"load {runs[target]['load']}",
        )
        report.add(
            f"{users} users, {label}: p50",
            total["p50"] or 0,
            "ms",
            floor=(floor["p50"] or None) if floor else None,
            floor_name=floor_name,
        )
        report.add(
            f"{users} users, {label}: p99",
            total["p99"] or 0,
            "ms",
            floor=(floor["p99"] or None) if floor else None,
            floor_name=floor_name,
        )
    report.add(
        f"{users} users, scale-out (two ÷ one replica req/s)",
        runs["two"]["total"]["rps"] / runs["one"]["total"]["rps"]
        if runs["one"]["total"]["rps"]
        else 0,
        "×",
    )
    failures = sum(
        run["total"]["failures"] + sum(error["count"] for error in run["ramp_errors"])
        for run in runs.values()
    )
    report.add(f"{users} users, failures (must be 0)", failures, "requests")


# --- docs/benchmarks.md and the plot -----------------------------------------------------------


def _cell(total: dict[str, Any] | None) -> tuple[str, str, str]:
    if not total:
        return "–", "–", "–"
    return f"{total['rps']:.1f}", f"{total['p50'] or 0:.0f}", f"{total['p99'] or 0:.0f}"


def render_section(
    results: dict[int, dict[str, dict[str, Any]]],
    info: dict[str, str],
    load_before: str,
    load_after: str,
    members: int,
) -> str:
    lines = [
        f"Measured {info['date']} at commit `{info['commit']}` by `make bench BENCH=load` against "
        f"`make cluster` on {info['cores']} cores ({info['cpu']}), {info['ram']} RAM, shared with "
        f"the load generator (one Locust process) and other work: load average {load_before} "
        f"before, {load_after} after. {members:,} seeded members, windows of {SECONDS:.0f} s after "
        "every member signed in; req/s counts the answers in the window that were not failures, "
        "p50/p99 (milliseconds) all of them.",
        "",
        "| users | two replicas req/s | p50 | p99 | one replica req/s | p50 | p99 | scale-out "
        "| floor: static via proxy req/s | p50 | p99 | floor: health/ on one replica req/s | p50 "
        "| p99 | failures | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for users, runs in results.items():
        two, one = runs["two"]["total"], runs["one"]["total"]
        ratio = f"{two['rps'] / one['rps']:.2f}×" if one["rps"] else "–"
        failures = sum(
            run["total"]["failures"] + sum(error["count"] for error in run["ramp_errors"])
            for run in runs.values()
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    str(users),
                    *_cell(two),
                    *_cell(one),
                    ratio,
                    *_cell(runs.get("static", {}).get("total")),
                    *_cell(runs["health"]["total"]),
                    str(failures),
                    runs["one"]["load"],
                ]
            )
            + " |"
        )
    lines += [
        "",
        "Sign-in during the ramp (`POST auth/login`, one per member, not in the window):",
        "",
    ]
    for users, runs in results.items():
        parts = []
        for target in ("two", "one"):
            row = runs[target]["ramp_rows"].get("POST auth/login")
            if row:
                parts.append(
                    f"{TARGETS[target].split(' (')[0]} p50 {row['p50']:.0f} ms, "
                    f"p99 {row['p99']:.0f} ms"
                )
        lines.append(
            f"- {users} users: " + "; ".join(parts) + f" (ramp {runs['two']['ramp']:.0f} s)"
        )
    largest = max(results)
    rows = results[largest]["two"]["rows"]
    lines += [
        "",
        f"Per request at {largest} users, two replicas:",
        "",
        "| request | count | req/s | p50 | p99 |",
        "|---|---|---|---|---|",
    ]
    answered = [item for item in rows.items() if item[1]["requests"]]
    for name, row in sorted(answered, key=lambda item: -item[1]["requests"]):
        lines.append(
            f"| `{name}` | {row['requests']} | {row['rps']:.1f} | {row['p50'] or 0:.0f} | "
            f"{row['p99'] or 0:.0f} |"
        )
    # One line per run, request and status: the proxy's error pages carry nothing more.
    grouped: dict[tuple[int, str, str, str], int] = {}
    for users, runs in results.items():
        for target, run in runs.items():
            for error in run["errors"] + run["ramp_errors"]:
                code = (error["error"].split() or ["?"])[0]
                key = (users, target, error["name"], code)
                grouped[key] = grouped.get(key, 0) + error["count"]
    lines += ["", "Failures (window and ramp): " + ("none." if not grouped else "")]
    for (users, target, name, code), count in grouped.items():
        lines.append(f"- {users} users, {TARGETS[target]}: `{name}` {code} ×{count}")
    lines += ["", "![Latency against concurrency](benchmarks-load.png)"]
    return "\n".join(lines)


def write_section(section: str, path: Path = DOC) -> None:
    """Replace what lies between the markers (adding the heading and markers once)."""
    text = path.read_text("utf-8")
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{section}\n{END}{tail}", "utf-8")


COLOURS = {
    "two": (31, 119, 180),
    "one": (214, 39, 40),
    "static": (44, 160, 44),
    "health": (148, 103, 189),
}


def write_plot(results: dict[int, dict[str, dict[str, Any]]], path: Path) -> None:
    """p50 (solid marks) and p99 (hollow marks) against users, one line per target, floors dashed;
    drawn with Pillow (already a dependency), logarithmic axes."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    width, height, left, right, top, bottom = 1000, 620, 90, 260, 50, 70
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    users = sorted(results)
    values = [
        run["total"][key]
        for runs in results.values()
        for run in runs.values()
        for key in ("p50", "p99")
        if run["total"][key]
    ]
    low = 10 ** math.floor(math.log10(max(min(values, default=1), 0.1)))
    high = 10 ** math.ceil(math.log10(max(values, default=10)))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(count: int) -> float:
        if len(users) == 1:
            return left + plot_w / 2
        span = math.log(users[-1]) - math.log(users[0])
        return left + plot_w * (math.log(count) - math.log(users[0])) / span

    def y_of(ms: float) -> float:
        ms = max(ms, low)
        return top + plot_h * (
            1 - (math.log10(ms) - math.log10(low)) / (math.log10(high) - math.log10(low))
        )

    draw.rectangle([left, top, left + plot_w, top + plot_h], outline=(0, 0, 0))
    decade = low
    while decade <= high:
        y = y_of(decade)
        draw.line([left, y, left + plot_w, y], fill=(225, 225, 225))
        draw.text((left - 8, y), f"{decade:g}", fill="black", font=font, anchor="rm")
        decade *= 10
    for count in users:
        x = x_of(count)
        draw.line([x, top, x, top + plot_h], fill=(235, 235, 235))
        draw.text((x, top + plot_h + 8), str(count), fill="black", font=font, anchor="mt")
    draw.text(
        (left + plot_w / 2, height - 25), "simulated users", fill="black", font=font, anchor="mm"
    )
    draw.text(
        (15, top - 30),
        "latency, ms (log scale): p50 filled marks, p99 hollow marks",
        fill="black",
        font=font,
    )

    def dashed(points: list[tuple[float, float]], colour: tuple[int, int, int]) -> None:
        for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
            length = math.hypot(x2 - x1, y2 - y1)
            steps = max(int(length // 8), 1)
            for step in range(0, steps, 2):
                a, b = step / steps, min((step + 1) / steps, 1)
                draw.line(
                    [
                        x1 + (x2 - x1) * a,
                        y1 + (y2 - y1) * a,
                        x1 + (x2 - x1) * b,
                        y1 + (y2 - y1) * b,
                    ],
                    fill=colour,
                    width=2,
                )

    legend_y = top
    for target in ("two", "one", "static", "health"):
        colour = COLOURS[target]
        present = [count for count in users if target in results[count]]
        if not present:
            continue
        for key, filled in (("p50", True), ("p99", False)):
            points = [
                (x_of(count), y_of(results[count][target]["total"][key] or low))
                for count in present
            ]
            if target in ("static", "health"):
                dashed(points, colour)
            else:
                draw.line(points, fill=colour, width=3 if filled else 2)
            for x, y in points:
                draw.ellipse(
                    [x - 4, y - 4, x + 4, y + 4],
                    fill=colour if filled else "white",
                    outline=colour,
                    width=2,
                )
        sample = [(left + plot_w + 15, legend_y + 8), (left + plot_w + 45, legend_y + 8)]
        if target in ("static", "health"):
            dashed(sample, colour)
        else:
            draw.line(sample, fill=colour, width=3)
        draw.text((left + plot_w + 52, legend_y), TARGETS[target], fill="black", font=font)
        legend_y += 26
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG", optimize=True)
