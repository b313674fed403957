"""manage.py leaderboard_rebuild, its beat task, Redis key expiry, and concurrent batches."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import User
from rewards.leaderboard import (
    RedisBoard,
    leaderboard_board,
    leaderboard_on_events,
    leaderboard_rank,
    leaderboard_rebuild_task,
    period_bounds,
    period_key,
)
from rewards.models import ActivityEvent, Counter, LeaderboardScore


def members(count: int) -> list[User]:
    User.objects.bulk_create([User(email=f"rb{index}@example.test") for index in range(count)])
    return list(User.objects.filter(email__startswith="rb").order_by("pk"))


def test_the_command_rebuilds_the_table_from_the_events(db, settings):
    # given events the board never heard of (written around activity_record)
    settings.LEADERBOARD_BACKEND = "table"
    first, second = members(2)
    now = timezone.now()
    ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                user=first, counter=Counter.SESSIONS_TAUGHT, source="a", amount=1, occurred_at=now
            ),
            ActivityEvent(
                user=second, counter=Counter.SESSIONS_LEARNED, source="b", amount=2, occurred_at=now
            ),
        ]
    )
    out = StringIO()

    # when
    call_command("leaderboard_rebuild", stdout=out)

    # then
    assert out.getvalue().startswith("Rebuilt all, ")
    assert "on TableBoard" in out.getvalue()
    assert leaderboard_rank(user_id=second.pk) == 1
    assert leaderboard_rank(user_id=first.pk, period="week") == 2


def test_the_beat_task_rebuilds_too(db, settings):
    # given
    settings.LEADERBOARD_BACKEND = "table"
    (person,) = members(1)
    ActivityEvent.objects.create(
        user=person,
        counter=Counter.POINTS_EARNED,
        source="p",
        amount=30,
        occurred_at=timezone.now(),
    )

    # when
    leaderboard_rebuild_task.delay()

    # then
    assert LeaderboardScore.objects.get(metric="points", period="all").score == 30
    assert "rewards-leaderboard-rebuild" in settings.CELERY_BEAT_SCHEDULE


def test_period_keys_and_bounds():
    moment = dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)
    assert period_key("week", now=moment) == "w2026-53"
    assert period_key("month", now=moment) == "m2026-12"
    assert period_bounds("w2026-53") == (
        dt.datetime(2026, 12, 28, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 4, tzinfo=dt.UTC),
    )
    assert period_bounds("m2026-12") == (
        dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )


@pytest.mark.redis
def test_week_and_month_keys_expire_after_their_period(db, settings):
    # given
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_PERIOD_TTL_DAYS = 35
    (person,) = members(1)
    now = timezone.now()
    event = ActivityEvent.objects.create(
        user=person, counter=Counter.SESSIONS_TAUGHT, source="s", amount=1, occurred_at=now
    )

    # when
    leaderboard_on_events([event])

    # then
    board = leaderboard_board()
    assert isinstance(board, RedisBoard)
    week = period_key("week")
    _start, end = period_bounds(week)
    expected = end + dt.timedelta(days=35)
    assert board.client.expiretime(board.zkey("swaps", week)) == int(expected.timestamp())
    assert board.client.ttl(board.zkey("swaps", "all")) == -1


@pytest.mark.postgres
def test_concurrent_batches_lose_no_update(transactional_db, settings):
    # given four threads applying 20 one-session batches each for the same two members
    settings.LEADERBOARD_BACKEND = "table"
    first, second = members(2)
    now = timezone.now()
    events = ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                user=first if index % 2 else second,
                counter=Counter.SESSIONS_TAUGHT,
                source=f"c:{index}",
                amount=1,
                occurred_at=now,
            )
            for index in range(80)
        ]
    )
    start = threading.Barrier(4)

    def apply(part: list[ActivityEvent]) -> None:
        start.wait()
        try:
            for offset in range(0, len(part), 2):
                # both members in one batch: rows locked in key order, so no deadlock
                leaderboard_on_events(part[offset : offset + 2])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=apply, args=(events[i * 20 : (i + 1) * 20],)) for i in range(4)
    ]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every session counted once on every board
    totals = dict(
        LeaderboardScore.objects.filter(metric="swaps", period="all").values_list(
            "user_id", "total"
        )
    )
    assert totals == {first.pk: 40, second.pk: 40}
