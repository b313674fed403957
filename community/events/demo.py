"""Demo events in English and Arabic (``manage.py seed_demo``): one nearly full, one paid, one past.

The events index sits under each home page; each event is an English page with its Arabic
translation (``copy_for_translation``: one translation key, one set of bookings). Idempotent:
pages are keyed by slug under their parent, a member is booked only when they hold no booking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from wagtail.models import Locale, Page

from community.events.models import EventBooking, EventIndexPage, EventPage, EventSeats
from community.events.services import event_book
from core.exceptions import ApplicationError
from demo.context import DemoContext
from marketplace.models import Category

INDEX = {
    "en": ("Events", "Workshops, meet-ups and online sessions hosted by members."),
    "ar": ("الفعاليات", "ورش عمل ولقاءات وجلسات عبر الإنترنت يستضيفها الأعضاء."),
}

# slug → category, start (days from now), length, capacity, price, where, bookings, texts
EVENTS: dict[str, dict[str, Any]] = {
    "guitar-jam-night": {
        "category": "music",
        "days": 6,
        "hours": 2,
        "capacity": 6,
        "price": 0,
        "online": "",
        "venue": "Makan Cultural Space",
        "location": "Cairo",
        "bookings": 5,
        "host": 0,
        "en": (
            "Guitar jam night",
            "Bring your guitar and play along: every level welcome.",
            "<p>An evening of open playing. We start with three easy songs, then take turns.</p>",
        ),
        "ar": (
            "أمسية عزف الجيتار",
            "أحضر جيتارك وشاركنا العزف: كل المستويات مرحب بها.",
            "<p>أمسية عزف مفتوح. نبدأ بثلاث أغانٍ سهلة ثم نتناوب.</p>",
        ),
    },
    "python-workshop": {
        "category": "programming",
        "days": 10,
        "hours": 3,
        "capacity": 20,
        "price": 15,
        "online": "https://meet.example.com/skillswap-python",
        "venue": "",
        "location": "",
        "bookings": 3,
        "host": 1,
        "en": (
            "Python for beginners: a hands-on workshop",
            "Write your first program in three hours, online.",
            "<p>No experience needed. You need a laptop and a browser.</p>",
        ),
        "ar": (
            "بايثون للمبتدئين: ورشة عملية",
            "اكتب أول برنامج لك في ثلاث ساعات عبر الإنترنت.",
            "<p>لا تحتاج إلى خبرة سابقة. تحتاج فقط إلى حاسوب ومتصفح.</p>",
        ),
    },
    "calligraphy-open-studio": {
        "category": "design",
        "days": -5,
        "hours": 2,
        "capacity": 12,
        "price": 0,
        "online": "",
        "venue": "Old Town Library",
        "location": "Alexandria",
        "bookings": 4,
        "host": 2,
        "en": (
            "Calligraphy open studio",
            "An afternoon of Arabic calligraphy with reed pens.",
            "<p>We practised the naskh alphabet and wrote a short verse together.</p>",
        ),
        "ar": (
            "مرسم الخط العربي المفتوح",
            "عصرية مع الخط العربي بأقلام القصب.",
            "<p>تدربنا على حروف النسخ وكتبنا بيتًا قصيرًا معًا.</p>",
        ),
    },
}


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _child(parent: Page, slug: str) -> Page | None:
    found = Page.objects.child_of(parent).filter(slug=slug).first()
    return found.specific if found else None


def _create(context: DemoContext, parent: Page, page: Page) -> Page:
    existing = _child(parent, page.slug)
    if existing is not None:
        return existing
    parent.add_child(instance=page)
    _publish(page)
    context.count("event pages", True)
    return page


def _translate(context: DemoContext, page: Page, locale: Locale, **fields: Any) -> Page:
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translated = page.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save()
    _publish(translated)
    context.count("event pages", True)
    return translated


def _past_booking(context: DemoContext, event: EventPage, member: Any) -> None:
    """A seat at an event that already took place (the services refuse to book the past)."""
    _, created = EventBooking.objects.get_or_create(
        event=event,
        member=member,
        defaults={"status": EventBooking.Status.CONFIRMED, "confirmed_at": event.starts_at},
    )
    if created:
        seats, _ = EventSeats.objects.get_or_create(event=event)
        seats.confirmed += 1
        seats.save(update_fields=["confirmed"])
    context.count("event bookings", created)


def seed(context: DemoContext) -> None:
    english, _ = Locale.objects.get_or_create(language_code="en")
    arabic, _ = Locale.objects.get_or_create(language_code="ar")
    # The English home page (cms owns it; events sit below it and never import cms).
    home = Page.objects.filter(depth=2, locale=english).first()
    members = list(context.objects.get("members") or [])
    experts = list(context.objects.get("experts") or members)
    if home is None or len(members) < 2 or not experts:
        return
    title, intro = INDEX["en"]
    index = _create(context, home, EventIndexPage(title=title, slug="events", intro=intro))
    title, intro = INDEX["ar"]
    _translate(context, index, arabic, title=title, draft_title=title, intro=intro)
    categories = {category.slug: category for category in Category.objects.all()}
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for slug, spec in EVENTS.items():
        host = experts[spec["host"] % len(experts)]
        start = now + dt.timedelta(days=spec["days"], hours=18 - now.hour)
        title, summary, description = spec["en"]
        event = _create(
            context,
            index,
            EventPage(
                title=title,
                slug=slug,
                host=host,
                category=categories.get(spec["category"]),
                starts_at=start,
                ends_at=start + dt.timedelta(hours=spec["hours"]),
                capacity=spec["capacity"],
                price_points=spec["price"],
                online_url=spec["online"],
                venue=spec["venue"],
                location=spec["location"],
                summary=summary,
                description=description,
            ),
        )
        title, summary, description = spec["ar"]
        _translate(
            context,
            event,
            arabic,
            title=title,
            draft_title=title,
            summary=summary,
            description=description,
        )
        attendees = [member for member in members if member.pk != host.pk][: spec["bookings"]]
        for member in attendees:
            if event.starts_at <= timezone.now():
                _past_booking(context, event, member)
                continue
            if EventBooking.objects.filter(event=event, member=member).exists():
                continue
            try:
                event_book(event=event, member=member)
            except ApplicationError:
                continue  # e.g. a member without enough points for the paid workshop
            context.count("event bookings", True)
