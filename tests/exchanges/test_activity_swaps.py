"""Completing a swap feeds the activity counters: the responder taught, the requester learned."""

from __future__ import annotations

import datetime as dt

import pytest

from exchanges import selectors, services
from exchanges.models import Swap
from rewards.models import ActivityCounter, ActivityEvent
from tests.exchanges.factories import at, expert
from tests.exchanges.test_services import accepted_points_swap, move_to_past

pytestmark = pytest.mark.django_db


def counters(*users) -> dict[tuple[int, str], int]:
    rows = ActivityCounter.objects.filter(user__in=users).values_list("user_id", "counter", "value")
    return {(user_id, counter): value for user_id, counter, value in rows}


def test_a_completed_points_swap_counts_the_session_minutes_and_points():
    # given a paid hour-long session that ended
    swap = move_to_past(accepted_points_swap(points=40, balance=100))
    teacher, learner = swap.responder_id, swap.requester_id

    # when both parties mark it complete
    services.swap_complete(swap=swap, actor=swap.responder)
    swap = services.swap_complete(swap=swap, actor=swap.requester)

    # then
    assert counters(teacher, learner) == {
        (teacher, "sessions_taught"): 1,
        (teacher, "minutes_taught"): 60,
        (teacher, "points_earned"): 40,
        (learner, "sessions_learned"): 1,
    }
    assert set(ActivityEvent.objects.values_list("source", "occurred_at")) == {
        (f"swap:{swap.pk}", swap.completed_at)
    }


def test_a_skill_swap_completed_by_auto_completion_counts_once_even_when_retried():
    # given a skill-for-skill session marked complete by one party long ago
    responder = expert()
    swap = services.swap_create(
        requester=expert(), responder=responder, scheduled_start=at(72), kind=Swap.Kind.SWAP
    )
    swap = move_to_past(services.swap_accept(swap=swap, actor=responder))
    services.swap_complete(swap=swap, actor=swap.requester)
    later = swap.scheduled_end + dt.timedelta(days=30)

    # when the auto-completion runs twice, and the completion is replayed on the swap
    assert services.swaps_auto_complete(now=later) == 1
    assert services.swaps_auto_complete(now=later) == 0
    swap = Swap.objects.get(pk=swap.pk)
    services.swaps._activity_on_completed(swap)

    # then: one session each, no points earned in a skill swap
    assert counters(swap.responder_id, swap.requester_id) == {
        (swap.responder_id, "sessions_taught"): 1,
        (swap.responder_id, "minutes_taught"): 60,
        (swap.requester_id, "sessions_learned"): 1,
    }


def test_a_dispute_resolved_as_completed_counts_and_one_refunded_does_not(moderator):
    # given two disputed paid sessions
    paid = move_to_past(accepted_points_swap(points=40, balance=100))
    refunded = move_to_past(accepted_points_swap(points=30, balance=100))
    for swap in (paid, refunded):
        services.swap_dispute(swap=swap, actor=swap.requester, reason="Half the session")

    # when
    services.swap_resolve_dispute(swap=paid, moderator=moderator, outcome="completed")
    services.swap_resolve_dispute(swap=refunded, moderator=moderator, outcome="refunded")

    # then
    assert counters(paid.responder, paid.requester) == {
        (paid.responder_id, "sessions_taught"): 1,
        (paid.responder_id, "minutes_taught"): 60,
        (paid.responder_id, "points_earned"): 40,
        (paid.requester_id, "sessions_learned"): 1,
    }
    assert counters(refunded.responder, refunded.requester) == {}


def test_the_recount_providers_agree_with_what_completion_recorded():
    # given one completed paid session and one still accepted
    swap = move_to_past(accepted_points_swap(points=40, balance=100))
    services.swap_complete(swap=swap, actor=swap.responder)
    services.swap_complete(swap=swap, actor=swap.requester)
    move_to_past(
        accepted_points_swap(points=10, balance=100, responder=swap.responder), ended_hours_ago=5
    )

    # when / then
    assert selectors.activity_sessions_taught() == {swap.responder_id: 1}
    assert selectors.activity_sessions_learned() == {swap.requester_id: 1}
    assert selectors.activity_minutes_taught() == {swap.responder_id: 60}
    assert selectors.activity_points_earned() == {swap.responder_id: 40}
