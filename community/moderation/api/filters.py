"""Query filters of reports/, support/tickets/, admin/tickets/ and admin/friends/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from community.moderation.models import (
    ReportStatus,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    target_type = django_filters.CharFilter(max_length=16)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)
    category = django_filters.ChoiceFilter(choices=TicketCategory.choices)


class StaffTicketFilter(TicketFilter):
    priority = django_filters.ChoiceFilter(choices=TicketPriority.choices)
    assignee = django_filters.CharFilter(
        method="filter_assignee",
        max_length=12,
        validators=[
            RegexValidator(r"^(?i:me|none|[0-9]{1,9})$", _("Give a staff member's id, me or none."))
        ],
        help_text=_("A staff member's id, `me`, or `none` for unassigned tickets."),
    )
    user = django_filters.NumberFilter(
        field_name="member_id", min_value=1, max_value=2**31 - 1, help_text=_("The member's id.")
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_assignee(self, queryset: QuerySet[Ticket], name: str, value: str) -> Any:
        value = (value or "").strip().lower()
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        return queryset.filter(assignee_id=int(value))


class FriendFilter(django_filters.FilterSet):
    rating_min = django_filters.NumberFilter(
        field_name="rating_average", lookup_expr="gte", min_value=0, max_value=5
    )
    sessions_min = django_filters.NumberFilter(
        field_name="session_count", lookup_expr="gte", min_value=0, max_value=2**31 - 1
    )
    has_open_reports = django_filters.BooleanFilter(method="filter_has_open_reports")
    is_active = django_filters.BooleanFilter()

    def filter_has_open_reports(self, queryset: QuerySet[Any], name: str, value: Any) -> Any:
        if value is None:
            return queryset
        return queryset.filter(open_reports__gt=0) if value else queryset.filter(open_reports=0)
