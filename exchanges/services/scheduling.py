"""When a session may take place: time rules, the responder's availability, the participants'
diaries (bookings, guarded by advisory locks and the exclusion constraint)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict, ValidationFailed
from exchanges.models import SessionBooking, Swap
from marketplace import selectors as marketplace_selectors

if TYPE_CHECKING:
    from accounts.models import User


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


# How far ahead a session without a chosen time is placed, and how far we look for a slot.
FIRST_SLOT_LEAD = timedelta(hours=1)
FIRST_SLOT_HORIZON = timedelta(days=14)
SLOT_STEP_MINUTES = 15


def _round_up(moment: datetime) -> datetime:
    """``moment`` rounded up to a quarter hour (sessions without a chosen time start on one)."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    step = timedelta(minutes=SLOT_STEP_MINUTES)
    return hour + step * math.ceil((moment - hour) / step)


def _first_free_start(
    *, responder: User, requester: User, length: timedelta, now: datetime
) -> datetime | None:
    """The earliest quarter-hour start, at least an hour from now and within two weeks, where a
    session of ``length`` fits the responder's availability and neither party's bookings.

    Three queries (slots, exceptions, bookings). The request itself is checked again by
    ``swap_create``, and the accept by the diary locks and the exclusion constraint.
    """
    earliest = _round_up(now + FIRST_SLOT_LEAD)
    horizon = earliest + FIRST_SLOT_HORIZON
    busy = sorted(
        SessionBooking.objects.filter(
            user__in=[responder, requester], starts_at__lt=horizon, ends_at__gt=earliest
        ).values_list("starts_at", "ends_at")
    )
    windows = sorted(
        marketplace_selectors.user_free_intervals(user=responder, start=earliest, end=horizon)
    )
    for window_start, window_end in windows:
        candidate = _round_up(max(window_start, earliest))
        for busy_start, busy_end in busy:
            if busy_end <= candidate:
                continue
            if busy_start >= candidate + length:
                break
            candidate = _round_up(busy_end)
        if candidate + length <= window_end:
            return candidate
    return None
