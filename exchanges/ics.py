"""The signed per-user ``calendar.ics`` feed (RFC 5545), for anyone who has not linked Google.

The URL carries ``token=signing.dumps({"u": user id, "v": feed version})``: calendar apps poll it
without credentials, so the token is the credential. Resetting the feed bumps the version and
every earlier URL stops working.

Higher apps add their own entries (community events: booked seats) through
``register_feed_source`` from their ``AppConfig.ready()``, so exchanges imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.core import signing
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from exchanges.models import Swap

if TYPE_CHECKING:
    from accounts.models import User
    from exchanges.models import CalendarFeed

SALT = "exchanges.calendar-feed"
ICS_STATUS = {
    Swap.Status.PENDING: "TENTATIVE",
    Swap.Status.ACCEPTED: "CONFIRMED",
    Swap.Status.COMPLETED: "CONFIRMED",
    Swap.Status.DISPUTED: "CONFIRMED",
}


# ``source(user=, host=, now=)`` → the VEVENTs it adds to ``user``'s feed (rendered in the user's
# language, like the sessions).
FeedSource = Callable[..., Iterable[Event]]
_feed_sources: list[FeedSource] = []


def register_feed_source(source: FeedSource) -> FeedSource:
    """Add ``source``'s events to every member's feed (registering one twice adds it once)."""
    if source not in _feed_sources:
        _feed_sources.append(source)
    return source


def feed_token(feed: CalendarFeed) -> str:
    return signing.dumps({"u": feed.user_id, "v": feed.version}, salt=SALT, compress=True)


def feed_token_payload(token: str) -> tuple[int, int] | None:
    """``(user id, version)`` of a genuine token, else None."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, version = payload.get("u"), payload.get("v")
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    return user_id, version


def render_feed(*, user: User, swaps: Iterable[Swap], host: str, now: datetime) -> bytes:
    """The iCalendar document of ``user``'s sessions, in the user's preferred language."""
    with translation.override(getattr(user, "language", None) or "en"):
        return _render(user=user, swaps=swaps, host=host, now=now)


def _render(*, user: User, swaps: Iterable[Swap], host: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//SkillSwap//Exchanges//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "SkillSwap")
    calendar.add("x-wr-timezone", "UTC")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for swap in swaps:
        other = swap.other_party(user)
        event = Event()
        event.add("uid", f"swap-{swap.pk}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", swap.scheduled_start.astimezone(UTC))
        event.add("dtend", swap.scheduled_end.astimezone(UTC))
        event.add("summary", swap.title)
        lines = [
            _("SkillSwap session with %(name)s") % {"name": other.public_name},
            f"{swap.get_session_type_display()} · {swap.get_mode_display()}",
        ]
        if swap.description:
            lines += ["", swap.description]
        event.add("description", "\n".join(lines))
        if swap.location:
            event.add("location", swap.location)
        event.add("status", ICS_STATUS.get(swap.status, "CANCELLED"))
        event.add("sequence", swap.sequence)
        event.add("last-modified", swap.updated_at.astimezone(UTC))
        event.add("created", swap.created_at.astimezone(UTC))
        calendar.add_component(event)
    for source in _feed_sources:
        for component in source(user=user, host=host, now=now):
            calendar.add_component(component)
    return calendar.to_ical()
