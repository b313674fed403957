"""One headless Locust run, through Locust's library API, in a process of its own.

``python -m tests.benchmarks.load.drive --host URL --users N --seconds S --user-class NAME
--out FILE.json`` spawns ``N`` users of ``locustfile.NAME``, waits until every member has signed
in (the ramp: sign-ins hash a password each and are reported apart), resets the statistics, runs
the measured window of ``S`` seconds, and writes what it measured: requests, req/s, p50/p99 (ms)
over all requests and per request name, and every failure with its count. The environment of
``locustfile.py`` (``LOAD_FIRST_MEMBER``, ``LOAD_IP_BLOCK`` …) is read from this process's.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment

from tests.benchmarks.load import locustfile

RAMP_TIMEOUT = 420.0


def _entry(stats: Any) -> dict[str, Any]:
    return {
        "requests": stats.num_requests,
        "failures": stats.num_failures,
        "p50": stats.get_response_time_percentile(0.5) if stats.num_requests else None,
        "p99": stats.get_response_time_percentile(0.99) if stats.num_requests else None,
        "mean": stats.avg_response_time if stats.num_requests else None,
    }


def run(host: str, users: int, seconds: float, user_class: str, spawn_rate: float) -> dict:
    environment = Environment(user_classes=[getattr(locustfile, user_class)], host=host)
    runner = environment.create_local_runner()
    ramp_started = time.monotonic()
    runner.start(users, spawn_rate=spawn_rate)
    signs_in = user_class == "SkillSwapMember"
    while time.monotonic() - ramp_started < RAMP_TIMEOUT:
        gevent.sleep(0.5)
        spawned = runner.state not in ("ready", "spawning")
        if not signs_in and spawned:
            break
        done = locustfile.SIGNED_IN["count"] + locustfile.SIGNED_IN["failed"]
        if spawned and done >= users:
            break
    ramp = time.monotonic() - ramp_started
    ramp_stats = {entry.name: _entry(entry) for entry in environment.stats.entries.values()}
    ramp_errors = [
        {"method": e.method, "name": e.name, "error": str(e.error), "count": e.occurrences}
        for e in environment.stats.errors.values()
    ]
    if not signs_in:
        gevent.sleep(2.0)  # the floors warm up too: first connections are not the path
    environment.stats.reset_all()
    window_started = time.monotonic()
    gevent.sleep(seconds)
    window = time.monotonic() - window_started
    total = environment.stats.total
    result = {
        "host": host,
        "users": users,
        "user_class": user_class,
        "window": window,
        "ramp": ramp,
        "signed_in": locustfile.SIGNED_IN["count"],
        "sign_in_failed": locustfile.SIGNED_IN["failed"],
        # req/s counts the answers that were not failures: a 502 from a proxy with no live
        # replica is fast, and would otherwise pass for throughput.
        "total": {
            **_entry(total),
            "rps": (total.num_requests - total.num_failures) / window if window else 0.0,
        },
        "rows": {
            entry.name: {
                **_entry(entry),
                "rps": (entry.num_requests - entry.num_failures) / window if window else 0.0,
            }
            for entry in environment.stats.entries.values()
        },
        "errors": [
            {"method": e.method, "name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in environment.stats.errors.values()
        ],
        "ramp_rows": ramp_stats,
        "ramp_errors": ramp_errors,
    }
    runner.quit()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--user-class", default="SkillSwapMember")
    parser.add_argument("--spawn-rate", type=float, default=0.0)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    spawn_rate = options.spawn_rate or float(min(options.users, 32))
    result = run(
        options.host.rstrip("/"), options.users, options.seconds, options.user_class, spawn_rate
    )
    Path(options.out).write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
