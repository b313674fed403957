"""Every write of events: booking, the waiting list, cancellations, refunds, the host's payout.

Lock order (docs/architecture.md): the event's ``EventSeats`` row first (``FOR NO KEY UPDATE``:
only counters change, never a key), then bookings of that event, then ledger accounts through
``rewards.services`` (which lock wallets and escrow accounts in primary-key order). Nothing here
does network or file I/O; notifications are sent after commit.

A paid seat holds ``price_points`` in the escrow account of ``event:<event id>:booking:<booking
id>``; cancellation refunds part of it by ``EVENT_CANCELLATION_POLICY``, and after the event the
rest is paid to the host (``event_payout``, run by Celery beat).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.events.models import EventBooking, EventPage, EventSeats
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from rewards import services as ledger
from rewards.activity import activity_record
from rewards.models import Counter
from rewards.services import InsufficientBalance, WalletLimitExceeded

if TYPE_CHECKING:
    from accounts.models import User
    from messaging.models import Thread

B = EventBooking.Status
REASON_HOLD = "event_booking"
REASON_PAYOUT = "event_payment"
REASON_REFUND = "event_refund"
THREAD_SUBJECT = "event"


class EventClosed(Conflict):
    code = "event_closed"


class AlreadyBooked(Conflict):
    code = "already_booked"


class BookingCancelled(Conflict):
    code = "booking_cancelled"


@dataclass(frozen=True)
class Outcome:
    """What a booking write did, for the caller's message."""

    booking: EventBooking | None
    promoted: list[EventBooking]
    skipped: list[EventBooking]
    refunded: int = 0


# --- helpers -------------------------------------------------------------------------------------


def _seats_locked(event: EventPage) -> EventSeats:
    """The event's seat row, locked (created first if the event never had one)."""
    seats = EventSeats.objects.select_for_update(no_key=True).filter(event=event).first()
    if seats is None:
        # First booking: concurrent creators meet on the unique event id; then lock.
        EventSeats.objects.get_or_create(event=event)
        seats = EventSeats.objects.select_for_update(no_key=True).get(event=event)
    return seats


def _notify(booking: EventBooking, kind: str) -> None:
    from community.events.notifications import notify_booking

    transaction.on_commit(lambda: notify_booking(booking_id=booking.pk, kind=kind))


def refund_for(*, booking: EventBooking, now: dt.datetime) -> int:
    """The points ``EVENT_CANCELLATION_POLICY`` refunds when ``booking`` is cancelled ``now``."""
    held = booking.points_held - booking.points_refunded - booking.points_paid_out
    if held <= 0:
        return 0
    policy = settings.EVENT_CANCELLATION_POLICY
    hours_left = (booking.event.starts_at - now).total_seconds() / 3600
    if hours_left >= policy["full_refund_hours"]:
        return held
    if hours_left >= policy["partial_refund_hours"]:
        return held * int(policy["partial_refund_percent"]) // 100
    return 0


def _hold(booking: EventBooking, amount: int) -> None:
    """Hold ``amount`` of the member's points for ``booking`` (ledger locks; may raise)."""
    transfer = ledger.escrow_hold(
        user=booking.member,
        amount=amount,
        reference=booking.escrow_reference,
        idempotency_key=f"{booking.escrow_reference}:hold",
        reason=REASON_HOLD,
    )
    booking.points_held = amount
    booking.hold_transfer_id = transfer.pk


def _refund(booking: EventBooking, amount: int) -> None:
    if amount <= 0:
        return
    transfer = ledger.escrow_refund(
        user=booking.member,
        amount=amount,
        reference=booking.escrow_reference,
        idempotency_key=f"{booking.escrow_reference}:refund",
        reason=REASON_REFUND,
    )
    booking.points_refunded += amount
    booking.refund_transfer_id = transfer.pk


def _check_bookable(event: EventPage, seats: EventSeats, member: User, now: dt.datetime) -> None:
    if not event.live or seats.cancelled_at is not None:
        raise EventClosed(_("This event is not open for booking."))
    if event.starts_at <= now:
        raise EventClosed(_("This event has already started."))
    if event.host_id == member.pk:
        raise Forbidden(_("You host this event; hosts do not book their own events."))


# --- booking -------------------------------------------------------------------------------------


@transaction.atomic
def event_book(*, event: EventPage, member: User, now: dt.datetime | None = None) -> EventBooking:
    """Give ``member`` a seat at ``event``, or a place on its waiting list when it is full.

    ``event`` may be any translation; the booking is kept on its source page. Locks the seat row
    (``FOR NO KEY UPDATE``), then counts and inserts; a paid seat then holds the price in escrow
    (ledger locks), so an ``InsufficientBalance`` (409) rolls the whole booking back. A waiting
    place holds nothing until it is promoted. Refused with 409 ``already_booked`` when the member
    already has an active booking, 409 ``event_closed`` for a past, cancelled or unpublished
    event, 403 for the host. After commit: a ``event_booking_confirmed`` or ``event_waitlisted``
    notification.
    """
    now = now or timezone.now()
    event = event.source_page()
    seats = _seats_locked(event)
    _check_bookable(event, seats, member, now)
    if EventBooking.objects.filter(event=event, member=member).exclude(status=B.CANCELLED).exists():
        raise AlreadyBooked(_("You already have a booking for this event."))
    if seats.confirmed < event.capacity:
        booking = EventBooking.objects.create(
            event=event, member=member, status=B.CONFIRMED, confirmed_at=now, created_at=now
        )
        if event.price_points:
            _hold(booking, event.price_points)
            booking.save(update_fields=["points_held", "hold_transfer_id"])
        seats.confirmed = F("confirmed") + 1
        kind = "event_booking_confirmed"
    else:
        booking = EventBooking.objects.create(
            event=event,
            member=member,
            status=B.WAITLISTED,
            position=seats.next_position,
            created_at=now,
        )
        seats.next_position = F("next_position") + 1
        seats.waitlisted = F("waitlisted") + 1
        kind = "event_waitlisted"
    seats.save(update_fields=["confirmed", "next_position", "waitlisted"])
    booking.event = event
    _notify(booking, kind)
    return booking


def _promote(event: EventPage, seats: EventSeats, now: dt.datetime) -> Outcome:
    """Fill free seats from the waiting list, in position order. Expects the seat row locked.

    A paid promotion holds the price now; a member who cannot pay keeps their place, is told so,
    and the next member is tried.
    """
    promoted: list[EventBooking] = []
    skipped: list[EventBooking] = []
    free = event.capacity - seats.confirmed
    if free <= 0:
        return Outcome(booking=None, promoted=promoted, skipped=skipped)
    waiting = (
        EventBooking.objects.select_for_update(no_key=True)
        .select_related("member")
        .filter(event=event, status=B.WAITLISTED)
        .order_by("position", "pk")
    )
    for booking in waiting:
        if len(promoted) >= free:
            break
        booking.event = event
        if event.price_points:
            try:
                with transaction.atomic():
                    _hold(booking, event.price_points)
            except (InsufficientBalance, WalletLimitExceeded):
                # Over the daily spend limit is "cannot pay now" too: skip to the next member.
                skipped.append(booking)
                _notify(booking, "event_promotion_skipped")
                continue
        booking.status = B.CONFIRMED
        booking.position = None
        booking.confirmed_at = now
        booking.save(
            update_fields=["status", "position", "confirmed_at", "points_held", "hold_transfer_id"]
        )
        promoted.append(booking)
        _notify(booking, "event_promoted")
    if promoted:
        seats.confirmed += len(promoted)
        seats.waitlisted -= len(promoted)
    return Outcome(booking=None, promoted=promoted, skipped=skipped)


@transaction.atomic
def event_booking_cancel(
    *, event: EventPage, member: User, now: dt.datetime | None = None
) -> Outcome:
    """Cancel ``member``'s active booking of ``event``; a freed seat goes to the waiting list.

    Locks the seat row, then the booking, then (refunds and promotions) ledger accounts. A paid
    seat is refunded by ``EVENT_CANCELLATION_POLICY``; what is not refunded stays in escrow and
    goes to the host with the payout. Refused with 404 when the member has no active booking and
    409 ``event_closed`` once the event has started.
    """
    now = now or timezone.now()
    event = event.source_page()
    seats = _seats_locked(event)
    booking = (
        EventBooking.objects.select_for_update(no_key=True)
        .filter(event=event, member=member)
        .exclude(status=B.CANCELLED)
        .first()
    )
    if booking is None:
        raise NotFound(_("You have no booking for this event."))
    if event.starts_at <= now:
        raise EventClosed(_("This event has already started."))
    booking.event = event
    was_confirmed = booking.status == B.CONFIRMED
    refund = refund_for(booking=booking, now=now)
    _refund(booking, refund)
    booking.status = B.CANCELLED
    booking.position = None
    booking.cancelled_at = now
    booking.save(
        update_fields=[
            "status",
            "position",
            "cancelled_at",
            "points_refunded",
            "refund_transfer_id",
        ]
    )
    if was_confirmed:
        seats.confirmed -= 1
    else:
        seats.waitlisted -= 1
    outcome = Outcome(booking=booking, promoted=[], skipped=[], refunded=refund)
    if was_confirmed and seats.cancelled_at is None:
        promotion = _promote(event, seats, now)
        outcome = Outcome(
            booking=booking,
            promoted=promotion.promoted,
            skipped=promotion.skipped,
            refunded=refund,
        )
    seats.save(update_fields=["confirmed", "waitlisted"])
    return outcome


@transaction.atomic
def event_cancel(*, event: EventPage, by: User, now: dt.datetime | None = None) -> int:
    """Call the whole event off: every booking cancelled, every held point refunded in full.

    For staff (the admin's bookings screen). Locks the seat row, then every active booking in
    primary-key order, then ledger accounts. Returns how many bookings were cancelled. After
    commit: an ``event_cancelled`` notification to each of their members.
    """
    now = now or timezone.now()
    event = event.source_page()
    seats = _seats_locked(event)
    if seats.cancelled_at is not None:
        raise Conflict(_("This event is already cancelled."), code="event_cancelled")
    bookings = list(
        EventBooking.objects.select_for_update(no_key=True)
        .select_related("member")
        .filter(event=event)
        .exclude(status=B.CANCELLED)
        .order_by("pk")
    )
    for booking in bookings:
        booking.event = event
        _refund(booking, booking.points_held - booking.points_refunded - booking.points_paid_out)
        booking.status = B.CANCELLED
        booking.position = None
        booking.cancelled_at = now
        booking.save(
            update_fields=[
                "status",
                "position",
                "cancelled_at",
                "points_refunded",
                "refund_transfer_id",
            ]
        )
        _notify(booking, "event_cancelled")
    seats.confirmed = 0
    seats.waitlisted = 0
    seats.cancelled_at = now
    seats.save(update_fields=["confirmed", "waitlisted", "cancelled_at"])
    return len(bookings)


@transaction.atomic
def event_payout(*, event: EventPage, now: dt.datetime | None = None) -> int:
    """Pay the host what the event's bookings still hold in escrow, once the event has ended.

    Idempotent: the seat row is locked first and ``paid_out_at`` marks it done; each booking's
    release carries its own idempotency key. An event that was not cancelled counts as hosted
    for its host (``rewards.activity``, ``events_hosted``). Returns the points paid.
    """
    now = now or timezone.now()
    seats = _seats_locked(event)
    if seats.paid_out_at is not None or event.ends_at > now:
        return 0
    paid = 0
    bookings = (
        EventBooking.objects.select_for_update(no_key=True)
        .filter(event=event, points_held__gt=F("points_refunded") + F("points_paid_out"))
        .order_by("pk")
    )
    for booking in bookings:
        booking.event = event
        amount = booking.points_held - booking.points_refunded - booking.points_paid_out
        transfer = ledger.escrow_release(
            user=event.host,
            amount=amount,
            reference=booking.escrow_reference,
            idempotency_key=f"{booking.escrow_reference}:payout",
            reason=REASON_PAYOUT,
        )
        booking.points_paid_out += amount
        booking.payout_transfer_id = transfer.pk
        booking.save(update_fields=["points_paid_out", "payout_transfer_id"])
        paid += amount
    seats.paid_out_at = now
    seats.save(update_fields=["paid_out_at"])
    if seats.cancelled_at is None:
        # The event took place: its host hosted it (counted once; the counters lock last).
        activity_record(
            user_id=event.host_id,
            counter=Counter.EVENTS_HOSTED,
            source=f"event:{event.pk}:hosted",
            occurred_at=event.ends_at,
        )
    return paid


def events_payout_due(*, now: dt.datetime | None = None) -> int:
    """Pay the hosts of every ended, uncancelled event not yet paid; returns how many events."""
    now = now or timezone.now()
    due = EventPage.objects.filter(ends_at__lte=now, seats__isnull=False).filter(
        seats__paid_out_at__isnull=True
    )
    done = 0
    for event in due.select_related("host").order_by("pk"):
        event_payout(event=event, now=now)
        done += 1
    return done


# --- the host's group thread ---------------------------------------------------------------------


@transaction.atomic
def event_attendees_thread(*, event: EventPage, host: User, content: str | None = None) -> Thread:
    """The event's group thread with its host and every confirmed member; post ``content`` in it.

    Only the host may open it (403 for anybody else). Members who booked later are added each
    time it is opened. Runs through messaging's services (its own locks and checks).
    """
    from messaging.services.messages import message_send
    from messaging.services.threads import thread_get_or_create_for_subject

    source = event.source_page()
    if source.host_id != host.pk:
        raise Forbidden(_("Only the host can message the attendees."))
    attendees = [
        booking.member
        for booking in EventBooking.objects.select_related("member")
        .filter(event=source, status=B.CONFIRMED)
        .order_by("pk")
    ]
    if not attendees:
        raise ValidationFailed(_("Nobody has booked a seat yet."))
    thread = thread_get_or_create_for_subject(
        subject_type=THREAD_SUBJECT,
        subject_id=source.pk,
        participants=[host, *attendees],
        title=source.title,
    )
    if content:
        message_send(thread=thread, sender=host, content=content)
    return thread


@transaction.atomic
def event_waitlist_fill(*, event: EventPage, now: dt.datetime | None = None) -> Outcome:
    """Give seats freed by a larger capacity to the waiting list, first come first served.

    Called after an editor publishes the event (``signal_handlers.py``). Locks the seat row, then
    waiting bookings, then ledger accounts (paid seats), like a cancellation's promotion.
    """
    now = now or timezone.now()
    event = event.source_page()
    seats = _seats_locked(event)
    if seats.cancelled_at is not None or event.starts_at <= now:
        return Outcome(booking=None, promoted=[], skipped=[])
    outcome = _promote(event, seats, now)
    if outcome.promoted:
        seats.save(update_fields=["confirmed", "waitlisted"])
    return outcome
