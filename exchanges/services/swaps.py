"""Swaps: the request, the named moves of the state machine, edits by PUT/PATCH, and the
accounts deletion hook.

Lock order, always: the swap row (``_lock_swap``), then the participants' diaries and bookings
(``scheduling``), then the video call row (``video_calls``), then the wallets (``rewards.services``
locks them in primary-key order). Notifications, calendar updates and socket events leave after
commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from exchanges import state_machine
from exchanges.models import SessionBooking, Swap
from exchanges.services.accepting import swap_accept_postgresql
from exchanges.services.common import _calendar_sync_on_commit, _lock_swap, _notify
from exchanges.services.points import (
    _ensure_can_pay,
    _hold_price,
    _pay_responder,
    _refund_requester,
    _settle_split,
    cancellation_split,
)
from exchanges.services.scheduling import (
    _book,
    _ensure_available,
    _ensure_no_overlap,
    _first_free_start,
    _move_bookings,
    _validate_times,
)
from exchanges.services.video_calls import video_calls_close_for_swap
from messaging import services as messaging_services
from rewards.activity import ActivityRecord, activity_record_many
from rewards.models import Counter

if TYPE_CHECKING:
    from accounts.models import User
    from marketplace.models import Category, Offer

S = Swap.Status


def swap_pricing(
    *, offer: Offer | None, responder: User, kind: str | None, points_amount: int | None
) -> tuple[str, int]:
    """The swap's ``(kind, points_amount)`` from what the requester asked and the offer's price.

    - No amount given: a paid (or unspecified) request takes the offer's price, a swap costs 0.
    - No kind given: paid when there is a price, a skill-for-skill swap otherwise.
    - A swap never costs points; a paid session needs a positive price and an expert responder
      (paid sessions are sold by experts only, seed 004's "friend"; a swap needs no role).
    """
    offer_price = int(getattr(offer, "price_points", 0) or 0)
    if points_amount is None:
        points_amount = offer_price if kind in (None, Swap.Kind.POINTS) else 0
    if kind is None:
        kind = Swap.Kind.POINTS if points_amount > 0 else Swap.Kind.SWAP
    if kind == Swap.Kind.SWAP:
        return kind, 0
    if points_amount <= 0:
        raise ValidationFailed(
            fields={"points_amount": [_("A paid session needs a price in points.")]}
        )
    if not responder.has_perm("accounts.sell_paid_sessions"):
        raise ValidationFailed(
            code="expert_required",
            fields={
                "points_amount": [_("Only experts sell paid sessions; request a swap instead.")]
            },
        )
    return kind, points_amount


@transaction.atomic
def swap_create(
    *,
    requester: User,
    scheduled_start: datetime,
    scheduled_end: datetime | None = None,
    responder: User | None = None,
    offer: Offer | None = None,
    kind: str | None = None,
    points_amount: int | None = None,
    title: str = "",
    description: str = "",
    category: Category | None = None,
    session_type: str = Swap.SessionType.VIDEO,
    mode: str | None = None,
    location: str = "",
    notes: str = "",
) -> Swap:
    """Request a session with ``responder`` (or the owner of ``offer``).

    The price comes from the offer (``points`` kind) unless the parties agreed on another amount;
    the time must fall in the responder's weekly availability and clash with neither party's
    accepted sessions. Nothing is held yet: the points move into escrow on accept. Takes no locks.
    """
    now = timezone.now()
    if offer is not None:
        if responder is not None and responder.pk != offer.owner_id:
            raise ValidationFailed(
                fields={"responder_id": [_("The responder must be the offer's owner.")]}
            )
        responder = offer.owner
        if offer.status != "active" or offer.is_expired:
            raise ValidationFailed(fields={"offer_id": [_("This offer is not available.")]})
    if responder is None:
        raise ValidationFailed(fields={"responder_id": [_("Choose who the session is with.")]})
    if responder.pk == requester.pk:
        raise ValidationFailed(
            fields={"responder_id": [_("You cannot request a swap with yourself.")]}
        )
    if not responder.is_active:
        raise ValidationFailed(fields={"responder_id": [_("This member is not available.")]})

    if scheduled_end is None:
        minutes = (getattr(offer, "session_minutes", None) or 0) or (
            settings.EXCHANGES_DEFAULT_SESSION_MINUTES
        )
        scheduled_end = scheduled_start + timedelta(minutes=minutes)

    kind, points_amount = swap_pricing(
        offer=offer, responder=responder, kind=kind, points_amount=points_amount
    )

    _validate_times(scheduled_start, scheduled_end, now=now)
    _ensure_available(responder, scheduled_start, scheduled_end)
    _ensure_no_overlap([requester, responder], scheduled_start, scheduled_end)
    if kind == Swap.Kind.POINTS:
        _ensure_can_pay(requester, points_amount)

    swap = Swap.objects.create(
        requester=requester,
        responder=responder,
        offer=offer,
        kind=kind,
        points_amount=points_amount,
        title=title or (offer.title if offer is not None else _("Skill session")),
        description=description,
        category=category or (offer.category if offer is not None else None),
        session_type=session_type,
        mode=mode or (getattr(offer, "mode", None) or Swap.Mode.ONLINE),
        location=location,
        scheduled_start=scheduled_start,
        scheduled_end=scheduled_end,
        notes=notes,
    )
    messaging_services.thread_get_or_create_for_subject(
        subject_type="swap",
        subject_id=swap.pk,
        participants=[requester, responder],
        title=swap.title,
    )
    _notify(swap, recipient=responder, kind="swap_requested")
    return swap


def swap_order_create(
    *,
    buyer: User,
    offer: Offer,
    scheduled_start: datetime | None = None,
    duration_minutes: int | None = None,
    notes: str = "",
) -> Swap:
    """Order ``offer`` (seed 002's ``points/orders/``): a paid request to its owner at the offer's
    price, through ``swap_create`` and its rules.

    Without ``scheduled_start`` the session takes the seller's first free slot (their weekly
    availability, clear of both parties' sessions); a 400 on ``scheduled_start`` when there is
    none in the next two weeks. Takes no locks.
    """
    minutes = duration_minutes or (
        getattr(offer, "session_minutes", None) or settings.EXCHANGES_DEFAULT_SESSION_MINUTES
    )
    length = timedelta(minutes=minutes)
    if scheduled_start is None:
        scheduled_start = _first_free_start(
            responder=offer.owner, requester=buyer, length=length, now=timezone.now()
        )
        if scheduled_start is None:
            raise ValidationFailed(
                fields={
                    "scheduled_start": [
                        _("The seller has no free time in the next two weeks; choose a time.")
                    ]
                }
            )
    return swap_create(
        requester=buyer,
        offer=offer,
        kind=Swap.Kind.POINTS,
        scheduled_start=scheduled_start,
        scheduled_end=scheduled_start + length,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# The named moves
# --------------------------------------------------------------------------------------------


@transaction.atomic
def swap_accept(*, swap: Swap | int, actor: User) -> Swap:
    """Accept a pending request: book both diaries and hold the price in escrow.

    Locks the swap row, then inserts the bookings (the exclusion constraint refuses an overlap
    even against a concurrent accept), then ``escrow_hold`` locks the requester's wallet. A 409
    when the time clashes or the requester cannot pay; nothing is accepted then. On PostgreSQL
    ``accepting.swap_accept_postgresql`` does it (same locks and refusals, fewer statements).
    """
    now = timezone.now()
    if connection.vendor == "postgresql":
        # The same move in six round trips, its statements built once per process.
        if isinstance(swap, int):
            return swap_accept_postgresql(swap_id=swap, actor=actor, now=now)
        accepted = swap_accept_postgresql(swap_id=swap.pk, actor=actor, now=now)
        # The parties the caller already loaded stay on the swap it gets back (the accept read
        # only a few of their columns; another field would load on first access, which async
        # callers cannot do).
        for descriptor in (Swap.requester, Swap.responder):
            name = descriptor.field.name
            if descriptor.is_cached(swap):
                loaded = getattr(swap, name)
                if loaded.pk == getattr(accepted, name).pk:
                    setattr(accepted, name, loaded)
        return accepted
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("accept", swap=swap, user=actor, now=now)
    _book(swap)
    if swap.kind == Swap.Kind.POINTS:
        _hold_price(swap)
    swap.status = S.ACCEPTED
    swap.accepted_at = swap.updated_at = now
    # An UPDATE of the locked row, not save(): no foreign key changes, so Wagtail's reference
    # index (refreshed on every post_save once the admin viewsets are registered) has nothing to
    # learn, and skipping it saves four queries per accept.
    Swap.objects.filter(pk=swap.pk).update(status=S.ACCEPTED, accepted_at=now, updated_at=now)
    _notify(swap, recipient=swap.requester, kind="swap_accepted")
    _calendar_sync_on_commit(swap)
    return swap


@transaction.atomic
def swap_reject(*, swap: Swap | int, actor: User, reason: str = "") -> Swap:
    """Decline a pending request (responder only). Locks the swap row."""
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("reject", swap=swap, user=actor, now=now)
    swap.status = S.REJECTED
    swap.rejected_at = now
    swap.cancellation_reason = reason
    swap.proposed_start = swap.proposed_end = swap.proposed_by = swap.proposed_at = None
    swap.save()
    _notify(swap, recipient=swap.requester, kind="swap_rejected", reason=reason)
    return swap


@transaction.atomic
def swap_cancel(*, swap: Swap | int, actor: User, reason: str = "") -> Swap:
    """Withdraw a pending request or call off an accepted session before it starts.

    Frees both bookings, ends the swap's video call (its sockets are closed after commit) and
    settles the escrow by CANCELLATION_POLICY (see ``cancellation_split``). Locks the swap row,
    then the call row, then the wallets through ``rewards.services``; the calendar events are
    deleted after commit.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("cancel", swap=swap, user=actor, now=now)
    was_accepted = swap.status == S.ACCEPTED
    refund, payout = cancellation_split(swap=swap, actor=actor, now=now)
    SessionBooking.objects.filter(swap=swap).delete()
    video_calls_close_for_swap(swap=swap, now=now)
    if refund and payout:
        _settle_split(swap, refund=refund, payout=payout)
    else:
        _refund_requester(swap, refund)
        _pay_responder(swap, payout)
    swap.status = S.CANCELLED
    swap.cancelled_at = now
    swap.cancelled_by = actor
    swap.cancellation_reason = reason
    swap.proposed_start = swap.proposed_end = swap.proposed_by = swap.proposed_at = None
    swap.save()
    _notify(
        swap,
        recipient=swap.other_party(actor),
        kind="swap_cancelled",
        reason=reason,
        refunded_points=refund,
        paid_points=payout,
    )
    if was_accepted:
        _calendar_sync_on_commit(swap)
    return swap


@transaction.atomic
def swap_reschedule(
    *, swap: Swap | int, actor: User, start: datetime, end: datetime | None = None
) -> Swap:
    """Propose a new time; the other party accepts or declines it. Locks the swap row.

    A later proposal replaces an earlier one (a counter-proposal). When the requester proposes,
    the time must fall in the responder's availability; the responder may offer any time.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("reschedule", swap=swap, user=actor, now=now)
    end = end or start + swap.duration
    _validate_times(start, end, now=now, field="proposed")
    if start == swap.scheduled_start and end == swap.scheduled_end:
        raise ValidationFailed(
            fields={"proposed_start": [_("The session is already at that time.")]}
        )
    if actor.pk == swap.requester_id:
        _ensure_available(swap.responder, start, end, field="proposed")
    _ensure_no_overlap([swap.requester, swap.responder], start, end, swap=swap)
    swap.proposed_start, swap.proposed_end = start, end
    swap.proposed_by = actor
    swap.proposed_at = now
    swap.save()
    _notify(
        swap,
        recipient=swap.other_party(actor),
        kind="swap_rescheduled",
        start=start.isoformat(),
        end=end.isoformat(),
        proposal=True,
    )
    return swap


@transaction.atomic
def swap_reschedule_accept(*, swap: Swap | int, actor: User) -> Swap:
    """Move the session to the proposed time (the party who did not propose it).

    Locks the swap row, then moves both bookings (the exclusion constraint refuses an overlap);
    resets the reminders and updates the calendar events after commit.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("accept_reschedule", swap=swap, user=actor, now=now)
    start, end = swap.proposed_start, swap.proposed_end
    if start <= now:
        raise state_machine.invalid_transition(
            _("The proposed time has passed; propose another one."), swap=swap, user=actor, now=now
        )
    if swap.status == S.ACCEPTED:
        _move_bookings(swap, start, end)
    else:
        _ensure_no_overlap([swap.requester, swap.responder], start, end, swap=swap)
    swap.scheduled_start, swap.scheduled_end = start, end
    swap.proposed_start = swap.proposed_end = swap.proposed_by = swap.proposed_at = None
    swap.sequence += 1
    swap.reminder_24h_sent_at = swap.reminder_1h_sent_at = None
    swap.save()
    _notify(swap, recipient=swap.other_party(actor), kind="swap_rescheduled")
    if swap.status == S.ACCEPTED:
        _calendar_sync_on_commit(swap)
    return swap


@transaction.atomic
def swap_reschedule_decline(*, swap: Swap | int, actor: User) -> Swap:
    """Drop the pending proposal (declined by the other party or withdrawn by its author)."""
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("decline_reschedule", swap=swap, user=actor, now=now)
    proposer = swap.proposed_by
    swap.proposed_start = swap.proposed_end = swap.proposed_by = swap.proposed_at = None
    swap.save()
    if proposer is not None and proposer.pk != actor.pk:
        _notify(swap, recipient=proposer, kind="swap_rescheduled", declined=True)
    return swap


def _complete(swap: Swap, *, now: datetime) -> None:
    """End the swap's call, pay the responder, close the swap and count it for both parties.

    The caller holds the swap row lock."""
    video_calls_close_for_swap(swap=swap, now=now)
    if swap.kind == Swap.Kind.POINTS:
        _pay_responder(swap, swap.points_amount)
    swap.status = S.COMPLETED
    swap.completed_at = now
    swap.save()
    _activity_on_completed(swap)


def _activity_on_completed(swap: Swap) -> None:
    """Count the completed session: the responder taught it, the requester learned it.

    The responder is the offer's owner for both kinds: a skill-for-skill swap is one session
    about the responder's offer (the reverse lesson is its own swap), so every completed swap is
    one session for each party and its minutes are counted once. Source ``swap:<id>`` per
    counter: a retried or repeated completion counts nothing. Called last in the swap's
    transaction: the activity counters come after the swap, call and wallet locks.
    """
    source = f"swap:{swap.pk}"
    records = [
        ActivityRecord(swap.responder_id, Counter.SESSIONS_TAUGHT, source, 1, swap.completed_at),
        ActivityRecord(swap.requester_id, Counter.SESSIONS_LEARNED, source, 1, swap.completed_at),
    ]
    if swap.duration_minutes > 0:
        records.append(
            ActivityRecord(
                swap.responder_id,
                Counter.MINUTES_TAUGHT,
                source,
                swap.duration_minutes,
                swap.completed_at,
            )
        )
    if swap.paid_points > 0:
        records.append(
            ActivityRecord(
                swap.responder_id,
                Counter.POINTS_EARNED,
                source,
                swap.paid_points,
                swap.completed_at,
            )
        )
    activity_record_many(records)


@transaction.atomic
def swap_complete(*, swap: Swap | int, actor: User) -> Swap:
    """Mark the session complete after it ended; the other party's mark confirms it.

    The first mark leaves the swap accepted and starts the auto-complete clock
    (EXCHANGES_AUTO_COMPLETE_HOURS); the confirmation ends the video call and pays the
    responder out of escrow. Locks the swap row, then the call row, then the wallets.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("complete", swap=swap, user=actor, now=now)
    other = swap.other_party(actor)
    if swap.completion_requested_by_id is None:
        swap.completion_requested_by = actor
        swap.completion_requested_at = now
        swap.save()
        _notify(swap, recipient=other, kind="swap_completed", confirmation_needed=True)
        return swap
    _complete(swap, now=now)
    for recipient in (swap.requester, swap.responder):
        _notify(swap, recipient=recipient, kind="swap_completed")
    return swap


@transaction.atomic
def swap_dispute(*, swap: Swap | int, actor: User, reason: str) -> Swap:
    """Freeze the swap and its escrow until a moderator resolves it. Locks the swap row."""
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("dispute", swap=swap, user=actor, now=now)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Tell the moderators what went wrong.")]})
    swap.status = S.DISPUTED
    swap.disputed_by = actor
    swap.disputed_at = now
    swap.dispute_reason = reason
    swap.save()
    _notify(swap, recipient=swap.other_party(actor), kind="swap_disputed")
    return swap


@transaction.atomic
def swap_resolve_dispute(
    *, swap: Swap | int, moderator: User, outcome: str, note: str = ""
) -> Swap:
    """Close a dispute as completed (pay the responder) or refunded (return the escrow).

    For moderators with ``exchanges.resolve_dispute``. Locks the swap row, then the wallets.
    """
    now = timezone.now()
    if not moderator.has_perm("exchanges.resolve_dispute"):
        raise Forbidden()
    if outcome not in Swap.Resolution.values:
        raise ValidationFailed(fields={"outcome": [_("Choose completed or refunded.")]})
    swap = _lock_swap(swap)
    if swap.status != S.DISPUTED:
        raise Conflict(
            _("Only a disputed swap can be resolved."),
            code="invalid_transition",
            extra={"current_status": swap.status, "allowed_actions": []},
        )
    video_calls_close_for_swap(swap=swap, now=now)
    if outcome == Swap.Resolution.COMPLETED:
        if swap.kind == Swap.Kind.POINTS:
            _pay_responder(swap, swap.points_amount)
        swap.status = S.COMPLETED
        swap.completed_at = now
    else:
        if swap.kind == Swap.Kind.POINTS:
            _refund_requester(swap, swap.points_amount)
        swap.status = S.REFUNDED
    swap.resolution = outcome
    swap.resolved_by = moderator
    swap.resolved_at = now
    swap.resolution_note = note
    swap.save()
    if swap.status == S.COMPLETED:
        _activity_on_completed(swap)
    kind = "swap_completed" if outcome == Swap.Resolution.COMPLETED else "swap_cancelled"
    for recipient in (swap.requester, swap.responder):
        _notify(swap, recipient=recipient, kind=kind, resolution=outcome, note=note)
    return swap


def swap_move(*, swap: Swap | int, actor: User, action: str, reason: str = "") -> Swap:
    """Make the named move ``action`` (``state_machine.ACTIONS`` minus ``reschedule``, which
    needs a time: call ``swap_reschedule``). ``reason`` is kept for reject, cancel and dispute."""
    if action == "accept":
        return swap_accept(swap=swap, actor=actor)
    if action == "reject":
        return swap_reject(swap=swap, actor=actor, reason=reason)
    if action == "cancel":
        return swap_cancel(swap=swap, actor=actor, reason=reason)
    if action == "complete":
        return swap_complete(swap=swap, actor=actor)
    if action == "dispute":
        return swap_dispute(swap=swap, actor=actor, reason=reason)
    if action == "accept_reschedule":
        return swap_reschedule_accept(swap=swap, actor=actor)
    if action == "decline_reschedule":
        return swap_reschedule_decline(swap=swap, actor=actor)
    raise ValueError(f"not a named move without arguments: {action}")


@transaction.atomic
def swap_update(*, swap: Swap | int, actor: User, data: dict[str, Any]) -> Swap:
    """Apply a PUT/PATCH: notes, a new time (a reschedule proposal) and a ``status`` change.

    A ``status`` is translated into the named move it means (``accepted`` → accept, …) and goes
    through exactly the same rules; an unchanged status is not a move. Locks the swap row.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    if not swap.is_party(actor):
        raise NotFound()
    if "notes" in data and data["notes"] != swap.notes:
        swap.notes = data["notes"]
        swap.save(update_fields=["notes", "updated_at"])

    start = data.get("proposed_start") or data.get("scheduled_start")
    end = data.get("proposed_end") or data.get("scheduled_end")
    if start is not None or end is not None:
        new_start = start or swap.scheduled_start
        new_end = end or (new_start + swap.duration)
        if (new_start, new_end) != (swap.scheduled_start, swap.scheduled_end):
            swap = swap_reschedule(swap=swap, actor=actor, start=new_start, end=new_end)

    status = data.get("status")
    if (
        status
        and status != swap.status
        and not (status == "confirmed" and swap.status == S.ACCEPTED)
    ):
        action = state_machine.STATUS_TO_ACTION.get(status)
        if action is None:
            raise state_machine.invalid_transition(
                _("The status cannot be set to %(status)s.") % {"status": status},
                swap=swap,
                user=actor,
                now=now,
            )
        reason = data.get("reason", "")
        if action == "dispute":
            reason = data.get("reason") or data.get("dispute_reason", "")
        swap = swap_move(swap=swap, actor=actor, action=action, reason=reason)
    return swap


def swaps_on_user_deleted(user: User) -> None:
    """accounts' deletion hook: call off the member's upcoming swaps before anonymising them.

    Runs inside ``accounts.services.user_delete``'s transaction. A pending request to the member
    is rejected; anything else upcoming is cancelled by the member (so a requester's late cancel
    follows CANCELLATION_POLICY and a responder's refunds everything). Sessions already held stay
    as they are: confirmation, auto-completion and disputes continue without the member.
    """
    now = timezone.now()
    reason = _("The member deleted their account.")
    upcoming = (
        Swap.objects.filter(Q(requester=user) | Q(responder=user))
        .filter(status__in=[S.PENDING, S.ACCEPTED], scheduled_start__gt=now)
        .order_by("pk")
        .values_list("pk", "status", "responder_id")
    )
    for swap_id, status, responder_id in list(upcoming):
        if status == S.PENDING and responder_id == user.pk:
            swap_reject(swap=swap_id, actor=user, reason=reason)
        else:
            swap_cancel(swap=swap_id, actor=user, reason=reason)
