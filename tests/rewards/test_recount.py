"""``manage.py rewards_recount``: drift of counters from their events and the truth; --fix."""

from __future__ import annotations

from collections import defaultdict
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rewards import activity
from rewards.activity import activity_record
from rewards.models import ActivityCounter, ActivityEvent, Counter
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def recount(*args: str) -> str:
    out = StringIO()
    call_command("rewards_recount", *args, stdout=out)
    return out.getvalue()


def state() -> dict:
    return {
        "counters": sorted(ActivityCounter.objects.values_list("user_id", "counter", "value")),
        "events": sorted(
            ActivityEvent.objects.values_list("user_id", "counter", "source", "amount")
        ),
    }


@pytest.fixture
def truth(monkeypatch):
    """Providers of the test's own: ``truth[counter] = {user_id: value}``."""
    values: dict[str, dict[int, int]] = {}
    providers = defaultdict(list)
    for counter in Counter.values:
        providers[counter].append(lambda counter=counter: dict(values.get(counter, {})))
    monkeypatch.setattr(activity, "_recount_providers", providers)
    return values


def test_counters_that_match_their_events_and_the_truth_are_ok(truth):
    # given
    member = UserFactory()
    activity_record(user_id=member.pk, counter="events_hosted", source="event:1:hosted")
    truth["events_hosted"] = {member.pk: 1}

    # when
    out = recount()

    # then
    assert out.splitlines() == ["Checked 1 member counters: 0 drifted.", "Activity counters OK."]


def test_drift_is_listed_with_exit_status_1_and_changes_nothing(truth):
    # given a missed feed (truth 3, events 1) and a stored value tampered with (7 instead of 1)
    member, other = UserFactory(), UserFactory()
    activity_record(user_id=member.pk, counter="answers_accepted", source="post:1:accepted:1")
    ActivityCounter.objects.filter(user=member).update(value=7)
    truth["answers_accepted"] = {member.pk: 3}
    truth["points_bought"] = {other.pk: 50}  # never fed at all
    before = state()

    # when
    out = StringIO()
    with pytest.raises(CommandError, match="drifted"):
        call_command("rewards_recount", stdout=out)

    # then
    assert out.getvalue().splitlines() == [
        f"  member {member.pk} answers_accepted: stored 7, events 1, truth 3",
        f"  member {other.pk} points_bought: stored 0, events 0, truth 50",
        "Checked 2 member counters: 2 drifted.",
    ]
    assert state() == before


def test_fix_records_correcting_events_repairs_the_stored_value_and_badges_follow(truth):
    # given the same drift
    member, other = UserFactory(), UserFactory()
    activity_record(user_id=member.pk, counter="answers_accepted", source="post:1:accepted:1")
    ActivityCounter.objects.filter(user=member).update(value=7)
    truth["answers_accepted"] = {member.pk: 3}
    truth["points_bought"] = {other.pk: 50}

    # when
    with mock.patch("rewards.badges.badges_on_counter_changed") as badges:
        out = recount("--fix")

    # then every counter equals its events and the truth, and a second run finds nothing
    assert out.splitlines()[-1].startswith("Fixed 2 drifts (recount:")
    assert sorted(ActivityCounter.objects.values_list("user_id", "counter", "value")) == sorted(
        [(member.pk, "answers_accepted", 3), (other.pk, "points_bought", 50)]
    )
    corrections = ActivityEvent.objects.filter(source__startswith="recount:")
    assert sorted(corrections.values_list("user_id", "counter", "amount")) == sorted(
        [(member.pk, "answers_accepted", 2), (other.pk, "points_bought", 50)]
    )
    assert badges.call_args_list == [
        mock.call(user_id=member.pk, counter="answers_accepted", old=7, new=1),
        mock.call(user_id=member.pk, counter="answers_accepted", old=1, new=3),
        mock.call(user_id=other.pk, counter="points_bought", old=0, new=50),
    ]
    assert recount().splitlines()[-1] == "Activity counters OK."


def test_the_real_providers_rebuild_a_swap_whose_feed_was_lost():
    # given a completed paid swap whose activity rows were lost
    from exchanges import services
    from tests.exchanges.test_services import accepted_points_swap, move_to_past

    swap = move_to_past(accepted_points_swap(points=40, balance=100))
    services.swap_complete(swap=swap, actor=swap.responder)
    services.swap_complete(swap=swap, actor=swap.requester)
    expected = sorted(ActivityCounter.objects.values_list("user_id", "counter", "value"))
    ActivityEvent.objects.all().delete()
    ActivityCounter.objects.all().delete()

    # when
    with pytest.raises(CommandError):
        recount("--counter", "sessions_taught", "--counter", "points_earned")
    out = recount("--fix")

    # then
    assert "Fixed 4 drifts" in out
    assert sorted(ActivityCounter.objects.values_list("user_id", "counter", "value")) == expected
    assert recount().splitlines()[-1] == "Activity counters OK."
