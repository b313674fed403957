"""Swaps: paid accepts per second from processes beside two floors, racing accepts, the list.

1. Accepting paid swaps that do not overlap, from 1 and 8 processes (tests/benchmarks/procs.py:
   each its own connection, ``BENCH_SECONDS`` windows, three interleaved repeats, median and
   range), ``exchanges.services.swap_accept`` (swap row lock, diary locks, overlap check, two
   bookings under the exclusion constraint, escrow hold through the ledger, notification, after
   commit the socket event and, when the member wants e-mail, the Celery publish). In the same
   run, with the same number of processes:
   - the minimal floor: two exclusion-checked booking inserts plus a two-row locked balance
     update, with psycopg on tables of their own;
   - the accept's own SQL: the statements ``swap_accept`` sends (6 round trips with BEGIN and
     COMMIT, pinned by tests/exchanges/test_swaps_accept_round_trips.py; the lock and booking
     statements are the service's own strings, ``exchanges.services.accepting``), with psycopg,
     on real pending swaps, without the after-commit work.
   ``BENCH_SERVER_SIDE_BINDING=1`` adds ``swap_accept`` with Django's
   ``OPTIONS["server_side_binding"]`` (psycopg binds on the server and prepares a statement
   after 5 runs) as a fourth variant of the same run.
2. 20 workers accept 20 mutually overlapping requests of one expert at once, 10 rounds: bookings
   that overlap afterwards (must be 0) and the time until every request has its answer.
3. ``GET swaps/?page_size=100`` for a member with 200 swaps: median time and query count.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from typing import Any

from tests.benchmarks import procs

CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_ACCEPT_CLIENTS", "1,8").split(","))
SWAPS_PER_PROCESS = int(os.environ.get("BENCH_SWAPS_PER_PROCESS", "1500"))
SERVER_SIDE_BINDING = os.environ.get("BENCH_SERVER_SIDE_BINDING", "") == "1"
PRICE = 10


def run(report: Any) -> None:
    from django.db import connection

    tag = uuid.uuid4().hex[:8]
    server = procs.server_settings()
    report.add(
        "accept bench: DEBUG off, processes, windows (s)",
        procs.SECONDS,
        "s",
        note=f"{procs.REPEATS} repeats; {procs.durability_note(server)}; load {procs.load()}",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('rewards_ledger_post') IS NOT NULL")
        has_function = cursor.fetchone()[0]
    for clients in CLIENTS:
        samples = {
            "minimal": procs.Sample(),
            "own_sql": procs.Sample(),
            "service": procs.Sample(),
            "server_binding": procs.Sample(),
        }
        for repeat in range(procs.REPEATS):
            variants = {"minimal": _minimal_client()}
            if has_function:
                variants["own_sql"] = _own_sql_client(_plans(clients, f"{tag}s{clients}{repeat}"))
            variants["service"] = _service_client(_plans(clients, f"{tag}v{clients}{repeat}"))
            if SERVER_SIDE_BINDING:
                variants["server_binding"] = _service_client(
                    _plans(clients, f"{tag}b{clients}{repeat}"), server_side_binding=True
                )
            procs.django_durable_single_connection()
            for name, client in variants.items():
                rate, errors = procs.measure(client, clients)
                samples[name].rates.append(rate)
                samples[name].errors += errors
        floor = samples["minimal"].median
        report.add(
            f"minimal floor: 2 bookings + 2 locked rows, {clients} processes",
            floor,
            "tx/s",
            note=samples["minimal"].spread(),
        )
        own = samples["own_sql"]
        if has_function:
            report.add(
                f"the accept's own SQL via psycopg (6 round trips), {clients} processes",
                own.median,
                "tx/s",
                floor=floor,
                floor_name="minimal floor",
                note=f"{own.spread()}; errors {own.errors}",
            )
        service = samples["service"]
        report.add(
            f"swap_accept (paid, no overlap), {clients} processes",
            service.median,
            "tx/s",
            floor=own.median if has_function else floor,
            floor_name="its own SQL via psycopg" if has_function else "minimal floor",
            note=f"{service.spread()}; {service.median / floor:.2f}× the minimal floor; "
            f"errors {service.errors}",
        )
        if SERVER_SIDE_BINDING:
            bound = samples["server_binding"]
            report.add(
                f"swap_accept with server-side binding, {clients} processes",
                bound.median,
                "tx/s",
                floor=service.median,
                floor_name="swap_accept with client-side binding",
                note=f"{bound.spread()}; errors {bound.errors}",
            )

    overlaps, seconds, winners = _overlap_race(tag)
    report.add(
        "overlapping bookings after 10 rounds of 20 racing accepts",
        overlaps,
        "count",
        note=f"must be 0; winners per round {sorted(set(winners))} (must be [1])",
    )
    report.add("time until 20 racing accepts are all answered (median)", seconds * 1000, "ms")

    median, queries = _list_latency(tag)
    report.add("GET swaps/?page_size=100 (200 swaps), median", median * 1000, "ms")
    report.add("GET swaps/?page_size=100, queries", queries, "count", note="constant in page size")
    connection.close()


def _plans(clients: int, tag: str) -> list[tuple[int, list[int]]]:
    """For each process: an expert and the ids of pending paid swaps it may accept, none
    overlapping (bulk-created: the request path is not what is measured)."""
    from django.utils import timezone

    from exchanges.models import Swap

    base = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    plans = []
    for index in range(clients):
        expert = _expert(f"bench-x-{tag}-{index}@example.test")
        requester = _funded(f"bench-r-{tag}-{index}@example.test", PRICE * SWAPS_PER_PROCESS)
        swaps = Swap.objects.bulk_create(
            Swap(
                requester=requester,
                responder=expert,
                kind=Swap.Kind.POINTS,
                points_amount=PRICE,
                title=f"Bench {number}",
                scheduled_start=base + dt.timedelta(hours=2 * number),
                scheduled_end=base + dt.timedelta(hours=2 * number, minutes=45),
            )
            for number in range(SWAPS_PER_PROCESS)
        )
        plans.append((expert.pk, [swap.pk for swap in swaps]))
    return plans


class _Cursor:
    def __init__(self) -> None:
        self.position = 0


def _service_client(
    plans: list[tuple[int, list[int]]], *, server_side_binding: bool = False
) -> procs.Client:
    def setup() -> Any:
        if server_side_binding:
            from django.db import connection

            # The child's own connection (the parent closed its one before forking).
            connection.close()
            connection.settings_dict["OPTIONS"]["server_side_binding"] = True
        return _Cursor()

    def step(cursor: _Cursor, index: int, _clients: int) -> int:
        from accounts.models import User
        from exchanges import services

        expert_id, swap_ids = plans[index]
        if cursor.position >= len(swap_ids):
            raise RuntimeError("out of swaps: raise BENCH_SWAPS_PER_PROCESS")
        if not hasattr(cursor, "expert"):
            cursor.expert = User.objects.get(pk=expert_id)
        services.swap_accept(swap=swap_ids[cursor.position], actor=cursor.expert)
        cursor.position += 1
        return 1

    return setup, step


_SWAP_COLUMNS: tuple[int, ...] = ()

# The statement of ``swap_accept`` that is not one of the service's own strings: the
# notification as the ORM writes it.
ACCEPT_SQL = {
    "notify": (
        "INSERT INTO messaging_notification (recipient_id, kind, title, body, related_type,"
        " related_id, data, is_read, read_at, emailed_at, created_at, updated_at)"
        " VALUES (%s, 'swap_accepted', 'Swap accepted', %s, 'swap', %s, %s, false, NULL, NULL,"
        " %s, %s) RETURNING id"
    ),
}


def _own_sql_client(plans: list[tuple[int, list[int]]]) -> procs.Client:
    """The statements ``swap_accept`` sends for a paid swap, through psycopg (no after-commit)."""

    def setup() -> tuple[Any, _Cursor]:
        import psycopg

        from exchanges.models import Swap

        global _SWAP_COLUMNS  # positions in the lock's row, once per process
        names = [field.attname for field in Swap._meta.concrete_fields]
        _SWAP_COLUMNS = tuple(
            names.index(name)
            for name in ("requester_id", "responder_id", "scheduled_start", "scheduled_end")
        )
        return psycopg.connect(procs.conninfo()), _Cursor()

    def step(state: tuple[Any, _Cursor], index: int, _clients: int) -> int:
        from django.conf import settings
        from django.utils import timezone
        from psycopg.types.json import Jsonb

        from exchanges.models import Swap
        from exchanges.services.accepting import NOTIFY_KIND, accept_book_sql, accept_lock_sql
        from rewards.services import LEDGER_POST_SQL

        conn, cursor = state
        _expert_id, swap_ids = plans[index]
        if cursor.position >= len(swap_ids):
            raise RuntimeError("out of swaps: raise BENCH_SWAPS_PER_PROCESS")
        swap_id = swap_ids[cursor.position]
        cursor.position += 1
        now = timezone.now()
        with conn.transaction():
            row = conn.execute(accept_lock_sql(), [NOTIFY_KIND, swap_id]).fetchone()
            requester_id, responder_id, start, end = (row[i] for i in _SWAP_COLUMNS)
            booked = conn.execute(
                accept_book_sql(),
                [
                    Swap.Status.ACCEPTED,
                    now,
                    now,
                    swap_id,
                    swap_id,
                    start,
                    end,
                    requester_id,
                    responder_id,
                    requester_id,
                    responder_id,
                    end,
                    start,
                    swap_id,
                ],
            ).fetchall()
            if len(booked) != 2:
                raise RuntimeError("overlap")
            status = conn.execute(
                LEDGER_POST_SQL,
                [
                    ["wallet", "escrow"],
                    [requester_id, None],
                    ["", f"swap:{swap_id}"],
                    [-PRICE, PRICE],
                    "swap_escrow",
                    f"swap:{swap_id}",
                    "",
                    f"swap:{swap_id}:hold",
                    None,
                    now,
                    0,
                    1,
                    settings.WALLET_DAILY_SPEND_LIMIT,
                    now.replace(hour=0, minute=0, second=0, microsecond=0),
                    0,
                    settings.WALLET_MAX_BALANCE,
                ],
            ).fetchone()[0]
            if status != "ok":
                raise RuntimeError(status)
            data = {"swap_id": swap_id, "status": "accepted", "points_amount": PRICE}
            conn.execute(
                ACCEPT_SQL["notify"],
                [requester_id, "Bench accepted your swap.", swap_id, Jsonb(data), now, now],
            )
        return 1

    return setup, step


def _minimal_client() -> procs.Client:
    def setup() -> tuple[Any, _Cursor, dt.datetime]:
        import psycopg

        conn = psycopg.connect(procs.conninfo())
        # Each process books two diaries of its own (keyed by its pid): no overlap, ever.
        base = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        return conn, _Cursor(), base

    def step(state: tuple[Any, _Cursor, dt.datetime], index: int, _clients: int) -> int:
        conn, cursor, base = state
        start = base + dt.timedelta(hours=2 * cursor.position)
        end = start + dt.timedelta(hours=1)
        cursor.position += 1
        with conn.transaction():
            conn.execute(
                "SELECT id FROM bench_account WHERE id IN (%s, %s) ORDER BY id FOR NO KEY UPDATE",
                [2 * index + 1, 2 * index + 2],
            )
            conn.execute(
                "INSERT INTO bench_booking (user_id, starts_at, ends_at)"
                " VALUES (%s, %s, %s), (%s, %s, %s)",
                [os.getpid(), start, end, -os.getpid(), start, end],
            )
            conn.execute(
                "UPDATE bench_account SET balance = balance - 10 WHERE id = %s",
                [2 * index + 1],
            )
            conn.execute(
                "UPDATE bench_account SET balance = balance + 10 WHERE id = %s",
                [2 * index + 2],
            )
        return 1

    import psycopg

    with psycopg.connect(procs.conninfo(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_booking (id bigserial PRIMARY KEY, user_id bigint,"
            " starts_at timestamptz, ends_at timestamptz, EXCLUDE USING gist"
            " (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&))"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_account (id bigint PRIMARY KEY, balance bigint)"
        )
        conn.execute("TRUNCATE bench_booking")
        conn.execute("DELETE FROM bench_account")
        conn.execute(
            "INSERT INTO bench_account SELECT g, 1000000000 FROM generate_series(1, 128) g"
        )
    return setup, step


def _funded(email: str, points: int) -> Any:
    from accounts.models import User
    from rewards.services import points_grant

    user = User.objects.create_user(email=email)
    staff = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        email=f"bench-staff-{uuid.uuid4().hex[:6]}@example.test"
    )
    if points:
        points_grant(user=user, amount=points, reason="bench", granted_by=staff)
    return user


def _expert(email: str) -> Any:
    """A responder who may sell paid sessions and is always available."""
    from accounts.roles import Role
    from accounts.services import user_role_set

    user = user_role_set(user=_funded(email, 0), role=Role.EXPERT)
    _always_available(user)
    return user


def _always_available(user: Any) -> None:
    from marketplace.models import AvailabilitySlot

    AvailabilitySlot.objects.bulk_create(
        AvailabilitySlot(user=user, day_of_week=day, start_time=dt.time(0), end_time=dt.time(0))
        for day in range(7)
    )


def _in_threads(count: int, work: Any) -> list:
    from django.db import connection

    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _overlap_race(tag: str) -> tuple[int, float, list[int]]:
    import statistics

    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from core.exceptions import Conflict
    from exchanges import services
    from exchanges.models import SessionBooking

    timings, winners = [], []
    for round_number in range(10):
        expert = _expert(f"bench-race-{tag}-{round_number}@example.test")
        start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=5)
        swaps = [
            services.swap_create(
                requester=_funded(f"bench-race-{tag}-{round_number}-{i}@example.test", 50),
                responder=expert,
                kind="points",
                points_amount=10,
                scheduled_start=start + dt.timedelta(minutes=2 * i),
            )
            for i in range(20)
        ]

        def work(index: int, swaps: list = swaps, expert: Any = expert) -> bool:
            try:
                services.swap_accept(swap=swaps[index], actor=expert)
            except Conflict:
                return False
            return True

        started = time.perf_counter()
        results = _in_threads(20, work)
        timings.append(time.perf_counter() - started)
        winners.append(sum(1 for result in results if result is True))

    clashes = SessionBooking.objects.filter(
        Exists(
            SessionBooking.objects.filter(
                user=OuterRef("user"),
                starts_at__lt=OuterRef("ends_at"),
                ends_at__gt=OuterRef("starts_at"),
            ).exclude(pk=OuterRef("pk"))
        )
    ).count()
    return clashes, statistics.median(timings), winners


def _list_latency(tag: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from exchanges.models import Swap
    from tests.benchmarks.report import median_seconds

    member = _funded(f"bench-list-{tag}@example.test", 0)
    others = [_funded(f"bench-list-{tag}-{i}@example.test", 0) for i in range(10)]
    base = timezone.now() + dt.timedelta(days=40)
    Swap.objects.bulk_create(
        Swap(
            requester=member if index % 2 else others[index % 10],
            responder=others[index % 10] if index % 2 else member,
            title=f"Bench session {index}",
            scheduled_start=base + dt.timedelta(hours=index),
            scheduled_end=base + dt.timedelta(hours=index, minutes=45),
        )
        for index in range(200)
    )
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(member).access_token}",
        HTTP_HOST="localhost",
    )

    def fetch() -> None:
        response = client.get("/api/v1/swaps/?page_size=100")
        assert response.status_code == 200, response.content

    median = median_seconds(fetch, repeat=9)
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return median, len(queries.captured_queries)
