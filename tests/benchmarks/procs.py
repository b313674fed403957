"""Write benchmarks driven from processes, not threads (docs/benchmarks.md, "Writes").

Threads in one interpreter are GIL-bound: at 8-32 threads the old ledger bench never used more
than one core (docs/pitfalls.md, "benchmarks in threads"). Here every client is a forked process
with its own database connection; all start together on a barrier and stop at a deadline; each
variant runs ``BENCH_REPEATS`` times (default 3) for ``BENCH_SECONDS`` (default 10 s) and the
variants of one client count are interleaved, so a floor and its figure see the same machine.

Durability: every connection sets ``synchronous_commit = on``. ``fsync`` is a server-wide setting
(scripts/services turns it off for the test server): it is recorded with every run, and the
report says when the figures are not durable.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SESSION_OPTIONS = "-c synchronous_commit=on"

# A client is ``setup() -> state`` (in the child, after fork) and ``step(state, index, n) -> int``
# (one unit of work; returns how many units succeeded, 0 for a refusal).
Client = tuple[Callable[[], Any], Callable[[Any, int, int], int]]


@dataclass
class Sample:
    rates: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0

    def spread(self) -> str:
        if not self.rates:
            return "no sample"
        return f"range {min(self.rates):.0f}-{max(self.rates):.0f} over {len(self.rates)} runs"


def conninfo() -> str:
    """The bench database's URL with ``synchronous_commit = on`` for the session."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        options=SESSION_OPTIONS,
    )


def django_durable_single_connection() -> None:
    """One plain persistent connection per process (no pool), ``synchronous_commit = on``.

    Call in the parent before forking: the parent's connection is closed so no child shares it.
    """
    from django.db import connection

    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options.pop("pool", None)
    options["options"] = SESSION_OPTIONS
    connection.settings_dict["CONN_MAX_AGE"] = None


def server_settings() -> dict[str, str]:
    import psycopg

    with psycopg.connect(conninfo(), autocommit=True) as conn:
        return {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # noqa: S608 - fixed names
            for name in ("fsync", "synchronous_commit", "full_page_writes", "server_version")
        }


def durability_note(settings: dict[str, str]) -> str:
    note = f"fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}"
    if settings["fsync"] != "on":
        note += " (NOT durable: the server runs with fsync off; see docs/benchmarks.md)"
    return note


def _child(client: Client, index: int, clients: int, barrier: Any, deadline: Any, out: Any) -> None:
    setup, step = client
    done = errors = 0
    try:
        try:
            state = setup()
        except BaseException:
            traceback.print_exc()
            barrier.abort()
            raise
        # One untimed unit first: imports, plan caches, the first broker and layer connections
        # are a process's start-up cost, not the path's.
        step(state, index, clients)
        barrier.wait()  # everyone is ready ...
        barrier.wait()  # ... and the parent has set the deadline
        end = deadline.value
        while time.time() < end:
            try:
                done += step(state, index, clients)
            except Exception:  # noqa: BLE001 - counted and reported
                if not errors:
                    traceback.print_exc()  # the first one, so a broken bench says why
                errors += 1
    finally:
        out.put((done, errors))


def measure(client: Client, clients: int, seconds: float = SECONDS) -> tuple[float, int]:
    """Run ``clients`` processes of ``client`` for ``seconds``: (units per second, errors)."""
    from django.db import connection

    connection.close()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients + 1)
    deadline = context.Value("d", 0.0)
    out = context.Queue()
    processes = [
        context.Process(target=_child, args=(client, i, clients, barrier, deadline, out))
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=300)
    started = time.time()
    deadline.value = started + seconds
    barrier.wait(timeout=60)
    results = [out.get(timeout=seconds + 120) for _ in processes]
    elapsed = time.time() - started
    for process in processes:
        process.join(timeout=30)
    done = sum(result[0] for result in results)
    return done / elapsed, sum(result[1] for result in results)


def interleaved(
    variants: dict[str, Client], clients: int, repeats: int = REPEATS
) -> dict[str, Sample]:
    """Measure every variant ``repeats`` times, interleaved (A B C A B C …)."""
    samples = {name: Sample() for name in variants}
    for _ in range(repeats):
        for name, client in variants.items():
            rate, errors = measure(client, clients)
            samples[name].rates.append(rate)
            samples[name].errors += errors
    return samples


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count()} CPUs"
