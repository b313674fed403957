"""Events for tests, created the way editors create them (add_child under the index, publish)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.models import User
from community.events.models import EventIndexPage, EventPage
from tests.accounts.factories import UserFactory
from tests.cms.factories import add_page, ensure_home_pages, home, translate


def events_index(language: str = "en") -> EventIndexPage:
    """The events index of ``language`` (created on first use, both locales share its slug)."""
    ensure_home_pages()
    existing = EventIndexPage.objects.filter(locale__language_code=language).first()
    if existing is not None:
        return existing
    english = EventIndexPage.objects.filter(locale__language_code="en").first()
    if english is None:
        english = add_page(home("en"), EventIndexPage(title="Events", slug="events"))
    if language == "en":
        return english
    return translate(english, language, title="الفعاليات")


def make_event(
    *,
    host: User | None = None,
    capacity: int = 10,
    price_points: int = 0,
    starts_in: dt.timedelta = dt.timedelta(days=3),
    hours: int = 2,
    **fields: Any,
) -> EventPage:
    """A published English event starting ``starts_in`` from now."""
    start = (timezone.now() + starts_in).replace(microsecond=0)
    count = EventPage.objects.count() + 1
    values = {
        "title": f"Event {count}",
        "slug": f"event-{count}",
        "host": host or UserFactory(),
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=hours),
        "capacity": capacity,
        "price_points": price_points,
        "venue": "Community hall",
        "location": "Cairo",
        "summary": "A friendly meet-up.",
    } | fields
    return add_page(events_index("en"), EventPage(**values))


def translate_event(event: EventPage, **fields: Any) -> EventPage:
    """The event's Arabic translation, published (under the Arabic index)."""
    events_index("ar")
    values = {"title": f"فعالية {event.pk}"} | fields
    return translate(event, "ar", **values)
