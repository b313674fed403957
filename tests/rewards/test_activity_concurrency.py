"""Activity counters under real concurrency on PostgreSQL: threads with their own connections."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from rewards.activity import activity_record
from rewards.models import ActivityCounter, ActivityEvent
from tests.accounts.factories import UserFactory
from tests.rewards.test_concurrency import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_parallel_records_count_every_distinct_source_once_and_a_shared_source_once():
    # given one member with no counter row yet (the threads race to open it too)
    member = UserFactory()

    def record(index: int) -> tuple[bool, bool]:
        with transaction.atomic():
            distinct = activity_record(
                user_id=member.pk, counter="sessions_taught", source=f"swap:{index}"
            )
        with transaction.atomic():
            shared = activity_record(
                user_id=member.pk, counter="sessions_learned", source="swap:shared"
            )
        return distinct, shared

    # when every thread records a source of its own and the same shared source
    with (
        mock.patch("rewards.badges.badges_on_counter_changed"),
        mock.patch("rewards.leaderboard.leaderboard_on_events"),
    ):
        results = in_parallel(THREADS, record)

    # then: N distinct sources count N, the shared one counts once, and no thread failed
    assert sorted(results) == [(True, False)] * (THREADS - 1) + [(True, True)]
    assert dict(ActivityCounter.objects.filter(user=member).values_list("counter", "value")) == {
        "sessions_taught": THREADS,
        "sessions_learned": 1,
    }
    assert ActivityEvent.objects.filter(user=member).count() == THREADS + 1
