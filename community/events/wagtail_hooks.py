"""Wagtail admin screens of events.

Editors create and translate ``EventPage``s in the page tree like any other page. Staff get:

- **Event bookings** (Community → Event bookings): every booking, read-only, filtered by status,
  event and date; bookings change only through the booking services.
- **Cancel event**: a button on an event page's header (for users with
  ``community_events.change_eventseats``) that calls the whole event off through
  ``services.event_cancel``: every booking cancelled, every held point refunded, every member told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from community.events import services
from community.events.models import EventBooking, EventPage
from core.exceptions import ApplicationError

if TYPE_CHECKING:
    from accounts.models import User

CANCEL_EVENT = "community_events.change_eventseats"


class BookingPermissionPolicy(ModelPermissionPolicy):
    """Bookings are read here and changed only by the services: no add, edit or delete screens."""

    blocked = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in self.blocked:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions: Any) -> Any:
        actions = [action for action in actions if action not in self.blocked]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


register_permission_policy(EventBooking, BookingPermissionPolicy(EventBooking))


class EventBookingViewSet(ModelViewSet):
    model = EventBooking
    icon = "date"
    menu_label = _("Event bookings")
    menu_order = 330
    add_to_admin_menu = True
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["status"]  # never shown: the permission policy blocks add and edit
    list_display = [
        Column("event", label=_("Event")),
        Column("member", label=_("Member")),
        "status",
        "position",
        "points_held",
        "points_refunded",
        "created_at",
    ]
    list_filter = {"status": ["exact"], "event": ["exact"], "created_at": ["gte", "lte"]}
    search_fields = ["member__email", "member__display_name", "event__title"]
    search_backend_name = None
    ordering = ["-created_at"]
    inspect_view_fields = [
        "event",
        "member",
        "status",
        "position",
        "points_held",
        "points_refunded",
        "points_paid_out",
        "created_at",
        "confirmed_at",
        "cancelled_at",
    ]

    def get_queryset(self, request: Any) -> Any:
        return EventBooking.objects.select_related("event", "member")

    def get_urlpatterns(self) -> list:
        return [
            *super().get_urlpatterns(),
            path("cancel-event/<int:pk>/", CancelEventView.as_view(), name="cancel_event"),
        ]


class CancelEventView(WagtailAdminTemplateMixin, FormView):
    """Confirm, then call the event off (refunds and notifications through the service)."""

    form_class = forms.Form
    template_name = "wagtailadmin/generic/form.html"
    page_title = _("Cancel event")
    header_icon = "warning"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm(CANCEL_EVENT):
            raise PermissionDenied
        self.event = get_object_or_404(EventPage, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.event.title

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.path,
            submit_button_label=_("Cancel the event and refund everyone"),
            submit_button_active_label=_("Cancelling…"),
        )
        return context

    def form_valid(self, form: forms.Form) -> Any:
        try:
            count = services.event_cancel(event=self.event, by=cast("User", self.request.user))
        except ApplicationError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(
                self.request,
                _("The event was cancelled; %(count)s bookings were refunded and told.")
                % {"count": count},
            )
        return redirect(reverse("wagtailadmin_pages:edit", args=[self.event.pk]))


VIEWSET = EventBookingViewSet("community_event_bookings")


@hooks.register("register_admin_viewset")
def register_event_bookings() -> EventBookingViewSet:
    return VIEWSET


@hooks.register("register_page_header_buttons")
def cancel_event_button(page: Any, user: Any, view_name: str, next_url: str | None = None) -> Any:
    if page.specific_class is EventPage and user.has_perm(CANCEL_EVENT):
        yield Button(
            _("Cancel event"),
            url=reverse(VIEWSET.get_url_name("cancel_event"), args=[page.pk]),
            icon_name="warning",
            priority=90,
        )
