"""The leaderboard's boards against a brute-force recomputation (rewards/leaderboard.py)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from fractions import Fraction

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from rewards import leaderboard
from rewards.leaderboard import (
    METRICS,
    PERIODS,
    leaderboard_on_events,
    leaderboard_page,
    leaderboard_rank,
    leaderboard_rebuild,
    period_key,
)
from rewards.models import ActivityEvent, Counter, LeaderboardScore

COUNTERS = [
    Counter.SESSIONS_TAUGHT,
    Counter.SESSIONS_LEARNED,
    Counter.POINTS_EARNED,
    Counter.REVIEWS_RECEIVED,
    Counter.RATING_POINTS,
    Counter.MINUTES_TAUGHT,  # feeds no board
]


@pytest.fixture(params=["table", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, settings):
    settings.LEADERBOARD_BACKEND = request.param
    settings.LEADERBOARD_RATING_MIN_REVIEWS = 3
    return request.param


def members(count: int) -> list[User]:
    User.objects.bulk_create(
        [User(email=f"lb{index}@example.test", display_name=f"M{index}") for index in range(count)]
    )
    return list(User.objects.filter(email__startswith="lb").order_by("pk"))


def event(user: User, counter: str, amount: int, when: dt.datetime, source: str) -> ActivityEvent:
    return ActivityEvent.objects.create(
        user=user, counter=counter, source=source, amount=amount, occurred_at=when
    )


def brute_force(
    metric: str, period: str, rows: list[ActivityEvent] | None = None
) -> list[tuple[int, int]]:
    """(user id, score) in rank order, summed from every ActivityEvent row in Python."""
    key = period_key(period)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    if rows is None:
        rows = list(
            ActivityEvent.objects.filter(user__is_active=True, user__deleted_at__isnull=True)
        )
    for row in rows:
        if key != "all" and key not in (
            leaderboard.week_key(row.occurred_at),
            leaderboard.month_key(row.occurred_at),
        ):
            continue
        for fed, field in leaderboard.FEEDS.get(row.counter, ()):
            if fed == metric:
                totals[row.user_id][0 if field == "total" else 1] += row.amount
    scored = []
    for user_id, (total, tally) in totals.items():
        if metric == "rating":
            if tally >= 3 and tally > 0:
                scored.append((user_id, math.floor(Fraction(100 * total, tally) + Fraction(1, 2))))
        else:
            scored.append((user_id, total))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def board_ranking(metric: str, period: str) -> list[tuple[int, int]]:
    page = leaderboard_page(metric=metric, period=period, offset=0, limit=1000)
    assert page.count == len(page.standings)
    return [(standing.user_id, standing.score) for standing in page.standings]


def assert_boards_match_brute_force(people: list[User]) -> None:
    rows = list(ActivityEvent.objects.all())
    for metric in METRICS:
        for period in PERIODS:
            expected = brute_force(metric, period, rows)
            assert board_ranking(metric, period) == expected, (metric, period)
            ranks = {user_id: index + 1 for index, (user_id, _score) in enumerate(expected)}
            # a sample of ranks (each is a board read): the first, two others, the last
            for person in (people[0], people[5], people[8], people[-1]):
                assert leaderboard_rank(user_id=person.pk, metric=metric, period=period) == (
                    ranks.get(person.pk)
                ), (metric, period, person.pk)


def test_random_events_rank_as_the_brute_force_and_the_rebuild_agrees(db, backend):
    # given 200 random events of 12 members over this week, last week, last month and last year,
    # applied in random batches as activity_record hands them over on commit
    rng = random.Random(1606)
    people = members(12)
    now = timezone.now()
    moments = [now, now - dt.timedelta(days=7), now - dt.timedelta(days=35), now.replace(year=2020)]
    events = []
    for index in range(200):
        counter = rng.choice(COUNTERS)
        amount = rng.randint(1, 5) if counter == Counter.RATING_POINTS else rng.randint(-1, 4)
        when = rng.choice(moments) - dt.timedelta(minutes=rng.randint(0, 60))
        events.append(
            ActivityEvent(
                user=rng.choice(people),
                counter=counter,
                source=f"test:{index}",
                amount=amount,
                occurred_at=when,
            )
        )
    events = ActivityEvent.objects.bulk_create(events)
    while events:
        size = rng.randint(1, 6)
        batch, events = events[:size], events[size:]
        leaderboard_on_events(batch)

    # then every board, every rank and every count equals the recomputation
    assert_boards_match_brute_force(people)

    # when the boards are rebuilt from ActivityEvent
    leaderboard_rebuild()

    # then nothing moves
    assert_boards_match_brute_force(people)


def test_equal_scores_rank_by_member_id(db, backend):
    # given three members with two swaps each, created in reverse of their ids
    first, second, third = members(3)
    now = timezone.now()
    rows = [
        event(person, Counter.SESSIONS_TAUGHT, 2, now, f"swap:{person.pk}")
        for person in (third, second, first)
    ]

    # when
    leaderboard_on_events(rows)

    # then
    assert board_ranking("swaps", "all") == [(first.pk, 2), (second.pk, 2), (third.pk, 2)]


def test_week_board_counts_only_this_weeks_events(db, backend):
    # given a member with three swaps last week and another with one this week
    busy_last_week, active_now = members(2)
    now = timezone.now()
    rows = [
        event(busy_last_week, Counter.SESSIONS_LEARNED, 3, now - dt.timedelta(days=7), "s:1"),
        event(active_now, Counter.SESSIONS_TAUGHT, 1, now, "s:2"),
    ]

    # when
    leaderboard_on_events(rows)

    # then
    assert board_ranking("swaps", "week") == [(active_now.pk, 1)]
    assert board_ranking("swaps", "all") == [(busy_last_week.pk, 3), (active_now.pk, 1)]
    assert leaderboard_rank(user_id=busy_last_week.pk, metric="swaps", period="week") is None


def test_rating_is_ranked_from_the_minimum_number_of_reviews(db, backend):
    # given a member with two five-star reviews and one with three reviews averaging 4.33
    two_reviews, three_reviews = members(2)
    now = timezone.now()
    rows = []
    for index, (person, stars) in enumerate(
        [(two_reviews, 5), (two_reviews, 5), (three_reviews, 5), (three_reviews, 4)]
        + [(three_reviews, 4)]
    ):
        rows.append(event(person, Counter.REVIEWS_RECEIVED, 1, now, f"review:{index}"))
        rows.append(event(person, Counter.RATING_POINTS, stars, now, f"review:{index}:stars"))

    # when
    leaderboard_on_events(rows)

    # then only the member with three reviews is ranked, at 4.33
    assert board_ranking("rating", "all") == [(three_reviews.pk, 433)]
    assert leaderboard_rank(user_id=two_reviews.pk, metric="rating") is None

    # when the first member's third review arrives
    leaderboard_on_events([event(two_reviews, Counter.REVIEWS_RECEIVED, 1, now, "review:9")])
    leaderboard_on_events([event(two_reviews, Counter.RATING_POINTS, 2, now, "review:9:stars")])

    # then they are ranked at 4.00, below
    assert board_ranking("rating", "all") == [(three_reviews.pk, 433), (two_reviews.pk, 400)]


def test_a_deleted_member_leaves_every_board(db, backend, django_capture_on_commit_callbacks):
    # given two ranked members
    kept, leaving = members(2)
    now = timezone.now()
    leaderboard_on_events(
        [
            event(kept, Counter.SESSIONS_TAUGHT, 1, now, "s:1"),
            event(leaving, Counter.SESSIONS_TAUGHT, 2, now, "s:2"),
        ]
    )

    # when the second one's account is anonymised
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        leaderboard.leaderboard_on_user_deleted(leaving)

    # then
    for period in PERIODS:
        assert board_ranking("swaps", period) == [(kept.pk, 1)]


def test_a_failing_board_never_fails_the_caller(db, settings, caplog):
    # given Redis configured but unreachable
    settings.LEADERBOARD_BACKEND = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    (person,) = members(1)
    row = event(person, Counter.SESSIONS_TAUGHT, 1, timezone.now(), "s:1")

    # when
    leaderboard_on_events([row])

    # then it was logged, not raised, and nothing else was written
    assert "leaderboard_rebuild repairs them" in caplog.text
    assert leaderboard_rank(user_id=person.pk) is None
    assert LeaderboardScore.objects.count() == 0


def test_rebuild_keeps_only_the_periods_it_serves(db, settings):
    # given a table board holding a stale week
    settings.LEADERBOARD_BACKEND = "table"
    (person,) = members(1)
    LeaderboardScore.objects.create(
        metric="swaps", period="w2020-01", user=person, total=9, tally=0, score=9
    )
    event(person, Counter.SESSIONS_TAUGHT, 1, timezone.now(), "s:1")

    # when
    keys = leaderboard_rebuild()

    # then
    assert set(LeaderboardScore.objects.values_list("period", flat=True)) == {
        "all",
        period_key("week"),
        period_key("month"),
    }
    assert keys[0] == "all"
