"""Query filters of swaps/, meetings/ and sessions/ (each in the vocabulary of its seed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.api.fields import DATE_MAX, DATE_MIN
from core.exceptions import ValidationFailed
from exchanges.models import Swap

S = Swap.Status


class DateOrDateTimeField(forms.CharField):
    """``2025-03-21`` (a whole day, UTC) or an ISO 8601 date-time."""

    def to_python(self, value: Any) -> tuple[dt.datetime, bool] | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            # A bare date first: Python 3.11 would also parse it as a date-time at midnight.
            day = parse_date(value)
            moment = None if day is not None else parse_datetime(value)
        except ValueError:
            day = moment = None
        if day is None and moment is None:
            raise forms.ValidationError(_("Enter a date (YYYY-MM-DD) or an ISO 8601 date-time."))
        # Bounded like every date the API reads, so a whole-day filter on 9999-12-31 can never
        # overflow when a day is added (docs/pitfalls.md, "JSON and dates at the edges").
        if not DATE_MIN <= (day or moment.date()) <= DATE_MAX:
            raise forms.ValidationError(
                _("Enter a date between %(min)s and %(max)s.")
                % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            )
        if day is not None:
            return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC), True
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return moment, False


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField

    def __init__(self, *args: Any, after: bool, **kwargs: Any) -> None:
        self.after = after
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        moment, whole_day = value
        if self.after:
            return qs.filter(scheduled_start__gte=moment)
        if whole_day:
            # "date_before=2025-03-21" includes that day.
            return qs.filter(scheduled_start__lt=moment + dt.timedelta(days=1))
        return qs.filter(scheduled_start__lte=moment)


def _statuses(value: str, mapping: dict[str, list[str]]) -> list[str]:
    wanted: list[str] = []
    for word in value.split(","):
        word = word.strip().lower()
        if word not in mapping:
            raise ValidationFailed(
                fields={"status": [_("Unknown status: %(value)s") % {"value": word}]}
            )
        wanted += mapping[word]
    return wanted


ROLE_FILTER_CHOICES = [("requester", "requester"), ("responder", "responder"), ("expert", "expert")]
SWAP_STATUSES = {value: [value] for value in S.values} | {"confirmed": [S.ACCEPTED]}


class SwapFilter(django_filters.FilterSet):
    status = django_filters.CharFilter(
        method="filter_status",
        help_text="pending, accepted, rejected, cancelled, completed, disputed, refunded "
        "(comma-separated for several; `confirmed` means accepted).",
    )
    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=ROLE_FILTER_CHOICES,
        help_text="The caller's side: requester or responder (`expert` = responder).",
    )
    type = django_filters.ChoiceFilter(
        field_name="session_type", choices=Swap.SessionType.choices, help_text="Session type."
    )
    kind = django_filters.ChoiceFilter(choices=Swap.Kind.choices)
    mode = django_filters.ChoiceFilter(choices=Swap.Mode.choices)
    category = django_filters.NumberFilter(field_name="category_id")
    offer = django_filters.NumberFilter(field_name="offer_id")
    date_after = DateOrDateTimeFilter(
        after=True, help_text="Sessions starting on or after this date or date-time (UTC)."
    )
    date_before = DateOrDateTimeFilter(
        after=False, help_text="Sessions starting on or before this date or date-time (UTC)."
    )

    class Meta:
        model = Swap
        fields: list[str] = []

    status_mapping = SWAP_STATUSES

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(status__in=_statuses(value, self.status_mapping))

    def filter_role(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        if value == "requester":
            return qs.filter(requester=user)
        if value in ("responder", "expert"):
            return qs.filter(responder=user)
        return qs


MEETING_STATUSES = {
    "pending": [S.PENDING],
    "confirmed": [S.ACCEPTED],
    "accepted": [S.ACCEPTED],
    "completed": [S.COMPLETED],
    "cancelled": [S.CANCELLED],
    "rejected": [S.REJECTED],
    "disputed": [S.DISPUTED],
    "refunded": [S.REFUNDED],
}


class MeetingFilter(SwapFilter):
    """Seed 003: ``status`` pending|confirmed|completed|cancelled, ``role`` requester|expert."""

    status = django_filters.CharFilter(
        method="filter_status",
        help_text="pending, confirmed, completed, cancelled (also rejected, disputed, refunded).",
    )
    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=ROLE_FILTER_CHOICES,
        help_text="The caller's side: requester or expert (= responder).",
    )
    status_mapping = MEETING_STATUSES


SESSION_STATUSES = {
    "upcoming": [S.PENDING, S.ACCEPTED],
    "completed": [S.COMPLETED],
    "cancelled": [S.CANCELLED, S.REJECTED, S.REFUNDED],
    "disputed": [S.DISPUTED],
}


class SessionFilter(SwapFilter):
    """Seed 004: ``type`` text|voice|video, ``status`` upcoming|completed|cancelled, dates."""

    status = django_filters.CharFilter(
        method="filter_status",
        help_text="upcoming (pending or accepted), completed, cancelled (also rejected or "
        "refunded), disputed.",
    )
    status_mapping = SESSION_STATUSES


ORDER_ROLE_CHOICES = [("buyer", "buyer"), ("seller", "seller")]


class OrderFilter(SwapFilter):
    """Seed 002's orders: ``status`` as on swaps, ``role`` buyer (requester) or seller."""

    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=ORDER_ROLE_CHOICES,
        help_text="The caller's side: buyer (requester) or seller (responder).",
    )

    def filter_role(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return super().filter_role(qs, name, {"buyer": "requester", "seller": "responder"}[value])
