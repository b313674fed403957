"""Concurrent writes on PostgreSQL with real threads: the locks and upserts hold."""

import datetime as dt
import threading

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from marketplace import services
from marketplace.models import AvailabilitySlot, Match, UserSkill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SkillFactory, UserSkillFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(actions) -> list:
    """Start every action at the same instant in its own thread; return results or errors."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def worker(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, action))
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_overlapping_slots_sent_at_once_store_exactly_one(attempt):
    # given one member sending twelve overlapping Monday slots at the same time (without the
    # lock, several of them pass the overlap check together: 4-9 rows were measured)
    user = UserFactory()

    results = run_together(
        [
            lambda minute=minute: services.availability_slot_create(
                user=user, day_of_week=0, start_time=dt.time(9, minute), end_time=dt.time(11)
            )
            for minute in range(12)
        ]
    )

    # then the user-row lock serialises the overlap checks: one slot, eleven refusals
    assert AvailabilitySlot.objects.filter(user=user).count() == 1
    assert sum(isinstance(result, AvailabilitySlot) for result in results) == 1
    assert all(isinstance(result, (AvailabilitySlot, ApplicationError)) for result in results), (
        results
    )


def test_the_same_skill_added_twice_at_once_is_stored_once():
    user = UserFactory()
    skill = SkillFactory()

    results = run_together(
        [
            lambda: services.user_skill_create(
                user=user, skill=skill, direction="offered", proficiency_level="expert"
            )
            for _ in range(4)
        ]
    )

    assert UserSkill.objects.filter(user=user, skill=skill).count() == 1
    assert sum(isinstance(result, UserSkill) for result in results) == 1
    assert all(isinstance(result, (UserSkill, ApplicationError)) for result in results), results


def test_both_members_rescored_at_once_converge_on_one_match():
    # given a pair whose two recomputations run concurrently (two Celery workers)
    python = SkillFactory()
    a, b = UserFactory(), UserFactory()
    UserSkillFactory(user=a, skill=python, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=b, skill=python, direction="wanted")

    results = run_together(
        [
            lambda: services.matches_recompute_for_user(user_id=a.pk),
            lambda: services.matches_recompute_for_user(user_id=b.pk),
        ]
        * 3
    )

    # then the upsert on the pair's unique constraint leaves one row and no error
    assert results == [1] * 6, results
    assert Match.objects.count() == 1
