"""Query filters of reviews/ and seed 004's feedback/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.reviews.models import Review
from exchanges.api.filters import DateOrDateTimeFilter

ID_MAX = 2**31 - 1
RATING_CHOICES = [(str(stars), str(stars)) for stars in range(1, 6)]


class CreatedFilter(DateOrDateTimeFilter):
    """``date_after``/``date_before`` on when the review was written (a date or a date-time)."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        moment, whole_day = value
        if self.after:
            return qs.filter(created_at__gte=moment)
        if whole_day:
            return qs.filter(created_at__lt=moment + dt.timedelta(days=1))
        return qs.filter(created_at__lte=moment)


class ReviewFilter(django_filters.FilterSet):
    swap_id = django_filters.NumberFilter(
        field_name="swap_id", min_value=1, max_value=ID_MAX, help_text=_("Reviews of this swap.")
    )
    rating_min = django_filters.ChoiceFilter(
        method="filter_rating_min", choices=RATING_CHOICES, help_text=_("Minimum rating (1-5).")
    )
    date_after = CreatedFilter(
        after=True, help_text=_("Written on or after this date or date-time (UTC).")
    )
    date_before = CreatedFilter(
        after=False, help_text=_("Written on or before this date or date-time (UTC).")
    )

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_rating_min(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(rating__gte=int(value)) if value else qs


class OwnReviewFilter(ReviewFilter):
    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=[("reviewer", "reviewer"), ("reviewee", "reviewee")],
        help_text=_("reviewer: reviews the caller wrote; reviewee: reviews of the caller."),
    )

    def filter_role(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user
        if value == "reviewer":
            return qs.filter(reviewer=user)
        if value == "reviewee":
            return qs.filter(reviewee=user)
        return qs


class FeedbackFilter(ReviewFilter):
    """Seed 004: ``session_id``, ``rating_min``, ``date_after``."""

    session_id = django_filters.NumberFilter(
        field_name="swap_id",
        min_value=1,
        max_value=ID_MAX,
        help_text=_("Feedback on this session (swap)."),
    )
