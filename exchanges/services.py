"""Every write of the exchanges app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

Lock order, always: the swap row (``SELECT … FOR UPDATE``), then the participants' bookings
(inserted, guarded by the exclusion constraint), then the wallets (``rewards.services`` locks them
in primary-key order). Points move only through ``rewards.services`` with the reference
``swap:{id}`` and a deterministic idempotency key per movement, so a retried request never moves
points twice. Notifications, calendar updates and socket events leave after commit.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from exchanges import state_machine
from exchanges.models import CalendarFeed, SessionBooking, Swap, VideoCall, VideoCallParticipant
from marketplace import selectors as marketplace_selectors
from messaging import services as messaging_services
from messaging.groups import broadcast_on_commit, call_group
from rewards import selectors as rewards_selectors
from rewards import services as rewards_services

if TYPE_CHECKING:
    from accounts.models import User
    from marketplace.models import Category, Offer

S = Swap.Status
logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Helpers shared by the services
# --------------------------------------------------------------------------------------------


def _lock_swap(swap: Swap | int) -> Swap:
    """Fetch the swap ``FOR UPDATE`` (with both parties). Call inside a transaction."""
    swap_id = swap if isinstance(swap, int) else swap.pk
    try:
        return (
            Swap.objects.select_for_update(of=("self",))
            .select_related("requester", "responder")
            .get(pk=swap_id)
        )
    except Swap.DoesNotExist as exc:
        raise NotFound() from exc


def _notify(swap: Swap, *, recipient: User, kind: str, **extra: Any) -> None:
    """Notify one party (after commit, through messaging) with the keys its texts use."""
    other = swap.other_party(recipient)
    context = {
        "swap_id": swap.pk,
        "swap_title": swap.title,
        "other_name": other.public_name,
        "start": swap.scheduled_start.isoformat(),
        "end": swap.scheduled_end.isoformat(),
        "status": swap.status,
        "points_amount": swap.points_amount,
        **extra,
    }
    messaging_services.notification_send(
        recipient=recipient, kind=kind, context=context, related_type="swap", related_id=swap.pk
    )


def _calendar_sync_on_commit(swap: Swap) -> None:
    """Queue the Google Calendar update once the move has committed (only if anyone linked)."""
    from allauth.socialaccount.models import SocialToken

    from exchanges.tasks import swap_calendar_sync_task

    has_events = swap.requester_calendar_event_id or swap.responder_calendar_event_id
    # One query for both parties; the same test as ``google_token_get`` (a Google token stored).
    if has_events or (
        SocialToken.objects.filter(
            account__user_id__in=[swap.requester_id, swap.responder_id],
            account__provider="google",
        ).exists()
    ):
        swap_calendar_sync_task.delay_on_commit(swap.pk)


def _validate_times(start: datetime, end: datetime, *, now: datetime, field: str = "") -> None:
    prefix = f"{field}_" if field else "scheduled_"
    if end <= start:
        raise ValidationFailed(
            fields={f"{prefix}end": [_("The session must end after it starts.")]}
        )
    if start <= now:
        raise ValidationFailed(fields={f"{prefix}start": [_("Choose a time in the future.")]})
    longest = timedelta(minutes=settings.EXCHANGES_MAX_SESSION_MINUTES)
    if end - start > longest:
        raise ValidationFailed(
            fields={
                f"{prefix}end": [
                    _("A session lasts at most %(minutes)d minutes.")
                    % {"minutes": settings.EXCHANGES_MAX_SESSION_MINUTES}
                ]
            }
        )


def _ensure_available(responder: User, start: datetime, end: datetime, *, field: str = "") -> None:
    if not marketplace_selectors.user_is_available(user=responder, start=start, end=end):
        prefix = f"{field}_" if field else "scheduled_"
        raise ValidationFailed(
            _("%(name)s is not available at that time.") % {"name": responder.public_name},
            fields={
                f"{prefix}start": [_("The time is outside the responder's weekly availability.")]
            },
        )


def _overlapping_bookings(
    users: list[User], start: datetime, end: datetime, *, exclude_swap_id: int | None = None
):
    bookings = SessionBooking.objects.filter(
        user__in=users, starts_at__lt=end, ends_at__gt=start
    ).select_related("user")
    if exclude_swap_id is not None:
        bookings = bookings.exclude(swap_id=exclude_swap_id)
    return bookings


def _schedule_conflict(booking: SessionBooking | None = None, *, swap: Swap | None = None):
    if booking is not None:
        message = _("%(name)s already has a session at that time.") % {
            "name": booking.user.public_name
        }
    else:
        message = _("One of the participants already has a session at that time.")
    extra: dict[str, Any] = {}
    if swap is not None:
        extra["current_status"] = swap.status
    return Conflict(message, code="schedule_conflict", extra=extra)


def _ensure_no_overlap(
    users: list[User], start: datetime, end: datetime, *, swap: Swap | None = None
) -> None:
    clash = _overlapping_bookings(
        users, start, end, exclude_swap_id=swap.pk if swap is not None else None
    ).first()
    if clash is not None:
        raise _schedule_conflict(clash, swap=swap)


# Namespace of the transaction-scoped advisory locks on a member's diary.
DIARY_LOCK_NAMESPACE = 7401


def _lock_diaries(users: list[User]) -> None:
    """Serialise booking changes per participant (PostgreSQL advisory locks, user-id order).

    Without it two transactions inserting overlapping bookings each wait for the other inside the
    exclusion constraint's check and PostgreSQL aborts one with a deadlock. With it the second
    waits here, then its overlap check sees the first one's committed booking. The exclusion
    constraint stays the guarantee; SQLite already runs one writer at a time.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({user.pk % 2**31 for user in users})
    # One round trip: PostgreSQL evaluates a target list left to right, so the locks are still
    # taken in ascending key order.
    calls = ", ".join("pg_advisory_xact_lock(%s, %s)" for _key in keys)
    params = [value for key in keys for value in (DIARY_LOCK_NAMESPACE, key)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}", params)  # noqa: S608 - placeholders only


def _book(swap: Swap) -> None:
    """Insert both participants' bookings; a 409 if either already holds an overlapping one.

    Takes the participants' diary locks first. The explicit check gives a precise message; the
    exclusion constraint (PostgreSQL) refuses an overlap whatever path wrote it.
    """
    users = [swap.requester, swap.responder]
    _lock_diaries(users)
    _ensure_no_overlap(users, swap.scheduled_start, swap.scheduled_end, swap=swap)
    try:
        # No savepoint of its own: a failure here always ends in a Conflict that rolls back the
        # caller's whole atomic block (savepoint=False marks it for rollback).
        with transaction.atomic(savepoint=False):
            SessionBooking.objects.bulk_create(
                [
                    SessionBooking(
                        swap=swap,
                        user=user,
                        starts_at=swap.scheduled_start,
                        ends_at=swap.scheduled_end,
                    )
                    for user in users
                ]
            )
    except (IntegrityError, OperationalError) as exc:
        # An exclusion violation, or the deadlock an exclusion check can end in.
        if isinstance(exc, OperationalError) and not _is_deadlock(exc):
            raise
        raise _schedule_conflict(swap=swap) from exc


def _move_bookings(swap: Swap, start: datetime, end: datetime) -> None:
    users = [swap.requester, swap.responder]
    _lock_diaries(users)
    _ensure_no_overlap(users, start, end, swap=swap)
    try:
        with transaction.atomic(savepoint=False):  # as in _book: a failure rolls the caller back
            SessionBooking.objects.filter(swap=swap).update(starts_at=start, ends_at=end)
    except (IntegrityError, OperationalError) as exc:
        # An exclusion violation, or the deadlock an exclusion check can end in.
        if isinstance(exc, OperationalError) and not _is_deadlock(exc):
            raise
        raise _schedule_conflict(swap=swap) from exc


def _is_deadlock(exc: Exception) -> bool:
    return getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "40P01"


def _hold_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:hold"


def _release_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:release"


def _refund_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:refund"


def _pay_responder(swap: Swap, amount: int) -> None:
    if amount <= 0:
        return
    rewards_services.escrow_release(
        user=swap.responder,
        amount=amount,
        reference=swap.reference,
        idempotency_key=_release_key(swap),
        reason="swap_payment",
    )
    swap.paid_points = amount


def _refund_requester(swap: Swap, amount: int) -> None:
    if amount <= 0:
        return
    rewards_services.escrow_refund(
        user=swap.requester,
        amount=amount,
        reference=swap.reference,
        idempotency_key=_refund_key(swap),
        reason="swap_refund",
    )
    swap.refunded_points = amount


def _settle_split(swap: Swap, *, refund: int, payout: int) -> None:
    # One ledger transfer for both sides: a release then a refund would lock the two wallets in
    # call order and could deadlock against a transfer between the same members.
    rewards_services.escrow_settle(
        reference=swap.reference,
        payee=swap.responder,
        payee_amount=payout,
        payer=swap.requester,
        payer_amount=refund,
        idempotency_key=f"swap:{swap.pk}:settle",
    )
    swap.paid_points = payout
    swap.refunded_points = refund


def cancellation_split(*, swap: Swap, actor: User, now: datetime) -> tuple[int, int]:
    """``(refund to the requester, payment to the responder)`` for cancelling ``swap`` now.

    CANCELLATION_POLICY: a full refund until ``full_refund_hours`` before the start; later, the
    requester gets ``late_refund_percent`` back and the responder the rest. A responder who
    cancels never earns from it: the requester always gets everything back then.
    """
    if swap.kind != Swap.Kind.POINTS or swap.status != S.ACCEPTED:
        return 0, 0
    amount = swap.points_amount
    policy = settings.CANCELLATION_POLICY
    if actor.pk == swap.responder_id:
        return amount, 0
    if now <= swap.scheduled_start - timedelta(hours=policy["full_refund_hours"]):
        return amount, 0
    payout = amount * (100 - policy["late_refund_percent"]) // 100
    return amount - payout, payout


# --------------------------------------------------------------------------------------------
# Creating a swap
# --------------------------------------------------------------------------------------------


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
        if offer.status != "active":
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

    offer_price = int(getattr(offer, "price_points", 0) or 0)
    if points_amount is None:
        points_amount = offer_price if kind in (None, Swap.Kind.POINTS) else 0
    if kind is None:
        kind = Swap.Kind.POINTS if points_amount > 0 else Swap.Kind.SWAP
    if kind == Swap.Kind.SWAP:
        points_amount = 0
    elif points_amount <= 0:
        raise ValidationFailed(
            fields={"points_amount": [_("A paid session needs a price in points.")]}
        )
    elif not responder.has_perm("accounts.sell_paid_sessions"):
        # Paid sessions are sold by experts only (seed 004's "friend"); a swap needs no role.
        raise ValidationFailed(
            code="expert_required",
            fields={
                "points_amount": [_("Only experts sell paid sessions; request a swap instead.")]
            },
        )

    _validate_times(scheduled_start, scheduled_end, now=now)
    _ensure_available(responder, scheduled_start, scheduled_end)
    _ensure_no_overlap([requester, responder], scheduled_start, scheduled_end)
    if (
        kind == Swap.Kind.POINTS
        and rewards_selectors.wallet_balance(user=requester) < points_amount
    ):
        raise Conflict(
            _("You do not have enough points for this session."),
            code="insufficient_balance",
            extra={"required": points_amount},
        )

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


# --------------------------------------------------------------------------------------------
# The named moves
# --------------------------------------------------------------------------------------------


@transaction.atomic
def swap_accept(*, swap: Swap | int, actor: User) -> Swap:
    """Accept a pending request: book both diaries and hold the price in escrow.

    Locks the swap row, then inserts the bookings (the exclusion constraint refuses an overlap
    even against a concurrent accept), then ``escrow_hold`` locks the requester's wallet. A 409
    when the time clashes or the requester cannot pay; nothing is accepted then.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("accept", swap=swap, user=actor, now=now)
    _book(swap)
    if swap.kind == Swap.Kind.POINTS:
        rewards_services.escrow_hold(
            user=swap.requester,
            amount=swap.points_amount,
            reference=swap.reference,
            idempotency_key=_hold_key(swap),
            reason="swap_escrow",
        )
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

    Frees both bookings and settles the escrow by CANCELLATION_POLICY (see
    ``cancellation_split``). Locks the swap row, then the wallets through ``rewards.services``;
    the calendar events are deleted after commit.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    state_machine.ensure_allowed("cancel", swap=swap, user=actor, now=now)
    was_accepted = swap.status == S.ACCEPTED
    refund, payout = cancellation_split(swap=swap, actor=actor, now=now)
    SessionBooking.objects.filter(swap=swap).delete()
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
    """Pay the responder and close the swap. The caller holds the swap row lock."""
    if swap.kind == Swap.Kind.POINTS:
        _pay_responder(swap, swap.points_amount)
    swap.status = S.COMPLETED
    swap.completed_at = now
    swap.save()


@transaction.atomic
def swap_complete(*, swap: Swap | int, actor: User) -> Swap:
    """Mark the session complete after it ended; the other party's mark confirms it.

    The first mark leaves the swap accepted and starts the auto-complete clock
    (EXCHANGES_AUTO_COMPLETE_HOURS); the confirmation pays the responder out of escrow.
    Locks the swap row, then the wallets.
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
    kind = "swap_completed" if outcome == Swap.Resolution.COMPLETED else "swap_cancelled"
    for recipient in (swap.requester, swap.responder):
        _notify(swap, recipient=recipient, kind=kind, resolution=outcome, note=note)
    return swap


ACTION_SERVICES = {
    "accept": lambda swap, actor, data: swap_accept(swap=swap, actor=actor),
    "reject": lambda swap, actor, data: swap_reject(
        swap=swap, actor=actor, reason=data.get("reason", "")
    ),
    "cancel": lambda swap, actor, data: swap_cancel(
        swap=swap, actor=actor, reason=data.get("reason", "")
    ),
    "complete": lambda swap, actor, data: swap_complete(swap=swap, actor=actor),
    "dispute": lambda swap, actor, data: swap_dispute(
        swap=swap, actor=actor, reason=data.get("reason") or data.get("dispute_reason", "")
    ),
    "accept_reschedule": lambda swap, actor, data: swap_reschedule_accept(swap=swap, actor=actor),
    "decline_reschedule": lambda swap, actor, data: swap_reschedule_decline(swap=swap, actor=actor),
}


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
        swap = ACTION_SERVICES[action](swap, actor, data)
    return swap


# --------------------------------------------------------------------------------------------
# Background moves: auto-completion and reminders
# --------------------------------------------------------------------------------------------


def swaps_auto_complete(*, now: datetime | None = None) -> int:
    """Complete every swap marked complete more than EXCHANGES_AUTO_COMPLETE_HOURS ago.

    Each swap is completed in its own transaction under its row lock and re-checked there, so a
    dispute or confirmation that lands first wins and two workers never pay twice.
    """
    now = now or timezone.now()
    deadline = now - timedelta(hours=settings.EXCHANGES_AUTO_COMPLETE_HOURS)
    due = Swap.objects.filter(status=S.ACCEPTED, completion_requested_at__lte=deadline).values_list(
        "pk", flat=True
    )
    completed = 0
    for swap_id in list(due):
        with transaction.atomic():
            swap = _lock_swap(swap_id)
            if swap.status != S.ACCEPTED or swap.completion_requested_at is None:
                continue
            if swap.completion_requested_at > deadline:
                continue
            _complete(swap, now=now)
            for recipient in (swap.requester, swap.responder):
                _notify(swap, recipient=recipient, kind="swap_completed", auto=True)
            completed += 1
    return completed


REMINDERS = (
    # (field, notification kind, settings key)
    ("reminder_24h_sent_at", "session_reminder_24h", "24h"),
    ("reminder_1h_sent_at", "session_reminder_1h", "1h"),
)


def session_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send the 24 h and 1 h reminders that are due, each exactly once per session.

    A reminder is claimed by a conditional ``UPDATE … WHERE reminder_…_sent_at IS NULL`` in the
    same transaction that creates the notifications: of two beat ticks or two workers, only the
    one whose UPDATE changed the row sends. The 24 h reminder is skipped for sessions booked
    less than the 1 h window ahead (the 1 h reminder covers them).
    """
    now = now or timezone.now()
    windows = settings.EXCHANGES_REMINDER_WINDOWS
    sent = {}
    for field, kind, key in REMINDERS:
        window = timedelta(minutes=windows[key])
        due = Swap.objects.filter(
            status=S.ACCEPTED,
            scheduled_start__gt=now,
            scheduled_start__lte=now + window,
            **{f"{field}__isnull": True},
        )
        if key == "24h":
            due = due.filter(scheduled_start__gt=now + timedelta(minutes=windows["1h"]))
        count = 0
        for swap_id in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = Swap.objects.filter(
                    pk=swap_id, status=S.ACCEPTED, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                swap = Swap.objects.select_related("requester", "responder").get(pk=swap_id)
                for recipient in (swap.requester, swap.responder):
                    _notify(
                        swap,
                        recipient=recipient,
                        kind=kind,
                        other_name=swap.other_party(recipient).public_name,
                    )
                count += 1
        sent[key] = count
    return sent


# --------------------------------------------------------------------------------------------
# Video calls
# --------------------------------------------------------------------------------------------


def _new_join_token() -> str:
    return secrets.token_urlsafe(32)


def _token_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.VIDEO_CALL_TOKEN_TTL_MINUTES)


@transaction.atomic
def video_call_create(*, swap: Swap | int, actor: User) -> tuple[VideoCall, bool]:
    """Open the video room of an accepted swap (or return the one already open).

    Each participant gets a join token that expires; the other party is told the call started.
    Locks the swap row, so two simultaneous requests open one room. Returns ``(call, created)``.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    if not swap.is_party(actor):
        raise NotFound()
    if swap.status != S.ACCEPTED:
        raise Conflict(
            _("A video call needs an accepted swap."),
            code="invalid_transition",
            extra={"current_status": swap.status},
        )
    existing = VideoCall.objects.filter(swap=swap).exclude(status=VideoCall.Status.ENDED).first()
    if existing is not None:
        video_call_token_refresh(call=existing, user=actor)
        return existing, False
    call = VideoCall.objects.create(swap=swap, created_by=actor)
    VideoCallParticipant.objects.bulk_create(
        [
            VideoCallParticipant(
                call=call,
                user=user,
                join_token=_new_join_token(),
                token_expires_at=_token_expiry(now),
            )
            for user in (swap.requester, swap.responder)
        ]
    )
    _notify(
        swap,
        recipient=swap.other_party(actor),
        kind="call_started",
        call_id=call.pk,
    )
    return call, True


def video_call_token_refresh(*, call: VideoCall, user: User) -> VideoCallParticipant | None:
    """Give ``user`` a fresh join token when theirs has expired and the call is still open."""
    now = timezone.now()
    participant = VideoCallParticipant.objects.filter(call=call, user=user).first()
    if participant is None or call.status == VideoCall.Status.ENDED:
        return participant
    if participant.token_expires_at <= now:
        participant.join_token = _new_join_token()
        participant.token_expires_at = _token_expiry(now)
        participant.save(update_fields=["join_token", "token_expires_at"])
    return participant


def _finish_call(call: VideoCall, *, now: datetime, ended_by: User | None) -> None:
    call.status = VideoCall.Status.ENDED
    call.ended_at = now
    call.ended_by = ended_by
    if call.started_at is not None:
        call.duration_seconds = max(0, int((now - call.started_at).total_seconds()))
    else:
        call.duration_seconds = 0
    call.save()
    broadcast_on_commit(call_group(call.pk), {"type": "call.ended", "call_id": call.pk})


@transaction.atomic
def video_call_end(*, call: VideoCall | int, actor: User) -> VideoCall:
    """End the call for everyone and record its actual duration. Locks the call row."""
    now = timezone.now()
    call_id = call if isinstance(call, int) else call.pk
    call = VideoCall.objects.select_for_update().select_related("swap").filter(pk=call_id).first()
    if call is None or not call.participants.filter(user=actor).exists():
        raise NotFound()
    if call.status != VideoCall.Status.ENDED:
        _finish_call(call, now=now, ended_by=actor)
    return call


@transaction.atomic
def video_call_join(*, call_id: int, user: User, join_token: str) -> VideoCall:
    """Admit ``user`` to the call with their join token; record the join. Locks the call row.

    Raises ``Forbidden`` for anyone who is not a participant, a wrong or expired token, or a call
    that has ended.
    """
    now = timezone.now()
    call = VideoCall.objects.select_for_update().filter(pk=call_id).first()
    if call is None or call.status == VideoCall.Status.ENDED:
        raise Forbidden()
    participant = VideoCallParticipant.objects.filter(call=call, user=user).first()
    if (
        participant is None
        or not join_token
        or not secrets.compare_digest(participant.join_token, join_token)
        or participant.token_expires_at <= now
    ):
        raise Forbidden()
    participant.connections = F("connections") + 1
    if participant.joined_at is None:
        participant.joined_at = now
    participant.save(update_fields=["connections", "joined_at"])
    if call.started_at is None:
        call.started_at = now
    if call.status == VideoCall.Status.WAITING and (
        VideoCallParticipant.objects.filter(call=call, joined_at__isnull=False).count() >= 2
    ):
        call.status = VideoCall.Status.ACTIVE
    call.save(update_fields=["started_at", "status"])
    return call


@transaction.atomic
def video_call_leave(*, call_id: int, user: User) -> VideoCall | None:
    """Record that one of ``user``'s sockets left; end the call when the last one of a call
    that both participants joined has gone. Locks the call row."""
    now = timezone.now()
    call = VideoCall.objects.select_for_update().filter(pk=call_id).first()
    if call is None:
        return None
    VideoCallParticipant.objects.filter(call=call, user=user, connections__gt=0).update(
        connections=F("connections") - 1, left_at=now
    )
    still_connected = VideoCallParticipant.objects.filter(call=call, connections__gt=0).exists()
    both_joined = (
        VideoCallParticipant.objects.filter(call=call, joined_at__isnull=False).count() >= 2
    )
    if call.status != VideoCall.Status.ENDED and not still_connected and both_joined:
        _finish_call(call, now=now, ended_by=None)
    return call


# --------------------------------------------------------------------------------------------
# Calendar feed
# --------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """Revoke every earlier ``calendar.ics`` URL of ``user`` by bumping the feed version."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.version = F("version") + 1
        feed.save(update_fields=["version", "updated_at"])
        feed.refresh_from_db()
    return feed


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


# --------------------------------------------------------------------------------------------
# Google Calendar
# --------------------------------------------------------------------------------------------

CALENDAR_PRESENT = {S.ACCEPTED}
CALENDAR_ABSENT = {S.PENDING, S.REJECTED, S.CANCELLED, S.REFUNDED}


def swap_calendar_sync(*, swap: Swap | int, raise_unavailable: bool = False) -> list[dict]:
    """Make each linked participant's Google Calendar match the swap: create, update or delete.

    An accepted swap has an event at its current time; a cancelled, rejected or refunded one has
    none; a completed or disputed one keeps whatever it had. Holds no lock and no transaction
    while Google answers; each participant's event id is saved with a single-row UPDATE. Safe to
    run twice or concurrently (deterministic event ids). Returns one result per participant:
    ``{"user_id", "role", "status", "event_id", "html_link"}`` with status created, updated,
    deleted, unchanged, not_linked, reauth_required or error.
    """
    from exchanges import google_calendar

    swap_id = swap if isinstance(swap, int) else swap.pk
    swap = Swap.objects.select_related("requester", "responder").get(pk=swap_id)
    results = []
    for role, user, field in (
        ("requester", swap.requester, "requester_calendar_event_id"),
        ("responder", swap.responder, "responder_calendar_event_id"),
    ):
        current = getattr(swap, field)
        result = {"user_id": user.pk, "role": role, "event_id": current, "html_link": ""}
        results.append(result)
        token = google_calendar.google_token_get(user)
        if token is None:
            result["status"] = "not_linked"
            continue
        wanted = swap.status in CALENDAR_PRESENT
        if not wanted and (swap.status not in CALENDAR_ABSENT or not current):
            result["status"] = "unchanged"
            continue
        try:
            client = google_calendar.CalendarClient(user, token)
            if wanted:
                event_id = current or google_calendar.event_id_for(swap, user)
                body = google_calendar.event_body(swap, user, event_id)
                status, event = client.upsert(event_id, body, known=bool(current))
                new_id = event.event_id
                result.update(status=status, event_id=new_id, html_link=event.html_link)
            else:
                client.delete(current)
                new_id = ""
                result.update(status="deleted", event_id="")
        except google_calendar.CalendarReauthRequired:
            result["status"] = "reauth_required"
            continue
        except google_calendar.CalendarUnavailable:
            if raise_unavailable:
                raise
            result["status"] = "error"
            continue
        except google_calendar.CalendarError:
            logger.exception("Google Calendar refused swap %s for user %s", swap.pk, user.pk)
            result["status"] = "error"
            continue
        Swap.objects.filter(pk=swap.pk).update(
            **{field: new_id, "calendar_synced_at": timezone.now()}
        )
    return results


# --------------------------------------------------------------------------------------------
# accounts hooks
# --------------------------------------------------------------------------------------------


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
