"""Filters of ``GET points/transactions/``: type, reason, date range, reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from config.api.fields import DATE_MAX, DATE_MIN
from rewards.models import Entry


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class BoundedDateField(forms.DateField):
    """A day inside the API's date window: adding a day to 9999-12-31 would overflow
    (docs/pitfalls.md, "JSON and dates at the edges")."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None and not DATE_MIN <= day <= DATE_MAX:
            raise forms.ValidationError(
                _("Enter a date between %(min)s and %(max)s.")
                % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            )
        return day


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class TransactionFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(
        choices=[("credit", _("credit")), ("debit", _("debit"))],
        method="filter_type",
        help_text=_("credit (points received) or debit (points spent)."),
    )
    reason = django_filters.CharFilter(
        method="filter_reason",
        help_text=_("Reason codes, comma-separated (signup_bonus, transfer, tip, …)."),
    )
    date_after = BoundedDateFilter(
        method="filter_date_after", help_text=_("On or after this day (UTC), YYYY-MM-DD.")
    )
    date_before = BoundedDateFilter(
        method="filter_date_before", help_text=_("On or before this day (UTC), YYYY-MM-DD.")
    )
    reference = django_filters.CharFilter(
        field_name="transfer__reference", help_text=_('Exact reference, e.g. "swap:42".')
    )

    class Meta:
        model = Entry
        fields: list[str] = []

    def filter_type(self, queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        return queryset.filter(amount__gt=0) if value == "credit" else queryset.filter(amount__lt=0)

    def filter_reason(self, queryset: QuerySet[Entry], name: str, value: str) -> QuerySet[Entry]:
        codes = [code.strip() for code in value.split(",") if code.strip()]
        return queryset.filter(transfer__reason__in=codes) if codes else queryset

    def filter_date_after(self, queryset: QuerySet[Entry], name: str, value) -> QuerySet[Entry]:
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_date_before(self, queryset: QuerySet[Entry], name: str, value) -> QuerySet[Entry]:
        return queryset.filter(created_at__lt=_start_of(value + timedelta(days=1)))
