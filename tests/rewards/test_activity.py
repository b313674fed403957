"""Activity counters: once per source event, counters locked and kept equal to their events."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction

from rewards.activity import ActivityRecord, activity_record, activity_record_many
from rewards.models import ActivityCounter, ActivityEvent, Counter
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def counters(user) -> dict[str, int]:
    return dict(ActivityCounter.objects.filter(user=user).values_list("counter", "value"))


def test_a_new_source_counts_its_amount_and_records_one_event():
    # given
    member = UserFactory()
    when = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)

    # when
    recorded = activity_record(
        user_id=member.pk,
        counter=Counter.MINUTES_TAUGHT,
        source="swap:1",
        amount=90,
        occurred_at=when,
    )

    # then
    assert recorded is True
    assert counters(member) == {"minutes_taught": 90}
    event = ActivityEvent.objects.get(user=member)
    assert (event.counter, event.source, event.amount, event.occurred_at) == (
        "minutes_taught",
        "swap:1",
        90,
        when,
    )


def test_the_same_source_twice_counts_once():
    # given
    member = UserFactory()
    activity_record(user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, source="swap:7")

    # when
    again = activity_record(user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, source="swap:7")

    # then
    assert again is False
    assert counters(member) == {"sessions_taught": 1}
    assert ActivityEvent.objects.filter(user=member).count() == 1


def test_distinct_sources_add_up_and_negative_amounts_take_back():
    # given
    member = UserFactory()
    activity_record(user_id=member.pk, counter=Counter.ANSWERS_ACCEPTED, source="post:1:accepted:1")
    activity_record(user_id=member.pk, counter=Counter.ANSWERS_ACCEPTED, source="post:2:accepted:1")

    # when
    activity_record(
        user_id=member.pk, counter=Counter.ANSWERS_ACCEPTED, source="post:1:unaccepted:1", amount=-1
    )

    # then
    assert counters(member) == {"answers_accepted": 1}


def test_record_many_counts_new_facts_only_and_returns_them():
    # given
    teacher, learner = UserFactory(), UserFactory()
    activity_record(user_id=teacher.pk, counter=Counter.SESSIONS_TAUGHT, source="swap:3")
    records = [
        ActivityRecord(user_id=teacher.pk, counter=Counter.SESSIONS_TAUGHT, source="swap:3"),
        ActivityRecord(teacher.pk, Counter.MINUTES_TAUGHT, "swap:3", 60),
        ActivityRecord(learner.pk, Counter.SESSIONS_LEARNED, "swap:3"),
        ActivityRecord(learner.pk, Counter.SESSIONS_LEARNED, "swap:3"),  # same fact twice
    ]

    # when
    events = activity_record_many(records)

    # then
    assert [(e.user_id, e.counter, e.amount) for e in events] == [
        (teacher.pk, "minutes_taught", 60),
        (learner.pk, "sessions_learned", 1),
    ]
    assert all(event.pk for event in events)
    assert counters(teacher) == {"sessions_taught": 1, "minutes_taught": 60}
    assert counters(learner) == {"sessions_learned": 1}


def test_badges_hear_old_and_new_values_and_the_leaderboard_the_events_after_commit(
    django_capture_on_commit_callbacks,
):
    # given
    member = UserFactory()
    activity_record(user_id=member.pk, counter=Counter.REVIEWS_RECEIVED, source="review:1")

    # when
    with (
        mock.patch("rewards.badges.badges_on_counter_changed") as badges,
        mock.patch("rewards.leaderboard.leaderboard_on_events") as leaderboard,
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            activity_record(user_id=member.pk, counter=Counter.REVIEWS_RECEIVED, source="review:2")
        assert leaderboard.call_count == 0  # not before commit
        for callback in callbacks:
            callback()

    # then
    badges.assert_called_once_with(user_id=member.pk, counter="reviews_received", old=1, new=2)
    [events] = leaderboard.call_args.args
    assert [(e.user_id, e.source) for e in events] == [(member.pk, "review:2")]


def test_a_retry_calls_neither_badges_nor_the_leaderboard(django_capture_on_commit_callbacks):
    # given
    member = UserFactory()
    activity_record(user_id=member.pk, counter=Counter.EVENTS_HOSTED, source="event:1:hosted")

    # when
    with (
        mock.patch("rewards.badges.badges_on_counter_changed") as badges,
        django_capture_on_commit_callbacks() as callbacks,
    ):
        activity_record(user_id=member.pk, counter=Counter.EVENTS_HOSTED, source="event:1:hosted")

    # then
    assert badges.call_count == 0
    assert callbacks == []


def test_a_rolled_back_caller_records_nothing():
    # given
    member = UserFactory()

    # when
    def caller() -> None:
        with transaction.atomic():
            activity_record(
                user_id=member.pk, counter=Counter.POINTS_BOUGHT, source="payment:1", amount=50
            )
            raise RuntimeError("the caller fails after recording")

    with pytest.raises(RuntimeError):
        caller()

    # then
    assert counters(member) == {}
    assert ActivityEvent.objects.filter(user=member).count() == 0
    assert activity_record(
        user_id=member.pk, counter=Counter.POINTS_BOUGHT, source="payment:1", amount=50
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"counter": "karma"}, "unknown activity counter"),
        ({"source": "x" * 101}, "longer than 100"),
        ({"source": ""}, "non-empty"),
        ({"amount": 0}, "non-zero int"),
        ({"amount": 1.5}, "non-zero int"),
        ({"amount": True}, "non-zero int"),
        ({"occurred_at": dt.datetime(2026, 1, 1)}, "time-zone aware"),  # noqa: DTZ001
    ],
)
def test_invalid_records_are_refused_and_change_nothing(fields, message):
    # given
    member = UserFactory()
    arguments = {"user_id": member.pk, "counter": "sessions_taught", "source": "swap:1"} | fields

    # when
    with pytest.raises(ValueError, match=message):
        activity_record(**arguments)

    # then
    assert ActivityEvent.objects.count() == 0
    assert ActivityCounter.objects.count() == 0


def test_recording_takes_a_fixed_small_number_of_queries(django_assert_num_queries):
    # given: the counter rows exist already (the common case)
    teacher, learner = UserFactory(), UserFactory()
    activity_record_many(
        [
            ActivityRecord(teacher.pk, Counter.SESSIONS_TAUGHT, "swap:1"),
            ActivityRecord(learner.pk, Counter.SESSIONS_LEARNED, "swap:1"),
        ]
    )

    # when / then: insert the events, lock the counters, write them back (badges' own reads
    # are theirs to pin)
    with (
        mock.patch("rewards.badges.badges_on_counter_changed"),
        django_assert_num_queries(3),
    ):
        activity_record_many(
            [
                ActivityRecord(teacher.pk, Counter.SESSIONS_TAUGHT, "swap:2"),
                ActivityRecord(learner.pk, Counter.SESSIONS_LEARNED, "swap:2"),
            ]
        )
    assert counters(teacher) == {"sessions_taught": 2}
    assert counters(learner) == {"sessions_learned": 2}
