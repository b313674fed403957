"""Events: Wagtail pages editors publish in both locales, and the bookings members make.

An event is one ``EventPage`` per locale, tied by Wagtail's ``translation_key``. The booking
state belongs to the event, not to one translation: bookings and the seat counter are keyed on
the event's *source page* (the translation in the default language, ``LANGUAGE_CODE``; the page
itself when no such translation exists). Capacity, price, host and times are read from the source
page too, so the Arabic and the English page can never disagree on who holds a seat.

Concurrency (docs/architecture.md, lock order): every booking write first locks the event's
``EventSeats`` row (``FOR NO KEY UPDATE``), then counts and inserts, then (paid seats) locks
ledger accounts through ``rewards.services``. One row per event is the serialisation point, so
capacity is never exceeded however many members book at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Locale, Page
from wagtail.search import index

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr"]
INDEX_PAGE_SIZE = 20


class EventIndexPage(Page):
    """The list of events of one locale (slug ``events``: /en/events/, /ar/events/)."""

    intro = models.TextField(_("introduction"), blank=True, max_length=500)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    template = "community/events/event_index_page.html"
    max_count_per_parent = 1
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["community_events.EventPage"]

    class Meta:
        verbose_name = _("events index")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        from community.events.views import index_context

        context = super().get_context(request, *args, **kwargs)
        context.update(index_context(request, index=self))
        return context


class EventPage(Page):
    """One group event in one language; bookings are kept on its source page (module docs)."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        related_name="hosted_events",
        help_text=_("The member who runs the event and is paid for paid seats."),
    )
    category = models.ForeignKey(
        "marketplace.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"), default=10)
    price_points = models.PositiveIntegerField(
        _("price in points"), default=0, help_text=_("0 means free.")
    )
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Shown only to the host and to members with a confirmed seat."),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("City or area, for the filters.")
    )
    summary = models.TextField(_("summary"), max_length=500, blank=True)
    description = RichTextField(_("description"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("host"),
                FieldPanel("category"),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldRowPanel([FieldPanel("capacity"), FieldPanel("price_points")]),
            ],
            heading=_("Booking"),
        ),
        MultiFieldPanel(
            [FieldPanel("online_url"), FieldPanel("venue"), FieldPanel("location")],
            heading=_("Where"),
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.SearchField("location"),
        index.FilterField("starts_at"),
    ]
    template = "community/events/event_page.html"
    parent_page_types = ["community_events.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def clean(self) -> None:
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})
        if not self.online_url and not self.venue:
            raise ValidationError({"venue": _("Give an online link or a venue.")})

    @property
    def is_online(self) -> bool:
        return bool(self.online_url)

    @property
    def is_past(self) -> bool:
        return self.starts_at <= timezone.now()

    def source_page(self) -> EventPage:
        """The translation in the default language that holds the bookings (or this page)."""
        default = Locale.get_default()
        if self.locale_id == default.pk:
            return self
        source = (
            EventPage.objects.filter(translation_key=self.translation_key, locale=default)
            .select_related("host", "category", "seats")
            .first()
        )
        return source or self

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict:
        from community.events.views import event_context

        context = super().get_context(request, *args, **kwargs)
        context.update(event_context(request, page=self))
        return context


class EventSeats(models.Model):
    """The seat counter of one event (its source page): the row every booking write locks."""

    wagtail_reference_index_ignore = True

    event = models.OneToOneField(
        EventPage, verbose_name=_("event"), on_delete=models.CASCADE, related_name="seats"
    )
    confirmed = models.PositiveIntegerField(_("confirmed seats"), default=0)
    waitlisted = models.PositiveIntegerField(_("waiting"), default=0)
    # The next waiting-list position handed out; positions only grow, so the order is stable.
    next_position = models.PositiveIntegerField(_("next waiting position"), default=1)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    paid_out_at = models.DateTimeField(_("host paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event seats")
        verbose_name_plural = _("event seats")

    def __str__(self) -> str:
        return f"{self.event} ({self.confirmed})"


class EventBooking(models.Model):
    """A member's seat at an event, or their place on its waiting list."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        EventPage, verbose_name=_("event"), on_delete=models.CASCADE, related_name="bookings"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="event_bookings",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    position = models.PositiveIntegerField(
        _("waiting-list position"), null=True, blank=True, help_text=_("Lower is served first.")
    )
    points_held = models.PositiveIntegerField(_("points held"), default=0)
    points_refunded = models.PositiveIntegerField(_("points refunded"), default=0)
    points_paid_out = models.PositiveIntegerField(_("points paid to the host"), default=0)
    hold_transfer_id = models.PositiveBigIntegerField(_("hold transfer"), null=True, blank=True)
    refund_transfer_id = models.PositiveBigIntegerField(_("refund transfer"), null=True, blank=True)
    payout_transfer_id = models.PositiveBigIntegerField(_("payout transfer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event booking")
        verbose_name_plural = _("event bookings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=~Q(status="cancelled"),
                name="community_events_one_active_booking",
            ),
            models.CheckConstraint(
                condition=Q(points_refunded__lte=models.F("points_held"))
                & Q(points_paid_out__lte=models.F("points_held")),
                name="community_events_booking_points_bounded",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "position"], name="community_events_queue"),
            models.Index(fields=["member", "status"], name="community_events_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.event} ({self.status})"

    @property
    def escrow_reference(self) -> str:
        """The ledger reference of this booking's held points (rewards REFERENCE_PATTERN)."""
        return f"event:{self.event_id}:booking:{self.pk}"
