"""What accounts asks of the marketplace through ``accounts.extensions``: profile changes,
account deletion, the data export, and the profile's writable ``skills`` (seed 000)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.cache import offers_cache_bump
from marketplace.models import (
    AvailabilityException,
    AvailabilitySlot,
    Match,
    Offer,
    OfferStatus,
    UserSkill,
)
from marketplace.services.matches import schedule_match_recompute
from marketplace.services.skills import user_skills_set_offered

if TYPE_CHECKING:
    from accounts.models import User

MATCH_PROFILE_FIELDS = frozenset({"languages", "latitude", "longitude", "time_zone"})


def on_profile_changed(user: User, fields: set[str]) -> None:
    """accounts hook: languages, location or time zone changed → recompute after commit."""
    transaction.on_commit(offers_cache_bump)
    if fields & MATCH_PROFILE_FIELDS:
        schedule_match_recompute(user.pk)


def on_user_deleted(user: User) -> None:
    """accounts hook (inside the anonymisation transaction): take the member off the market.

    Offers are soft-removed (swaps keep them), matches and availability are deleted.
    """
    transaction.on_commit(offers_cache_bump)
    now = timezone.now()
    Offer.objects.filter(owner=user).exclude(status=OfferStatus.REMOVED).update(
        status=OfferStatus.REMOVED, removed_at=now, removed_by=user, updated_at=now
    )
    Match.objects.filter(Q(user_a=user) | Q(user_b=user)).delete()
    AvailabilitySlot.objects.filter(user=user).delete()
    AvailabilityException.objects.filter(user=user).delete()
    UserSkill.objects.filter(user=user).delete()


def user_export(user: User) -> dict[str, Any]:
    """accounts hook: the member's marketplace data for their data export."""
    return {
        "skills": [
            {
                "skill": row.skill.name_en,
                "direction": row.direction,
                "proficiency_level": row.proficiency_level,
                "years_of_experience": row.years_of_experience,
            }
            for row in UserSkill.objects.filter(user=user).select_related("skill")
        ],
        "offers": list(
            Offer.objects.filter(owner=user).values(
                "id",
                "title",
                "description",
                "status",
                "mode",
                "location",
                "price_points",
                "created_at",
            )
        ),
        "availability": list(
            AvailabilitySlot.objects.filter(user=user).values(
                "day_of_week", "start_time", "end_time"
            )
        ),
        "availability_exceptions": list(
            AvailabilityException.objects.filter(user=user).values("starts_at", "ends_at", "reason")
        ),
    }


def profile_skills_apply(user: User, names: list[str]) -> None:
    """accounts hook (inside the profile update): set the user's offered skills to ``names``."""
    user_skills_set_offered(user=user, names=names)
