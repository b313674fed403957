"""Swap services: creation, every move allowed and refused, escrow by policy, completion."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.exceptions import Conflict, Forbidden, ValidationFailed
from exchanges import services
from exchanges.models import SessionBooking, Swap
from messaging.models import Notification
from rewards.selectors import escrow_held, wallet_balance
from tests.accounts.factories import UserFactory
from tests.exchanges.conftest import ledger_ok, snapshot
from tests.exchanges.factories import OfferFactory, SwapFactory, always_available, at, expert
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db

S = Swap.Status


def accepted_points_swap(*, points: int = 40, balance: int = 100, **fields) -> Swap:
    requester = fields.pop("requester", None) or funded_user(balance)
    swap = services.swap_create(
        requester=requester,
        responder=fields.pop("responder", None) or expert(),
        kind=Swap.Kind.POINTS,
        points_amount=points,
        scheduled_start=fields.pop("scheduled_start", at(72)),
        **fields,
    )
    return services.swap_accept(swap=swap, actor=swap.responder)


def move_to_past(swap: Swap, *, ended_hours_ago: float = 1) -> Swap:
    """Pretend the session already happened (what time would do)."""
    end = at(-ended_hours_ago)
    Swap.objects.filter(pk=swap.pk).update(
        scheduled_start=end - dt.timedelta(hours=1), scheduled_end=end
    )
    SessionBooking.objects.filter(swap=swap).update(
        starts_at=end - dt.timedelta(hours=1), ends_at=end
    )
    return Swap.objects.get(pk=swap.pk)


# --- creating -------------------------------------------------------------------------------


def test_create_from_a_paid_offer_takes_price_owner_and_length_from_it():
    # given
    offer = OfferFactory(price_points=25, session_minutes=90)
    requester = funded_user(100)
    start = at(30)

    # when
    swap = services.swap_create(requester=requester, offer=offer, scheduled_start=start)

    # then
    assert swap.status == S.PENDING
    assert swap.responder == offer.owner
    assert swap.kind == Swap.Kind.POINTS
    assert swap.points_amount == 25
    assert swap.title == offer.title
    assert swap.category == offer.category
    assert swap.scheduled_end == start + dt.timedelta(minutes=90)
    assert wallet_balance(user=requester) == 100  # nothing held before the accept
    notification = Notification.objects.get(recipient=offer.owner)
    assert notification.kind == "swap_requested"
    assert notification.related_type == "swap"
    assert notification.related_id == swap.pk


def test_create_skill_for_skill_from_a_free_offer():
    offer = OfferFactory(price_points=0)

    swap = services.swap_create(requester=UserFactory(), offer=offer, scheduled_start=at(30))

    assert (swap.kind, swap.points_amount) == (Swap.Kind.SWAP, 0)


def test_create_with_an_agreed_price_without_offer():
    swap = services.swap_create(
        requester=funded_user(50),
        responder=expert(),
        kind=Swap.Kind.POINTS,
        points_amount=15,
        scheduled_start=at(30),
        scheduled_end=at(31),
    )

    assert (swap.kind, swap.points_amount) == (Swap.Kind.POINTS, 15)


def test_a_paid_session_with_a_member_who_is_not_an_expert_is_refused():
    # given a member (no expert role) who is available
    member = UserFactory()
    always_available(member)

    # when someone asks to pay them for a session
    with pytest.raises(ValidationFailed) as refused:
        services.swap_create(
            requester=funded_user(50),
            responder=member,
            kind=Swap.Kind.POINTS,
            points_amount=15,
            scheduled_start=at(30),
            scheduled_end=at(31),
        )

    # then it is refused on the price and no swap exists; a skill-for-skill swap is fine
    assert refused.value.code == "expert_required"
    assert list(refused.value.fields) == ["points_amount"]
    assert Swap.objects.count() == 0
    swap = services.swap_create(
        requester=UserFactory(), responder=member, scheduled_start=at(30), scheduled_end=at(31)
    )
    assert swap.kind == Swap.Kind.SWAP


def test_create_outside_the_responders_availability_is_refused():
    # given a responder with no weekly slots
    responder = UserFactory()

    # when / then
    with pytest.raises(ValidationFailed) as caught:
        services.swap_create(requester=UserFactory(), responder=responder, scheduled_start=at(30))
    assert "scheduled_start" in caught.value.fields
    assert Swap.objects.count() == 0


def test_create_in_a_responders_slot_but_on_another_day_is_refused():
    from marketplace.models import AvailabilitySlot

    responder = UserFactory(time_zone="UTC")
    start = at(30)
    other_day = (start.weekday() + 3) % 7
    AvailabilitySlot.objects.create(
        user=responder, day_of_week=other_day, start_time=dt.time(0), end_time=dt.time(0)
    )

    with pytest.raises(ValidationFailed):
        services.swap_create(requester=UserFactory(), responder=responder, scheduled_start=start)
    assert Swap.objects.count() == 0


def test_create_overlapping_an_accepted_session_of_either_party_is_a_conflict():
    # given the responder already has an accepted session 10:00-11:00
    booked = accepted_points_swap(scheduled_start=at(50))

    # when someone else asks for 10:30
    with pytest.raises(Conflict) as caught:
        services.swap_create(
            requester=UserFactory(),
            responder=booked.responder,
            scheduled_start=booked.scheduled_start + dt.timedelta(minutes=30),
        )

    # then
    assert caught.value.code == "schedule_conflict"
    assert Swap.objects.count() == 1


def test_back_to_back_sessions_do_not_overlap():
    booked = accepted_points_swap(scheduled_start=at(50))

    swap = services.swap_create(
        requester=funded_user(100),
        responder=booked.responder,
        kind=Swap.Kind.POINTS,
        points_amount=10,
        scheduled_start=booked.scheduled_end,
    )
    services.swap_accept(swap=swap, actor=swap.responder)

    assert SessionBooking.objects.filter(user=booked.responder).count() == 2


@pytest.mark.parametrize(
    ("start_hours", "end_hours", "field"),
    [(-1, 1, "scheduled_start"), (5, 4, "scheduled_end"), (5, 15, "scheduled_end")],
)
def test_create_with_bad_times_is_refused(start_hours, end_hours, field):
    with pytest.raises(ValidationFailed) as caught:
        services.swap_create(
            requester=UserFactory(),
            responder=expert(),
            scheduled_start=at(start_hours),
            scheduled_end=at(end_hours),
        )
    assert field in caught.value.fields


def test_create_with_yourself_is_refused():
    user = expert()

    with pytest.raises(ValidationFailed):
        services.swap_create(requester=user, responder=user, scheduled_start=at(30))


def test_create_a_paid_swap_without_enough_points_is_a_conflict():
    with pytest.raises(Conflict) as caught:
        services.swap_create(
            requester=funded_user(5),
            responder=expert(),
            kind=Swap.Kind.POINTS,
            points_amount=10,
            scheduled_start=at(30),
        )
    assert caught.value.code == "insufficient_balance"
    assert Swap.objects.count() == 0


def test_create_opens_a_message_thread_for_the_swap():
    from messaging.models import Thread

    requester, responder = UserFactory(), expert()

    swap = services.swap_create(requester=requester, responder=responder, scheduled_start=at(30))

    thread = Thread.objects.get(subject_type="swap", subject_id=swap.pk)
    assert set(thread.participants.values_list("user_id", flat=True)) == {
        requester.pk,
        responder.pk,
    }


# --- every move, allowed and refused ---------------------------------------------------------

REQ, RESP = "requester", "responder"
FUTURE_ALLOWED = {
    (S.PENDING, "accept", RESP),
    (S.PENDING, "reject", RESP),
    (S.PENDING, "cancel", REQ),
    (S.PENDING, "reschedule", REQ),
    (S.PENDING, "reschedule", RESP),
    (S.ACCEPTED, "cancel", REQ),
    (S.ACCEPTED, "cancel", RESP),
    (S.ACCEPTED, "reschedule", REQ),
    (S.ACCEPTED, "reschedule", RESP),
}
PAST_ALLOWED = {
    (S.PENDING, "reject", RESP),
    (S.PENDING, "cancel", REQ),
    (S.ACCEPTED, "complete", REQ),
    (S.ACCEPTED, "complete", RESP),
    (S.ACCEPTED, "dispute", REQ),
    (S.ACCEPTED, "dispute", RESP),
}
MOVES = ["accept", "reject", "cancel", "reschedule", "complete", "dispute"]


def _make(status: str, *, past: bool) -> Swap:
    swap = SwapFactory(status=status)
    if status == S.ACCEPTED:
        SessionBooking.objects.bulk_create(
            SessionBooking(
                swap=swap, user=user, starts_at=swap.scheduled_start, ends_at=swap.scheduled_end
            )
            for user in (swap.requester, swap.responder)
        )
    return move_to_past(swap) if past else swap


def _move(action: str, swap: Swap, actor) -> Swap:
    if action == "reschedule":
        return services.swap_reschedule(swap=swap, actor=actor, start=at(100))
    if action == "dispute":
        return services.swap_dispute(swap=swap, actor=actor, reason="No show")
    return services.swap_move(swap=swap, actor=actor, action=action)


CASES = [
    (status, action, role, past)
    for past in (False, True)
    for status in S.values
    for action in MOVES
    for role in (REQ, RESP)
]


@pytest.mark.parametrize(("status", "action", "role", "past"), CASES)
def test_every_move_in_every_state(status, action, role, past):
    # given
    swap = _make(status, past=past)
    actor = swap.requester if role == REQ else swap.responder
    allowed = (status, action, role) in (PAST_ALLOWED if past else FUTURE_ALLOWED)
    before = snapshot(swap)

    # when / then
    if allowed:
        _move(action, swap, actor)
        assert snapshot(swap) != before
    else:
        with pytest.raises(Conflict) as caught:
            _move(action, swap, actor)
        assert caught.value.code == "invalid_transition"
        assert caught.value.extra["current_status"] == status
        assert snapshot(swap) == before


def test_an_outsider_can_make_no_move():
    swap = _make(S.PENDING, past=False)
    before = snapshot(swap)

    for action in MOVES:
        with pytest.raises(Conflict):
            _move(action, swap, UserFactory())
    assert snapshot(swap) == before


def test_refusal_lists_the_moves_the_caller_has():
    swap = _make(S.PENDING, past=False)

    with pytest.raises(Conflict) as caught:
        services.swap_accept(swap=swap, actor=swap.requester)

    assert caught.value.extra["allowed_actions"] == ["cancel", "reschedule"]


# --- accept and escrow -----------------------------------------------------------------------


def test_accepting_a_points_swap_books_both_and_holds_the_price():
    # given
    requester = funded_user(100)
    swap = services.swap_create(
        requester=requester,
        responder=expert(),
        kind="points",
        points_amount=40,
        scheduled_start=at(30),
    )

    # when
    swap = services.swap_accept(swap=swap, actor=swap.responder)

    # then
    assert swap.status == S.ACCEPTED
    assert wallet_balance(user=requester) == 60
    assert escrow_held(reference=f"swap:{swap.pk}") == 40
    assert set(SessionBooking.objects.values_list("user_id", flat=True)) == {
        swap.requester_id,
        swap.responder_id,
    }
    assert Notification.objects.filter(recipient=requester, kind="swap_accepted").count() == 1
    ledger_ok()


def test_accept_when_the_requester_can_no_longer_pay_accepts_nothing():
    # given the requester spent their points after asking
    requester = funded_user(100)
    swap = services.swap_create(
        requester=requester,
        responder=expert(),
        kind="points",
        points_amount=80,
        scheduled_start=at(30),
    )
    from rewards.services import points_transfer

    points_transfer(source=requester, target=UserFactory(), amount=50, reason="tip")
    before = snapshot(swap)

    # when
    with pytest.raises(Conflict) as caught:
        services.swap_accept(swap=swap, actor=swap.responder)

    # then
    assert caught.value.code == "insufficient_balance"
    assert snapshot(swap) == before
    assert SessionBooking.objects.count() == 0
    ledger_ok()


def test_accept_overlapping_the_responders_accepted_session_is_a_conflict():
    # given two requests for overlapping times, one already accepted
    responder = expert()
    first = services.swap_create(
        requester=UserFactory(), responder=responder, scheduled_start=at(30)
    )
    second = services.swap_create(
        requester=UserFactory(), responder=responder, scheduled_start=at(30.5)
    )
    services.swap_accept(swap=first, actor=responder)
    before = snapshot(second)

    # when
    with pytest.raises(Conflict) as caught:
        services.swap_accept(swap=second, actor=responder)

    # then
    assert caught.value.code == "schedule_conflict"
    assert snapshot(second) == before


def test_accept_overlapping_the_requesters_accepted_session_is_a_conflict():
    requester = UserFactory()
    always_available(requester)
    first = services.swap_create(requester=requester, responder=expert(), scheduled_start=at(30))
    second = services.swap_create(requester=requester, responder=expert(), scheduled_start=at(30.5))
    services.swap_accept(swap=first, actor=first.responder)

    with pytest.raises(Conflict) as caught:
        services.swap_accept(swap=second, actor=second.responder)

    assert caught.value.code == "schedule_conflict"
    assert Swap.objects.get(pk=second.pk).status == S.PENDING


# --- cancelling by policy --------------------------------------------------------------------


def test_cancel_well_before_the_start_refunds_everything():
    swap = accepted_points_swap(points=40, balance=100, scheduled_start=at(72))

    swap = services.swap_cancel(swap=swap, actor=swap.requester, reason="Sick")

    assert swap.status == S.CANCELLED
    assert (swap.refunded_points, swap.paid_points) == (40, 0)
    assert wallet_balance(user=swap.requester) == 100
    assert wallet_balance(user=swap.responder) == 0
    assert escrow_held(reference=swap.reference) == 0
    assert SessionBooking.objects.filter(swap=swap).count() == 0
    ledger_ok()


def test_late_cancel_by_the_requester_splits_by_policy(settings):
    settings.CANCELLATION_POLICY = {"full_refund_hours": 24, "late_refund_percent": 25}
    swap = accepted_points_swap(points=40, balance=100, scheduled_start=at(10))

    swap = services.swap_cancel(swap=swap, actor=swap.requester)

    assert (swap.refunded_points, swap.paid_points) == (10, 30)
    assert wallet_balance(user=swap.requester) == 70
    assert wallet_balance(user=swap.responder) == 30
    assert escrow_held(reference=swap.reference) == 0
    # both sides settle in one transfer, so the two wallets are locked together in key order
    from rewards.models import Transfer

    assert Transfer.objects.filter(idempotency_key__startswith=f"swap:{swap.pk}:").count() == 2
    assert Transfer.objects.filter(idempotency_key=f"swap:{swap.pk}:settle").count() == 1
    ledger_ok()


def test_late_cancel_by_the_responder_refunds_everything(settings):
    settings.CANCELLATION_POLICY = {"full_refund_hours": 24, "late_refund_percent": 25}
    swap = accepted_points_swap(points=40, balance=100, scheduled_start=at(10))

    swap = services.swap_cancel(swap=swap, actor=swap.responder)

    assert (swap.refunded_points, swap.paid_points) == (40, 0)
    assert wallet_balance(user=swap.requester) == 100
    ledger_ok()


def test_cancelled_time_is_free_again():
    swap = accepted_points_swap(scheduled_start=at(30))
    services.swap_cancel(swap=swap, actor=swap.requester)

    other = services.swap_create(
        requester=UserFactory(), responder=swap.responder, scheduled_start=at(30)
    )
    services.swap_accept(swap=other, actor=other.responder)

    assert Swap.objects.get(pk=other.pk).status == S.ACCEPTED


# --- rescheduling ----------------------------------------------------------------------------


def test_reschedule_is_a_proposal_the_other_party_accepts():
    # given
    swap = accepted_points_swap(scheduled_start=at(30))
    old_start = swap.scheduled_start
    new_start = at(80)

    # when the requester proposes
    swap = services.swap_reschedule(swap=swap, actor=swap.requester, start=new_start)

    # then nothing moved yet
    assert swap.scheduled_start == old_start
    assert (swap.proposed_start, swap.proposed_by) == (new_start, swap.requester)
    assert Notification.objects.filter(recipient=swap.responder, kind="swap_rescheduled").exists()

    # when the responder accepts the proposal
    swap = services.swap_reschedule_accept(swap=swap, actor=swap.responder)

    # then
    assert swap.scheduled_start == new_start
    assert swap.scheduled_end == new_start + dt.timedelta(hours=1)
    assert swap.proposed_start is None
    assert swap.sequence == 1
    assert swap.status == S.ACCEPTED
    assert set(SessionBooking.objects.filter(swap=swap).values_list("starts_at", flat=True)) == {
        new_start
    }
    ledger_ok()


def test_the_proposer_cannot_accept_their_own_proposal():
    swap = accepted_points_swap(scheduled_start=at(30))
    swap = services.swap_reschedule(swap=swap, actor=swap.requester, start=at(80))
    before = snapshot(swap)

    with pytest.raises(Conflict):
        services.swap_reschedule_accept(swap=swap, actor=swap.requester)
    assert snapshot(swap) == before


def test_declining_a_proposal_keeps_the_time():
    swap = accepted_points_swap(scheduled_start=at(30))
    old = swap.scheduled_start
    swap = services.swap_reschedule(swap=swap, actor=swap.responder, start=at(80))

    swap = services.swap_reschedule_decline(swap=swap, actor=swap.requester)

    assert (swap.scheduled_start, swap.proposed_start) == (old, None)


def test_accepting_a_proposal_onto_a_booked_time_is_a_conflict():
    # given the responder has another accepted session at the proposed time
    swap = accepted_points_swap(scheduled_start=at(30))
    swap = services.swap_reschedule(swap=swap, actor=swap.requester, start=at(80))
    other = services.swap_create(
        requester=UserFactory(), responder=swap.responder, scheduled_start=at(80.5)
    )
    services.swap_accept(swap=other, actor=swap.responder)
    before = snapshot(swap)

    # when
    with pytest.raises(Conflict) as caught:
        services.swap_reschedule_accept(swap=swap, actor=swap.responder)

    # then
    assert caught.value.code == "schedule_conflict"
    assert snapshot(swap) == before


def test_requester_cannot_propose_outside_the_responders_availability():
    responder = UserFactory()
    from marketplace.models import AvailabilitySlot

    # mid-morning, so the hour-long session never runs past midnight out of the one-day slot
    start = at(30).replace(hour=10, minute=0)
    AvailabilitySlot.objects.create(
        user=responder, day_of_week=start.weekday(), start_time=dt.time(0), end_time=dt.time(0)
    )
    swap = services.swap_create(requester=UserFactory(), responder=responder, scheduled_start=start)

    with pytest.raises(ValidationFailed):
        services.swap_reschedule(
            swap=swap, actor=swap.requester, start=start + dt.timedelta(days=2)
        )
    assert Swap.objects.get(pk=swap.pk).proposed_start is None


# --- completing and disputes -----------------------------------------------------------------


def test_complete_needs_both_parties_then_pays_the_responder():
    # given a session that ended
    swap = move_to_past(accepted_points_swap(points=40, balance=100))

    # when the responder marks it complete
    swap = services.swap_complete(swap=swap, actor=swap.responder)

    # then it waits for the requester
    assert swap.status == S.ACCEPTED
    assert swap.completion_requested_by == swap.responder
    assert wallet_balance(user=swap.responder) == 0
    with pytest.raises(Conflict):
        services.swap_complete(swap=swap, actor=swap.responder)

    # when the requester confirms
    swap = services.swap_complete(swap=swap, actor=swap.requester)

    # then
    assert swap.status == S.COMPLETED
    assert swap.paid_points == 40
    assert wallet_balance(user=swap.responder) == 40
    assert wallet_balance(user=swap.requester) == 60
    assert escrow_held(reference=swap.reference) == 0
    ledger_ok()


def test_complete_on_a_completed_swap_moves_nothing():
    swap = move_to_past(accepted_points_swap(points=40))
    services.swap_complete(swap=swap, actor=swap.responder)
    services.swap_complete(swap=swap, actor=swap.requester)
    before = snapshot(swap)

    for actor in (swap.requester, swap.responder):
        with pytest.raises(Conflict):
            services.swap_complete(swap=swap, actor=actor)
    assert snapshot(swap) == before
    ledger_ok()


def test_auto_complete_after_the_delay_unless_disputed(settings):
    settings.EXCHANGES_AUTO_COMPLETE_HOURS = 48
    marked = move_to_past(accepted_points_swap(points=20))
    services.swap_complete(swap=marked, actor=marked.responder)
    disputed = move_to_past(accepted_points_swap(points=20))
    services.swap_complete(swap=disputed, actor=disputed.responder)
    services.swap_dispute(swap=disputed, actor=disputed.requester, reason="It never happened")

    # not yet
    assert services.swaps_auto_complete(now=timezone.now() + dt.timedelta(hours=47)) == 0
    assert Swap.objects.get(pk=marked.pk).status == S.ACCEPTED

    # 48 hours after the mark
    assert services.swaps_auto_complete(now=timezone.now() + dt.timedelta(hours=49)) == 1
    assert services.swaps_auto_complete(now=timezone.now() + dt.timedelta(hours=50)) == 0

    assert Swap.objects.get(pk=marked.pk).status == S.COMPLETED
    assert wallet_balance(user=marked.responder) == 20
    assert Swap.objects.get(pk=disputed.pk).status == S.DISPUTED
    assert escrow_held(reference=disputed.reference) == 20
    ledger_ok()


def test_dispute_freezes_the_escrow_until_a_moderator_pays(moderator):
    swap = move_to_past(accepted_points_swap(points=40, balance=100))
    swap = services.swap_dispute(swap=swap, actor=swap.requester, reason="Half the session")

    assert swap.status == S.DISPUTED
    assert escrow_held(reference=swap.reference) == 40
    for actor in (swap.requester, swap.responder):
        with pytest.raises(Conflict):
            services.swap_complete(swap=swap, actor=actor)

    swap = services.swap_resolve_dispute(
        swap=swap, moderator=moderator, outcome="completed", note="Recording shows it"
    )

    assert (swap.status, swap.resolution, swap.resolved_by) == (S.COMPLETED, "completed", moderator)
    assert wallet_balance(user=swap.responder) == 40
    assert escrow_held(reference=swap.reference) == 0
    ledger_ok()


def test_dispute_resolved_as_refund_returns_the_points(moderator):
    swap = move_to_past(accepted_points_swap(points=40, balance=100))
    services.swap_dispute(swap=swap, actor=swap.responder, reason="No show")

    swap = services.swap_resolve_dispute(swap=swap, moderator=moderator, outcome="refunded")

    assert swap.status == S.REFUNDED
    assert wallet_balance(user=swap.requester) == 100
    assert wallet_balance(user=swap.responder) == 0
    ledger_ok()


def test_only_moderators_resolve_disputes_and_only_once(moderator):
    swap = move_to_past(accepted_points_swap(points=40))
    services.swap_dispute(swap=swap, actor=swap.responder, reason="No show")
    before = snapshot(swap)

    with pytest.raises(Forbidden):
        services.swap_resolve_dispute(swap=swap, moderator=swap.requester, outcome="refunded")
    assert snapshot(swap) == before

    services.swap_resolve_dispute(swap=swap, moderator=moderator, outcome="refunded")
    after = snapshot(swap)
    with pytest.raises(Conflict):
        services.swap_resolve_dispute(swap=swap, moderator=moderator, outcome="completed")
    assert snapshot(swap) == after
    ledger_ok()


def test_dispute_needs_a_reason():
    swap = move_to_past(accepted_points_swap())

    with pytest.raises(ValidationFailed):
        services.swap_dispute(swap=swap, actor=swap.requester, reason="  ")
    assert Swap.objects.get(pk=swap.pk).status == S.ACCEPTED


# --- PUT/PATCH status goes through the same rules --------------------------------------------


def test_status_update_means_the_named_move():
    swap = services.swap_create(
        requester=funded_user(50), responder=expert(), scheduled_start=at(30)
    )

    swap = services.swap_update(swap=swap, actor=swap.responder, data={"status": "confirmed"})

    assert swap.status == S.ACCEPTED
    assert SessionBooking.objects.filter(swap=swap).count() == 2


def test_status_update_by_the_wrong_party_is_refused_and_changes_nothing():
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    before = snapshot(swap)

    with pytest.raises(Conflict) as caught:
        services.swap_update(
            swap=swap, actor=swap.requester, data={"status": "accepted", "notes": "please"}
        )

    assert caught.value.extra["current_status"] == "pending"
    assert snapshot(swap) == before


def test_setting_an_unreachable_status_is_refused():
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))

    with pytest.raises(Conflict):
        services.swap_update(swap=swap, actor=swap.responder, data={"status": "refunded"})
    assert Swap.objects.get(pk=swap.pk).status == S.PENDING


def test_unchanged_status_with_notes_only_edits_notes():
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))

    swap = services.swap_update(
        swap=swap, actor=swap.requester, data={"status": "pending", "notes": "Bring a laptop"}
    )

    assert (swap.status, swap.notes) == (S.PENDING, "Bring a laptop")


def test_new_scheduled_start_proposes_a_reschedule():
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    new_start = at(60)

    swap = services.swap_update(
        swap=swap, actor=swap.responder, data={"scheduled_start": new_start}
    )

    assert swap.scheduled_start != new_start
    assert (swap.proposed_start, swap.proposed_end) == (
        new_start,
        new_start + dt.timedelta(hours=1),
    )
    assert swap.proposed_by == swap.responder


# --- accounts hooks --------------------------------------------------------------------------


def test_deleting_an_account_calls_off_its_upcoming_swaps():
    from accounts.services import user_delete
    from tests.accounts.factories import DEFAULT_PASSWORD

    # given the member requested a paid session, and was asked for one
    member = funded_user(100)
    always_available(member)
    mine = accepted_points_swap(requester=member, points=40, scheduled_start=at(72))
    asked = services.swap_create(requester=UserFactory(), responder=member, scheduled_start=at(90))
    held = move_to_past(accepted_points_swap(requester=member, points=10, scheduled_start=at(120)))

    # when
    user_delete(user=member, password=DEFAULT_PASSWORD)

    # then
    assert Swap.objects.get(pk=mine.pk).status == S.CANCELLED
    assert Swap.objects.get(pk=asked.pk).status == S.REJECTED
    assert Swap.objects.get(pk=held.pk).status == S.ACCEPTED
    assert escrow_held(reference=mine.reference) == 0
    ledger_ok()


def test_swaps_are_in_the_data_export():
    from exchanges.selectors import swaps_export

    swap = accepted_points_swap(points=15)

    (row,) = swaps_export(swap.requester)

    assert (row["id"], row["role"], row["status"], row["points_amount"]) == (
        swap.pk,
        "requester",
        "accepted",
        15,
    )
    assert row["other_party_id"] == swap.responder_id
