"""Query filters of the accounts API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from accounts import selectors
from accounts.models import User
from accounts.roles import ALIASES, Role


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=[*Role.choices, *((alias, alias) for alias in ALIASES)],
        method="filter_role",
        help_text="member, expert, moderator or admin (seed 004 also says friend, manager).",
    )
    status = django_filters.ChoiceFilter(
        choices=selectors.USER_STATUS_CHOICES,
        method="filter_status",
        help_text="active, suspended or deleted.",
    )

    class Meta:
        model = User
        fields = ["role", "status"]

    def filter_role(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return selectors.users_of_role(queryset, value)

    def filter_status(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return selectors.users_of_status(queryset, value)
