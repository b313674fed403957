"""Points ledger: transfers per second under contention (10 hot wallets), lost or duplicated points.

Every worker thread moves one point between two random wallets of the same ten, as fast as it
can, for a fixed time; 1, 8 and 32 workers. The figure is ``rewards.services.points_transfer``
(lock both wallets in primary-key order, transfer + two entries + two balance updates), against a
floor measured moments before in the same run: the same two-row locked update plus a journal
insert written with psycopg directly, with the same number of connections on the same ten rows.

Afterwards every wallet must hold exactly its starting balance plus what the successful
transfers say: the sum of the differences is reported as lost or duplicated points (must be 0),
and ``ledger_audit`` must find nothing.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

WALLETS = 10
WORKERS = (1, 8, 32)
SECONDS = 3.0
START_BALANCE = 1_000_000


def run(report: Any) -> None:
    from django.db import connection

    _widen_pool(max(WORKERS) + 4)
    wallet_users = _hot_wallets()
    with connection.cursor() as cursor:
        _raw_tables(cursor)

    for workers in WORKERS:
        floor_rate, floor_drift, floor_errors = _measure(workers, _raw_worker_factory())
        rate, drift, errors = _measure(workers, _service_worker_factory(wallet_users))
        report.add(f"raw SQL floor, {WALLETS} hot rows, {workers} connections", floor_rate, "tx/s")
        report.add(
            f"points_transfer, {WALLETS} hot wallets, {workers} workers",
            rate,
            "tx/s",
            floor=floor_rate,
            floor_name="raw SQL transfer",
        )
        report.add(
            f"lost or duplicated points, {workers} workers",
            drift,
            "points",
            note=f"must be 0; raw SQL floor {floor_drift}; errors {errors}/{floor_errors}",
        )

    rate, drift, errors = _measure(8, _service_worker_factory(wallet_users, keyed=True))
    report.add(
        f"points_transfer with idempotency keys, {WALLETS} hot wallets, 8 workers",
        rate,
        "tx/s",
    )
    report.add("lost or duplicated points, keyed, 8 workers", drift, "points", note="must be 0")

    from rewards.selectors import ledger_audit_report

    audit = ledger_audit_report()
    problems = (
        len(audit.balance_mismatches)
        + len(audit.sign_violations)
        + len(audit.unbalanced_transfers)
        + len(audit.running_balance_mismatches)
        + (audit.total_balance != 0)
    )
    report.add(
        "ledger_audit problems after the run",
        problems,
        "count",
        note=f"{audit.entries} entries checked; must be 0",
    )


# --- measuring -----------------------------------------------------------------------------------

# A worker factory returns (setup, move, balances): ``setup()`` opens per-thread resources and
# returns a state, ``move(state, source_index, target_index)`` moves one point and returns True on
# success, ``balances()`` reads the ten balances in wallet order.
WorkerFactory = tuple[Callable[[], Any], Callable[[Any, int, int], bool], Callable[[], list[int]]]


def _measure(workers: int, factory: WorkerFactory) -> tuple[float, int, int]:
    setup, move, balances = factory
    before = balances()
    barrier = threading.Barrier(workers + 1)
    counts: list[Counter] = [Counter() for _ in range(workers)]
    done = [0] * workers
    errors = [0] * workers
    deadline = [0.0]

    def work(index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - benchmark traffic
        state = setup()
        try:
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                source, target = rng.sample(range(WALLETS), 2)
                try:
                    moved = move(state, source, target)
                except Exception:  # noqa: BLE001 - counted and reported
                    errors[index] += 1
                    continue
                if moved:
                    counts[index][source] -= 1
                    counts[index][target] += 1
                    done[index] += 1
        finally:
            _teardown(state)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + SECONDS
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    expected = Counter(dict(enumerate(before)))
    for count in counts:
        expected.update(count)
    after = balances()
    drift = sum(abs(after[i] - expected[i]) for i in range(WALLETS))
    return sum(done) / elapsed, drift, sum(errors)


def _teardown(state: Any) -> None:
    from django.db import connection

    if hasattr(state, "close"):
        state.close()
    connection.close()


# --- the service ---------------------------------------------------------------------------------


def _service_worker_factory(users: list, *, keyed: bool = False) -> WorkerFactory:
    from rewards.selectors import wallet_balance
    from rewards.services import points_transfer

    sequence = iter(range(10**12))
    lock = threading.Lock()
    run_id = f"{time.time_ns()}"

    def move(_state: Any, source: int, target: int) -> bool:
        key = None
        if keyed:
            with lock:
                key = f"bench:{run_id}:{next(sequence)}"
        points_transfer(
            source=users[source],
            target=users[target],
            amount=1,
            reason="transfer",
            idempotency_key=key,
        )
        return True

    def balances() -> list[int]:
        return [wallet_balance(user=user) for user in users]

    return (lambda: None), move, balances


def _hot_wallets() -> list:
    from accounts.models import User
    from rewards.services import points_grant

    admin, _created = User.objects.get_or_create(
        email="bench-ledger-admin@bench.invalid",
        defaults={"is_staff": True, "is_superuser": True},
    )
    users = []
    for index in range(WALLETS):
        user, _created = User.objects.get_or_create(email=f"bench-ledger-{index}@bench.invalid")
        points_grant(
            user=user,
            amount=START_BALANCE,
            reason="benchmark funds",
            granted_by=admin,
            idempotency_key=f"bench:ledger:grant:{index}",
        )
        users.append(user)
    return users


def _widen_pool(size: int) -> None:
    """Let every worker hold its own connection (the default pool allows 10)."""
    from django.db import connection

    options = connection.settings_dict.setdefault("OPTIONS", {})
    pool = options.get("pool")
    if not pool:
        return
    pool = dict(pool) if isinstance(pool, dict) else {}
    if pool.get("max_size", 0) >= size:
        return
    connection.close()
    connection.close_pool()
    options["pool"] = {**pool, "min_size": 1, "max_size": size, "timeout": 30}


# --- the floor: raw SQL with psycopg -------------------------------------------------------------


def _raw_tables(cursor: Any) -> None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_ledger_account ("
        " id bigint PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))"
    )
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_ledger_journal ("
        " id bigserial PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL,"
        " amount bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
    )
    cursor.execute("TRUNCATE bench_ledger_journal")
    cursor.execute("DELETE FROM bench_ledger_account")
    cursor.execute(
        "INSERT INTO bench_ledger_account (id, balance) SELECT g, %s FROM generate_series(1, %s) g",
        [START_BALANCE, WALLETS],
    )


def _raw_url() -> str:
    import os

    return os.environ["DATABASE_URL"]


def _raw_worker_factory() -> WorkerFactory:
    import psycopg

    def setup() -> Any:
        return psycopg.connect(_raw_url())

    def move(conn: Any, source: int, target: int) -> bool:
        source_id, target_id = source + 1, target + 1
        with conn.transaction():
            rows = conn.execute(
                "SELECT id, balance FROM bench_ledger_account WHERE id = ANY(%s)"
                " ORDER BY id FOR NO KEY UPDATE",
                [[source_id, target_id]],
            ).fetchall()
            if dict(rows)[source_id] < 1:
                return False
            conn.execute(
                "UPDATE bench_ledger_account SET balance = balance - 1 WHERE id = %s", [source_id]
            )
            conn.execute(
                "UPDATE bench_ledger_account SET balance = balance + 1 WHERE id = %s", [target_id]
            )
            conn.execute(
                "INSERT INTO bench_ledger_journal (source, target, amount) VALUES (%s, %s, 1)",
                [source_id, target_id],
            )
        return True

    def balances() -> list[int]:
        with psycopg.connect(_raw_url()) as conn:
            rows = conn.execute("SELECT balance FROM bench_ledger_account ORDER BY id").fetchall()
        return [row[0] for row in rows]

    return setup, move, balances
