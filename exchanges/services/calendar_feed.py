"""The signed ``calendar.ics`` feed of a member: its version (bumping it revokes old URLs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from exchanges.models import CalendarFeed

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """Revoke every earlier ``calendar.ics`` URL of ``user`` by bumping the feed version."""
    feed, created = CalendarFeed.objects.select_for_update(no_key=True).get_or_create(user=user)
    if not created:
        feed.version = F("version") + 1
        feed.save(update_fields=["version", "updated_at"])
        feed.refresh_from_db()
    return feed


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed
