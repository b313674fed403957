"""The notification kinds events sends, with their texts (registered with messaging).

Discovered by messaging (``messaging.notification_kinds``). Context keys: ``event_title`` (the
event's title in the recipient's language when a translation exists), ``start`` (ISO 8601, shown
in the recipient's time zone and language), ``refunded`` (points, ``event_cancelled`` only).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

register(
    "event_booking_confirmed",
    label=_("Event seat confirmed"),
    title=_("Your seat is booked"),
    body=_("You have a seat at “%(event_title)s” on %(start)s."),
    order=805,
)
register(
    "event_waitlisted",
    label=_("Event waiting list"),
    title=_("You are on the waiting list"),
    body=_(
        "“%(event_title)s” is full; you are on its waiting list and will be told if a seat opens."
    ),
    order=810,
)
register(
    "event_promoted",
    label=_("Seat from the waiting list"),
    title=_("A seat opened for you"),
    body=_("A seat opened at “%(event_title)s” on %(start)s: it is now yours."),
    order=820,
)
register(
    "event_promotion_skipped",
    label=_("Waiting-list seat missed"),
    title=_("A seat opened, but your balance was too low"),
    body=_(
        "A seat opened at “%(event_title)s”, but you did not have enough points for it, so it went"
        " to the next member. You are still on the waiting list."
    ),
    order=830,
)
register(
    "event_cancelled",
    label=_("Event cancelled"),
    title=_("Event cancelled"),
    body=_("“%(event_title)s” on %(start)s was cancelled. Points you paid are refunded."),
    order=840,
)


def notify_booking(*, booking_id: int, kind: str) -> None:
    """Tell the booking's member about ``kind``, with the event's title in their language."""
    from community.events.models import EventBooking, EventPage
    from messaging.services.notifications import notification_send

    booking = (
        EventBooking.objects.select_related("member", "event", "event__locale")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return
    member, event = booking.member, booking.event
    language = member.language or settings.LANGUAGE_CODE
    if event.locale.language_code != language:
        translated = EventPage.objects.filter(
            translation_key=event.translation_key, locale__language_code=language, live=True
        ).first()
        event = translated or event
    notification_send(
        recipient=member,
        kind=kind,
        context={"event_title": event.title, "start": event.starts_at.isoformat()},
        related_type="event",
        related_id=booking.event_id,
    )
