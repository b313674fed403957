"""Points ledger: transfers per second on 10 hot wallets from 1, 8 and 32 processes, two floors.

Every client is a process with its own connection (tests/benchmarks/procs.py) that moves one
point between two random wallets of the same ten, as fast as it can, for ``BENCH_SECONDS``
(10 s), three interleaved repeats (median and range). In the same run, with the same number of
processes:

- the minimal floor: lock two hot rows ``FOR NO KEY UPDATE``, update both, insert a journal row,
  with psycopg on tables of their own (five round trips with BEGIN and COMMIT);
- the service's own SQL: the exact statement ``rewards.services.points_transfer`` sends on
  PostgreSQL (``SELECT … FROM rewards_ledger_post(…)``, one round trip, autocommit) with psycopg;
- the ORM path's SQL (what the service sent before rewards/0005): BEGIN, the locking SELECT, the
  transfer INSERT, the entries INSERT, the balances ``UPDATE … CASE``, COMMIT;
- the service itself, ``points_transfer`` through Django (DEBUG off).

Afterwards every wallet must hold its starting balance plus what the successful moves say (lost
or duplicated points: must be 0) and ``ledger_audit`` must find nothing.
"""

from __future__ import annotations

import os
import random
from typing import Any

from tests.benchmarks import procs

WALLETS = 10
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "1,8,32").split(","))
START_BALANCE = 1_000_000


def run(report: Any) -> None:
    from django.conf import settings
    from django.db import connection

    wallet_users = _hot_wallets()
    user_ids = [user.pk for user in wallet_users]
    with connection.cursor() as cursor:
        _raw_tables(cursor)
        cursor.execute("SELECT to_regproc('rewards_ledger_post') IS NOT NULL")
        has_function = cursor.fetchone()[0]
        cursor.execute(
            "SELECT user_id, id FROM rewards_ledgeraccount WHERE user_id = ANY(%s)", [user_ids]
        )
        account_ids = dict(cursor.fetchall())
    server = procs.server_settings()
    procs.django_durable_single_connection()
    report.add(
        "ledger bench: DEBUG off, processes, windows (s)",
        procs.SECONDS,
        "s",
        note=f"{procs.REPEATS} repeats; {procs.durability_note(server)}; "
        f"DEBUG={settings.DEBUG}; load before {procs.load()}",
    )
    before = _wallet_balances(user_ids)

    for clients in CLIENTS:
        variants = {"minimal": _minimal_client()}
        if has_function:
            variants["own_sql"] = _function_client(user_ids)
        variants["orm_sql"] = _orm_sql_client(user_ids, account_ids)
        variants["service"] = _service_client(wallet_users)
        samples = procs.interleaved(variants, clients)
        floor = samples["minimal"].median
        report.add(
            f"minimal floor (lock 2 hot rows + journal), {clients} processes",
            floor,
            "tx/s",
            note=samples["minimal"].spread(),
        )
        if has_function:
            report.add(
                f"rewards_ledger_post via psycopg (the service's SQL), {clients} processes",
                samples["own_sql"].median,
                "tx/s",
                floor=floor,
                floor_name="minimal floor",
                note=samples["own_sql"].spread(),
            )
        report.add(
            f"ORM path's 6 statements via psycopg (before), {clients} processes",
            samples["orm_sql"].median,
            "tx/s",
            floor=floor,
            floor_name="minimal floor",
            note=samples["orm_sql"].spread(),
        )
        own = samples["own_sql"] if has_function else samples["orm_sql"]
        service = samples["service"]
        report.add(
            f"points_transfer, {WALLETS} hot wallets, {clients} processes",
            service.median,
            "tx/s",
            floor=own.median,
            floor_name="its own SQL via psycopg",
            note=f"{service.spread()}; {service.median / floor:.2f}× the minimal floor; "
            f"errors {service.errors}",
        )

    after = _wallet_balances(user_ids)
    report.add(
        "points in the hot wallets, before minus after",
        sum(before) - sum(after),
        "points",
        note="must be 0: transfers only move points between the ten wallets",
    )
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
        note=f"{audit.entries} entries checked; must be 0; load after {procs.load()}",
    )


def _pair(rng: random.Random) -> tuple[int, int]:
    source, target = rng.sample(range(WALLETS), 2)
    return source, target


# --- the service ---------------------------------------------------------------------------------


def _service_client(users: list) -> procs.Client:
    def setup() -> random.Random:
        return random.Random(os.getpid())  # noqa: S311 - benchmark traffic

    def step(rng: random.Random, _index: int, _clients: int) -> int:
        from rewards.services import points_transfer

        source, target = _pair(rng)
        points_transfer(source=users[source], target=users[target], amount=1, reason="transfer")
        return 1

    return setup, step


def _function_client(user_ids: list[int]) -> procs.Client:
    """The exact statement and parameters ``rewards.services._post_sql`` sends, through psycopg."""

    def setup() -> tuple[Any, random.Random]:
        import psycopg

        return (
            psycopg.connect(procs.conninfo(), autocommit=True),
            random.Random(os.getpid()),  # noqa: S311 - benchmark traffic
        )

    def step(state: tuple[Any, random.Random], _index: int, _clients: int) -> int:
        from django.conf import settings
        from django.utils import timezone

        from rewards.services import LEDGER_POST_SQL, _day_start

        conn, rng = state
        source, target = _pair(rng)
        row = conn.execute(
            LEDGER_POST_SQL,
            [
                ["wallet", "wallet"],
                [user_ids[source], user_ids[target]],
                ["", ""],
                [-1, 1],
                "transfer",
                "",
                "",
                None,
                None,
                timezone.now(),
                0,
                1,  # p_spend_leg (rewards/0008): the source wallet spends
                settings.WALLET_DAILY_SPEND_LIMIT,
                _day_start(timezone.now()),
                2,  # p_cap_leg: the target's maximum balance
                settings.WALLET_MAX_BALANCE,
            ],
        ).fetchone()
        return 1 if row[0] == "ok" else 0

    return setup, step


def _orm_sql_client(user_ids: list[int], account_ids: dict[int, int]) -> procs.Client:
    """The ORM path's statements (``_post_orm`` for a transfer between existing wallets)."""

    def setup() -> tuple[Any, random.Random]:
        import psycopg

        return (
            psycopg.connect(procs.conninfo()),
            random.Random(os.getpid()),  # noqa: S311 - benchmark traffic
        )

    def step(state: tuple[Any, random.Random], _index: int, _clients: int) -> int:
        from django.utils import timezone

        conn, rng = state
        source, target = _pair(rng)
        users = [user_ids[source], user_ids[target]]
        now = timezone.now()
        with conn.transaction():
            rows = conn.execute(
                "SELECT id, kind, user_id, reference, balance, created_at, updated_at"
                " FROM rewards_ledgeraccount WHERE (kind = 'wallet' AND reference = ''"
                " AND user_id = %s) OR (kind = 'wallet' AND reference = '' AND user_id = %s)"
                " ORDER BY id FOR NO KEY UPDATE",
                users,
            ).fetchall()
            balance = {row[2]: (row[0], row[4]) for row in rows}
            (source_id, source_balance), (target_id, target_balance) = (
                balance[users[0]],
                balance[users[1]],
            )
            transfer_id = conn.execute(
                "INSERT INTO rewards_transfer (reason, description, reference, idempotency_key,"
                " initiated_by_id, reverses_id, created_at) VALUES ('transfer', '', '', NULL,"
                " NULL, NULL, %s) RETURNING id",
                [now],
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO rewards_entry (transfer_id, account_id, amount, balance_after,"
                " created_at) SELECT * FROM UNNEST(%s::bigint[], %s::bigint[], %s::bigint[],"
                " %s::bigint[], %s::timestamptz[]) RETURNING id",
                [
                    [transfer_id, transfer_id],
                    [source_id, target_id],
                    [-1, 1],
                    [source_balance - 1, target_balance + 1],
                    [now, now],
                ],
            )
            conn.execute(
                "UPDATE rewards_ledgeraccount SET balance = CASE WHEN id = %s THEN balance + -1"
                " WHEN id = %s THEN balance + 1 ELSE NULL END, updated_at = %s"
                " WHERE id IN (%s, %s)",
                [source_id, target_id, now, source_id, target_id],
            )
        return 1

    return setup, step


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


def _wallet_balances(user_ids: list[int]) -> list[int]:
    import psycopg

    with psycopg.connect(procs.conninfo()) as conn:
        rows = conn.execute(
            "SELECT balance FROM rewards_ledgeraccount WHERE user_id = ANY(%s) ORDER BY user_id",
            [user_ids],
        ).fetchall()
    return [row[0] for row in rows]


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


# --- the minimal floor: raw SQL with psycopg -----------------------------------------------------


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


def _minimal_client() -> procs.Client:
    def setup() -> tuple[Any, random.Random]:
        import psycopg

        return (
            psycopg.connect(procs.conninfo()),
            random.Random(os.getpid()),  # noqa: S311 - benchmark traffic
        )

    def step(state: tuple[Any, random.Random], _index: int, _clients: int) -> int:
        conn, rng = state
        source, target = _pair(rng)
        source_id, target_id = source + 1, target + 1
        with conn.transaction():
            rows = conn.execute(
                "SELECT id, balance FROM bench_ledger_account WHERE id = ANY(%s)"
                " ORDER BY id FOR NO KEY UPDATE",
                [[source_id, target_id]],
            ).fetchall()
            if dict(rows)[source_id] < 1:
                return 0
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
        return 1

    return setup, step
