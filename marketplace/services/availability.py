"""Weekly availability slots and dated exceptions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ValidationFailed
from marketplace.cache import offers_cache_bump
from marketplace.models import MIDNIGHT, AvailabilityException, AvailabilitySlot
from marketplace.services.matches import schedule_match_recompute

if TYPE_CHECKING:
    from accounts.models import User


def _minutes(value: dt.time, *, end: bool) -> int:
    if end and value == MIDNIGHT:
        return 24 * 60
    return value.hour * 60 + value.minute


def _check_slot(
    *,
    user_id: int,
    day_of_week: int,
    start_time: dt.time,
    end_time: dt.time,
    exclude_id: int | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 <= day_of_week <= 6:
        errors["day_of_week"] = [_("Use 0 (Monday) to 6 (Sunday).")]
    if start_time.second or end_time.second or start_time.microsecond or end_time.microsecond:
        errors["start_time"] = [_("Use whole minutes.")]
    start, end = _minutes(start_time, end=False), _minutes(end_time, end=True)
    if end <= start:
        errors["end_time"] = [_("The end must be after the start (00:00 means midnight).")]
    if errors:
        raise ValidationFailed(fields=errors)
    others = AvailabilitySlot.objects.filter(user_id=user_id, day_of_week=day_of_week)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    for other in others:
        if start < other.end_minutes and other.start_minutes < end:
            raise ValidationFailed(
                fields={
                    "start_time": [
                        _("This slot overlaps your slot %(start)s–%(end)s.")
                        % {
                            "start": other.start_time.strftime("%H:%M"),
                            "end": other.end_time.strftime("%H:%M"),
                        }
                    ]
                }
            )


def _lock_user(user_id: int) -> None:
    # Serialises slot writes of one member so two concurrent requests cannot both pass the
    # overlap check. FOR NO KEY UPDATE: no key column of the user changes, and inserts that
    # reference the user (slots, messages) must not wait on this lock.
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user_id).values_list(
        "pk"
    ).first()


@transaction.atomic
def availability_slot_create(
    *, user: User, day_of_week: int, start_time: dt.time, end_time: dt.time
) -> AvailabilitySlot:
    """Add a weekly slot (local time of the user); no overlap with the user's other slots.

    Takes a row lock on the user.
    """
    transaction.on_commit(offers_cache_bump)
    _lock_user(user.pk)
    _check_slot(user_id=user.pk, day_of_week=day_of_week, start_time=start_time, end_time=end_time)
    slot = AvailabilitySlot.objects.create(
        user=user, day_of_week=day_of_week, start_time=start_time, end_time=end_time
    )
    schedule_match_recompute(user.pk)
    return slot


@transaction.atomic
def availability_slot_update(*, slot: AvailabilitySlot, **changes: Any) -> AvailabilitySlot:
    """Move or resize a weekly slot. Takes a row lock on the user."""
    transaction.on_commit(offers_cache_bump)
    _lock_user(slot.user_id)
    for name in ("day_of_week", "start_time", "end_time"):
        if name in changes:
            setattr(slot, name, changes[name])
    _check_slot(
        user_id=slot.user_id,
        day_of_week=slot.day_of_week,
        start_time=slot.start_time,
        end_time=slot.end_time,
        exclude_id=slot.pk,
    )
    slot.save()
    schedule_match_recompute(slot.user_id)
    return slot


@transaction.atomic
def availability_slot_delete(*, slot: AvailabilitySlot) -> None:
    transaction.on_commit(offers_cache_bump)
    user_id = slot.user_id
    slot.delete()
    schedule_match_recompute(user_id)


def _check_exception(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})


@transaction.atomic
def availability_exception_create(
    *, user: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = ""
) -> AvailabilityException:
    """Mark the user unavailable from ``starts_at`` to ``ends_at`` (overlaps are allowed)."""
    _check_exception(starts_at, ends_at)
    return AvailabilityException.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )


@transaction.atomic
def availability_exception_update(
    *, exception: AvailabilityException, **changes: Any
) -> AvailabilityException:
    for name in ("starts_at", "ends_at", "reason"):
        if name in changes:
            setattr(exception, name, changes[name])
    _check_exception(exception.starts_at, exception.ends_at)
    exception.save()
    return exception


@transaction.atomic
def availability_exception_delete(*, exception: AvailabilityException) -> None:
    exception.delete()
