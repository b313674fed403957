"""Query filters of events/ (seed 004: ``category``, ``date_after``, ``location``; ours too)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from community.events.models import EventBooking, EventPage
from exchanges.api.filters import DateOrDateTimeField


@extend_schema_field(OpenApiTypes.STR)
class StartFilter(django_filters.Filter):
    """Events starting on or after / on or before a date (whole day, UTC) or a date-time."""

    field_class = DateOrDateTimeField

    def __init__(self, *args: Any, after: bool, **kwargs: Any) -> None:
        self.after = after
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        moment, whole_day = value
        if self.after:
            return qs.filter(starts_at__gte=moment)
        if whole_day:
            return qs.filter(starts_at__lt=moment + dt.timedelta(days=1))
        return qs.filter(starts_at__lte=moment)


class EventFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category", help_text="A category id or slug (its sub-categories included)."
    )
    date_after = StartFilter(
        after=True, help_text="Events starting on or after this date or date-time (UTC)."
    )
    date_before = StartFilter(
        after=False, help_text="Events starting on or before this date or date-time (UTC)."
    )
    location = django_filters.CharFilter(
        method="filter_location",
        help_text="Part of the location or venue; `online` for events with an online link.",
    )
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", help_text="true: only events that have not started yet."
    )

    class Meta:
        model = EventPage
        fields: list[str] = []

    def filter_category(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        if value.isdigit():
            return qs.filter(Q(category_id=int(value)) | Q(category__parent_id=int(value)))
        return qs.filter(Q(category__slug=value) | Q(category__parent__slug=value))

    def filter_location(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        if value.lower() == "online":
            return qs.exclude(online_url="")
        return qs.filter(Q(location__icontains=value) | Q(venue__icontains=value))

    def filter_upcoming(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        from django.utils import timezone

        if value is None:
            return qs
        now = timezone.now()
        return qs.filter(starts_at__gt=now) if value else qs.filter(starts_at__lte=now)


class BookingFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EventBooking.Status.choices)
    upcoming = django_filters.BooleanFilter(
        method="filter_upcoming", help_text="true: only events that have not started yet."
    )

    class Meta:
        model = EventBooking
        fields: list[str] = []

    def filter_upcoming(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        from django.utils import timezone

        if value is None:
            return qs
        now = timezone.now()
        return (
            qs.filter(event__starts_at__gt=now) if value else qs.filter(event__starts_at__lte=now)
        )
