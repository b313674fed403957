"""Reads of events: the list in the caller's language, one event, the member's bookings.

Every list is a constant number of queries: the seat counters come with the pages
(``select_related("seats")``), and the caller's own bookings are read once per page of results.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import translation
from wagtail.models import Locale

from community.events.models import EventBooking, EventPage
from core.exceptions import NotFound

if TYPE_CHECKING:
    from accounts.models import User

B = EventBooking.Status


def _locale_ids() -> tuple[int | None, int | None]:
    """(the active language's locale id, the default language's), None for a missing locale."""
    wanted = {
        (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0],
        settings.LANGUAGE_CODE,
    }
    ids = dict(Locale.objects.filter(language_code__in=wanted).values_list("language_code", "pk"))
    active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return ids.get(active), ids.get(settings.LANGUAGE_CODE)


def event_list() -> QuerySet[EventPage]:
    """Live events in the active language; an event not translated into it, in its default one."""
    active, default = _locale_ids()
    pages = EventPage.objects.live().select_related("host", "category", "seats", "locale")
    if default is None:
        return pages.filter(locale_id=active) if active is not None else pages.none()
    if active is None or active == default:
        return pages.filter(locale_id=default)
    translated = EventPage.objects.live().filter(
        locale_id=active, translation_key=OuterRef("translation_key")
    )
    return pages.filter(Q(locale_id=active) | (Q(locale_id=default) & ~Exists(translated)))


def event_get(*, event_id: int) -> EventPage:
    """A live event page of any locale, or 404."""
    page = (
        EventPage.objects.live()
        .select_related("host", "category", "seats", "locale")
        .filter(pk=event_id)
        .first()
    )
    if page is None:
        raise NotFound()
    return page


def source_pages(pages: Iterable[EventPage]) -> dict[int, EventPage]:
    """Page id → the source page holding its bookings (one query for all the translations)."""
    pages = list(pages)
    _active, default = _locale_ids()
    wanted = {page.translation_key for page in pages if page.locale_id != default}
    sources: dict = {}
    if wanted:
        for source in EventPage.objects.select_related("host", "category", "seats").filter(
            translation_key__in=wanted, locale_id=default
        ):
            sources[source.translation_key] = source
    return {
        page.pk: page if page.locale_id == default else sources.get(page.translation_key, page)
        for page in pages
    }


def bookings_of(*, user: User | None, source_ids: Iterable[int]) -> dict[int, EventBooking]:
    """Source event id → the caller's active booking of it (one query)."""
    if user is None or not user.is_authenticated:
        return {}
    return {
        booking.event_id: booking
        for booking in EventBooking.objects.filter(
            member=user, event_id__in=list(source_ids)
        ).exclude(status=B.CANCELLED)
    }


def booking_list(*, user: User) -> QuerySet[EventBooking]:
    """The member's bookings (every status), newest event first."""
    return (
        EventBooking.objects.filter(member=user)
        .select_related("event", "event__seats", "event__host", "event__category")
        .order_by("-event__starts_at", "-id")
    )


def booking_list_for_staff() -> QuerySet[EventBooking]:
    return EventBooking.objects.select_related("event", "member")


def calendar_bookings(*, user: User) -> QuerySet[EventBooking]:
    """The member's confirmed seats at events not cancelled (for the calendar feed)."""
    return (
        EventBooking.objects.filter(member=user, status=B.CONFIRMED)
        .filter(Q(event__seats__cancelled_at__isnull=True))
        .select_related("event", "event__host")
        .order_by("event__starts_at", "id")
    )


def translations_for(pages: Iterable[EventPage]) -> dict[int, EventPage]:
    """Source page id → its live translation in the active language (one query)."""
    active, _default = _locale_ids()
    pages = list(pages)
    if active is None:
        return {}
    by_key = {page.translation_key: page.pk for page in pages if page.locale_id != active}
    if not by_key:
        return {}
    return {
        by_key[page.translation_key]: page
        for page in EventPage.objects.live().filter(
            locale_id=active, translation_key__in=list(by_key)
        )
    }


# --- activity recount (rewards.activity.register_recount; registered in apps.py) ---------------


def activity_events_hosted() -> dict[int, int]:
    """Events that took place (paid out, not cancelled) by host, as ``services.event_payout``
    counts them."""
    from community.events.models import EventSeats

    rows = (
        EventSeats.objects.filter(paid_out_at__isnull=False, cancelled_at__isnull=True)
        .order_by()
        .values("event__host_id")
        .annotate(total=Count("id"))
    )
    return {row["event__host_id"]: row["total"] for row in rows}
