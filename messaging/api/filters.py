"""Query filters of the messaging lists."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from messaging import notification_kinds
from messaging.models import Notification, Thread, ThreadParticipant


class ThreadFilter(django_filters.FilterSet):
    with_user = django_filters.NumberFilter(
        method="filter_with_user", label="Threads that this user (id) is a member of."
    )
    kind = django_filters.ChoiceFilter(choices=Thread.Kind.choices)
    subject_type = django_filters.CharFilter()
    subject_id = django_filters.NumberFilter()
    unread = django_filters.BooleanFilter(
        method="filter_unread", label="Only threads with (true) or without (false) unread messages."
    )
    search = django_filters.CharFilter(
        method="filter_search", label="Text in the title or another member's name."
    )

    class Meta:
        model = Thread
        fields = ["with_user", "kind", "subject_type", "subject_id", "unread", "search"]

    def filter_with_user(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        member = ThreadParticipant.objects.filter(thread=OuterRef("pk"), user_id=value)
        return queryset.filter(Exists(member))

    def filter_unread(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(unread_count__gt=0) if value else queryset.filter(unread_count=0)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        names = Q()
        for field in ("user__first_name", "user__last_name", "user__display_name"):
            names |= Q(**{f"{field}__icontains": value})
        member = (
            ThreadParticipant.objects.filter(thread=OuterRef("pk"))
            .exclude(user=self.request.user)
            .filter(names)
        )
        return queryset.filter(Q(title__icontains=value) | Exists(member))


class NotificationFilter(django_filters.FilterSet):
    is_read = django_filters.BooleanFilter()
    notification_type = django_filters.MultipleChoiceFilter(
        field_name="kind", choices=notification_kinds.CHOICES
    )
    related_type = django_filters.CharFilter()
    related_id = django_filters.NumberFilter()

    class Meta:
        model = Notification
        fields = ["is_read", "notification_type", "related_type", "related_id"]
