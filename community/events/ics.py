"""The member's booked events in their ``calendar.ics`` feed (exchanges/ics.py's feed sources)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from icalendar import Event

from community.events import selectors

if TYPE_CHECKING:
    from accounts.models import User

# Seats at events that ended longer ago than this are left out of the feed.
HISTORY = dt.timedelta(days=90)


def booked_events(*, user: User, host: str, now: dt.datetime) -> Iterator[Event]:
    """One VEVENT per confirmed seat (one query); runs in the member's language."""
    for booking in selectors.calendar_bookings(user=user).filter(event__ends_at__gte=now - HISTORY):
        page = booking.event
        event = Event()
        event.add("uid", f"event-{page.pk}-booking-{booking.pk}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", page.starts_at.astimezone(dt.UTC))
        event.add("dtend", page.ends_at.astimezone(dt.UTC))
        event.add("summary", page.title)
        lines = [_("SkillSwap event hosted by %(name)s") % {"name": page.host.public_name}]
        if page.summary:
            lines += ["", page.summary]
        event.add("description", "\n".join(lines))
        where = page.online_url or ", ".join(part for part in (page.venue, page.location) if part)
        if where:
            event.add("location", where)
        if page.online_url:
            event.add("url", page.online_url)
        event.add("status", "CONFIRMED")
        event.add("created", booking.created_at.astimezone(dt.UTC))
        yield event
