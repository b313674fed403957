"""Leaderboard: GET leaderboard/ at 100,000 members against the brute-force SQL aggregate.

``BENCH_LEADERBOARD_MEMBERS`` members (default 100,000; created once, reused by later runs) with
about three activity events each over the last 60 days (one ``INSERT ... SELECT`` over
``generate_series``). The boards are rebuilt from those events (timed), then the view function
answers ``GET leaderboard/`` (page 1 of 20, a signed-in caller ranked mid-board, so ``me`` is off
the page) on each board (Redis sorted sets, then the ``LeaderboardScore`` table), for ``swaps``
of all time and this week, and ``rating`` of all time. The floor is the brute-force query the
board replaces, in the same run: ``SUM(amount) ... GROUP BY user_id ORDER BY ... LIMIT 20`` over
``rewards_activityevent`` (its page only, without the caller's rank). Goal: ratio <= 0.1x.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tests.benchmarks.report import median_seconds

MEMBERS = int(os.environ.get("BENCH_LEADERBOARD_MEMBERS", "100000"))
EMAIL = "lb-bench-{}@bench.test"

SWAPS = "counter IN ('sessions_taught', 'sessions_learned')"
THIS_WEEK = "occurred_at >= date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
REVIEWS = "SUM(CASE WHEN counter = 'reviews_received' THEN amount ELSE 0 END)"
STARS = "SUM(CASE WHEN counter = 'rating_points' THEN amount ELSE 0 END)"
BRUTE_FORCE = {
    ("swaps", "all"): (
        f"SELECT user_id, SUM(amount) AS total FROM rewards_activityevent WHERE {SWAPS} "  # noqa: S608
        "GROUP BY user_id ORDER BY total DESC, user_id LIMIT 20"
    ),
    ("swaps", "week"): (
        "SELECT user_id, SUM(amount) AS total FROM rewards_activityevent "  # noqa: S608
        f"WHERE {SWAPS} AND {THIS_WEEK} GROUP BY user_id ORDER BY total DESC, user_id LIMIT 20"
    ),
    ("rating", "all"): (
        f"SELECT user_id, {STARS} * 100.0 / {REVIEWS} AS average "  # noqa: S608
        "FROM rewards_activityevent "
        "WHERE counter IN ('rating_points', 'reviews_received') "
        f"GROUP BY user_id HAVING {REVIEWS} >= 3 ORDER BY average DESC, user_id LIMIT 20"
    ),
}


def _members() -> list[int]:
    from accounts.models import User

    existing = list(
        User.objects.filter(email__startswith="lb-bench-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(existing) >= MEMBERS:
        return existing[:MEMBERS]
    have = len(existing)
    batch = 5000
    for start in range(have, MEMBERS, batch):
        User.objects.bulk_create(
            [
                User(email=EMAIL.format(index), display_name=f"Bench {index}", password="!")
                for index in range(start, min(start + batch, MEMBERS))
            ]
        )
    return list(
        User.objects.filter(email__startswith="lb-bench-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )[:MEMBERS]


def _events(user_ids: list[int]) -> int:
    """About three events per member: sessions, a review and its stars (last 60 days)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM rewards_activityevent WHERE source LIKE 'bench:%%'")
        cursor.execute(
            """
            INSERT INTO rewards_activityevent (user_id, counter, source, amount, occurred_at,
                                               created_at)
            SELECT u.id, c.counter, 'bench:' || c.counter || ':' || r.n,
                   CASE c.counter WHEN 'rating_points' THEN 1 + (u.id * 7 + r.n) %% 5
                                  WHEN 'reviews_received' THEN 1
                                  ELSE 1 + (u.id * 13 + r.n) %% 4 END,
                   now() - ((u.id * 31 + r.n * 17) %% 1440) * interval '1 hour',
                   now()
            FROM unnest(%s::bigint[]) AS u(id)
            CROSS JOIN generate_series(1, 3) AS r(n)
            CROSS JOIN (VALUES ('sessions_taught'), ('reviews_received'), ('rating_points'))
                 AS c(counter)
            WHERE (u.id + r.n) %% 5 <> 0 OR c.counter = 'sessions_taught'
            """,
            [user_ids],
        )
        cursor.execute("SELECT COUNT(*) FROM rewards_activityevent")
        (count,) = cursor.fetchone()
        cursor.execute("ANALYZE rewards_activityevent")
    return count


def _view_call(metric: str, period: str, viewer: Any) -> Any:
    from rest_framework.test import APIRequestFactory, force_authenticate

    from rewards.api.leaderboard_views import LeaderboardView

    view = LeaderboardView.as_view(throttle_classes=[])
    factory = APIRequestFactory()

    def call() -> Any:
        request = factory.get("/api/v1/leaderboard/", {"metric": metric, "period": period})
        force_authenticate(request, user=viewer)
        response = view(request)
        assert response.status_code == 200, response.data
        return response

    return call


def run(report: Any) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings

    from accounts.models import User
    from rewards.leaderboard import leaderboard_rebuild

    started = time.perf_counter()
    user_ids = _members()
    events = _events(user_ids)
    report.add(
        "setup: members, events (s)",
        time.perf_counter() - started,
        "s",
        note=f"{len(user_ids)} members, {events} events; DEBUG={settings.DEBUG}",
    )
    viewer = User.objects.get(pk=user_ids[len(user_ids) // 2])

    def brute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            assert 0 < len(cursor.fetchall()) <= 20

    floors = {key: median_seconds(lambda sql=sql: brute(sql)) for key, sql in BRUTE_FORCE.items()}
    for (metric, period), seconds in floors.items():
        report.add(f"brute-force SQL page, {metric}/{period} (ms)", seconds * 1000, "ms")

    for backend in ("redis", "table"):
        with override_settings(LEADERBOARD_BACKEND=backend):
            started = time.perf_counter()
            leaderboard_rebuild()
            report.add(
                f"{backend}: leaderboard_rebuild, {len(user_ids)} members (s)",
                time.perf_counter() - started,
                "s",
            )
            for (metric, period), floor in floors.items():
                seconds = median_seconds(_view_call(metric, period, viewer), repeat=21, warmup=3)
                report.add(
                    f"{backend}: GET leaderboard/ {metric}/{period}, page and own rank (ms)",
                    seconds * 1000,
                    "ms",
                    floor=floor * 1000,
                    floor_name="of the brute-force SQL page (goal <= 0.1)",
                )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit("run through `python -m tests.benchmarks leaderboard`")
