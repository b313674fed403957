"""Swaps: accepts per second (bookings + escrow), overlapping accepts racing, the swaps list.

1. Accepting paid swaps that do not overlap, 1 and 8 workers: ``exchanges.services.swap_accept``
   (swap row lock, diary advisory locks, overlap check, two bookings under the exclusion
   constraint, escrow hold through the ledger, notification). Floor, measured in the same run: the
   same two exclusion-checked booking inserts plus a two-row locked balance update written with
   psycopg directly, with the same number of connections.
2. 20 workers accept 20 mutually overlapping requests of one expert at once, 10 rounds: bookings
   that overlap afterwards (must be 0) and the time until every request has its answer.
3. ``GET swaps/?page_size=100`` for a member with 200 swaps: median time and query count.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from typing import Any

WORKERS = (1, 8)
ACCEPTS_PER_WORKER = 40


def run(report: Any) -> None:
    from django.db import connection

    from tests.benchmarks.bench_ledger import _widen_pool

    _widen_pool(24)
    tag = uuid.uuid4().hex[:8]
    for workers in WORKERS:
        floor = _raw_floor(workers)
        rate = _service_accepts(workers, tag=f"{tag}{workers}")
        report.add(f"raw SQL floor: 2 bookings + escrow rows, {workers} connections", floor, "tx/s")
        report.add(
            f"swap_accept (paid, no overlap), {workers} workers",
            rate,
            "tx/s",
            floor=floor,
            floor_name="raw SQL accept",
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


def _service_accepts(workers: int, *, tag: str) -> float:
    from django.utils import timezone

    from exchanges import services

    base = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    plans = []
    for worker in range(workers):
        expert = _expert(f"bench-x-{tag}-{worker}@example.test")
        requester = _funded(f"bench-r-{tag}-{worker}@example.test", 10 * ACCEPTS_PER_WORKER)
        swaps = [
            services.swap_create(
                requester=requester,
                responder=expert,
                kind="points",
                points_amount=10,
                scheduled_start=base + dt.timedelta(hours=2 * index),
            )
            for index in range(ACCEPTS_PER_WORKER)
        ]
        plans.append((expert, swaps))

    def work(index: int) -> int:
        expert, swaps = plans[index]
        for swap in swaps:
            services.swap_accept(swap=swap, actor=expert)
        return len(swaps)

    started = time.perf_counter()
    done = _in_threads(workers, work)
    elapsed = time.perf_counter() - started
    errors = [result for result in done if isinstance(result, Exception)]
    if errors:
        raise errors[0]
    return sum(done) / elapsed


def _raw_floor(workers: int) -> float:
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
    )
    with psycopg.connect(conninfo, autocommit=True) as setup:
        setup.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        setup.execute(
            "CREATE TABLE IF NOT EXISTS bench_booking (id bigserial PRIMARY KEY, user_id bigint,"
            " starts_at timestamptz, ends_at timestamptz, EXCLUDE USING gist"
            " (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&))"
        )
        setup.execute(
            "CREATE TABLE IF NOT EXISTS bench_account (id bigint PRIMARY KEY, balance bigint)"
        )
        setup.execute("TRUNCATE bench_booking")
        setup.execute("DELETE FROM bench_account")
        setup.execute(
            "INSERT INTO bench_account SELECT g, 1000000 FROM generate_series(1, %s) g",
            [2 * workers],
        )

    base = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    def work(index: int) -> int:
        with psycopg.connect(conninfo) as conn:
            for number in range(ACCEPTS_PER_WORKER):
                start = base + dt.timedelta(hours=2 * number)
                end = start + dt.timedelta(hours=1)
                with conn.transaction():
                    conn.execute(
                        "SELECT id FROM bench_account WHERE id IN (%s, %s) ORDER BY id"
                        " FOR NO KEY UPDATE",
                        [2 * index + 1, 2 * index + 2],
                    )
                    conn.execute(
                        "INSERT INTO bench_booking (user_id, starts_at, ends_at)"
                        " VALUES (%s, %s, %s), (%s, %s, %s)",
                        [10_000 + index, start, end, 20_000 + index, start, end],
                    )
                    conn.execute(
                        "UPDATE bench_account SET balance = balance - 10 WHERE id = %s",
                        [2 * index + 1],
                    )
                    conn.execute(
                        "UPDATE bench_account SET balance = balance + 10 WHERE id = %s",
                        [2 * index + 2],
                    )
        return ACCEPTS_PER_WORKER

    started = time.perf_counter()
    done = _in_threads(workers, work)
    elapsed = time.perf_counter() - started
    return sum(done) / elapsed


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
