"""Wagtail admin screens of the exchanges app: swaps (with dispute resolution) and the call log.

Swaps and calls are read-only here: every change goes through ``exchanges.services``, so the
admin can never move points or skip a state. Moderators resolve disputes with a form that calls
``swap_resolve_dispute`` (permission ``exchanges.resolve_dispute``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets import ListingButton

from accounts.admin_users import HISTORY_ROWS, HistoryRow, HistorySection
from config.wagtail_admin import ReadOnlyModelViewSet, register_read_only
from core.exceptions import ApplicationError
from exchanges import services
from exchanges.models import Swap, VideoCall

register_read_only(Swap, VideoCall)


class ResolveDisputeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Swap.Resolution.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to both parties"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ResolveDisputeView(WagtailAdminTemplateMixin, FormView):
    """Close a dispute as completed (pay the responder) or refunded, through the service."""

    form_class = ResolveDisputeForm
    template_name = "exchanges/admin/resolve_dispute.html"
    page_title = _("Resolve dispute")
    header_icon = "warning"
    index_url_name = ""
    inspect_url_name = ""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.has_perm("exchanges.resolve_dispute"):
            raise PermissionDenied
        self.swap = get_object_or_404(
            Swap.objects.select_related("requester", "responder"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return str(self.swap)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Swaps")},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.swap)},
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            swap=self.swap,
            action_url=self.request.path,
            submit_button_label=_("Resolve"),
            submit_button_active_label=_("Resolving…"),
        )
        return context

    def form_valid(self, form: ResolveDisputeForm) -> Any:
        try:
            services.swap_resolve_dispute(
                swap=self.swap,
                moderator=self.request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(reverse(self.inspect_url_name, args=[self.swap.pk]))
        messages.success(self.request, _("The dispute is resolved."))
        return redirect(reverse(self.index_url_name))


class SwapIndexView(IndexView):
    resolve_url_name = ""

    def get_list_more_buttons(self, instance: Swap) -> list:
        buttons = list(super().get_list_more_buttons(instance))
        if instance.status == Swap.Status.DISPUTED and self.request.user.has_perm(
            "exchanges.resolve_dispute"
        ):
            buttons.append(
                ListingButton(
                    _("Resolve dispute"),
                    url=reverse(self.resolve_url_name, args=[instance.pk]),
                    icon_name="warning",
                    priority=5,
                )
            )
        return buttons


class SwapInspectView(InspectView):
    resolve_url_name = ""

    @property
    def header_more_buttons(self) -> list:
        from wagtail.admin.widgets import Button

        buttons = []
        if self.object.status == Swap.Status.DISPUTED and self.request.user.has_perm(
            "exchanges.resolve_dispute"
        ):
            buttons.append(
                Button(
                    _("Resolve dispute"),
                    url=reverse(self.resolve_url_name, args=[self.object.pk]),
                    icon_name="warning",
                )
            )
        return buttons


class SwapViewSet(ReadOnlyModelViewSet):
    model = Swap
    icon = "resubmit"
    menu_label = _("Swaps")
    add_to_admin_menu = False
    index_view_class = SwapIndexView
    inspect_view_class = SwapInspectView
    list_display = [
        "title",
        "requester",
        "responder",
        "status",
        "kind",
        "points_amount",
        "scheduled_start",
    ]
    list_filter = {
        "status": ["exact"],
        "kind": ["exact"],
        "session_type": ["exact"],
        "scheduled_start": ["gte", "lte"],
    }
    search_fields = ["title", "requester__email", "responder__email", "dispute_reason"]
    ordering = ["-scheduled_start"]
    inspect_view_fields_exclude = [
        "requester_calendar_event_id",
        "responder_calendar_event_id",
    ]

    def get_index_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_index_view_kwargs(
            resolve_url_name=self.get_url_name("resolve"), **kwargs
        )

    def get_inspect_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_inspect_view_kwargs(
            resolve_url_name=self.get_url_name("resolve"), **kwargs
        )

    @property
    def resolve_view(self) -> Any:
        return ResolveDisputeView.as_view(
            index_url_name=self.get_url_name("index"),
            inspect_url_name=self.get_url_name("inspect"),
        )

    def get_urlpatterns(self) -> list:
        return [
            *super().get_urlpatterns(),
            path("resolve/<int:pk>/", self.resolve_view, name="resolve"),
        ]


class VideoCallViewSet(ReadOnlyModelViewSet):
    model = VideoCall
    icon = "media"
    menu_label = _("Video call log")
    add_to_admin_menu = False
    list_display = [
        Column("swap", label=_("Swap")),
        "status",
        "created_at",
        "started_at",
        "ended_at",
        "duration_seconds",
    ]
    list_filter = {"status": ["exact"], "created_at": ["gte", "lte"]}
    ordering = ["-created_at"]


class ExchangesViewSetGroup(ModelViewSetGroup):
    menu_label = _("Exchanges")
    menu_icon = "resubmit"
    menu_order = 300
    items = (SwapViewSet("swaps"), VideoCallViewSet("video_calls"))


@hooks.register("register_admin_viewset")
def register_exchanges_viewsets() -> ExchangesViewSetGroup:
    return ExchangesViewSetGroup()


# --- the member's swaps on the user inspect page (accounts.admin_users) -------------------------


@hooks.register("register_user_history_section")
def swap_history_section(user: Any, request: Any) -> Any:
    """The member's latest swaps, either side, for moderators who may view swaps."""
    if not request.user.has_perm("exchanges.view_swap"):
        return None
    swaps = Swap.objects.filter(Q(requester=user) | Q(responder=user))
    latest = swaps.select_related("requester", "responder").order_by("-created_at", "-id")
    rows = []
    for swap in latest[:HISTORY_ROWS]:
        other = swap.responder if swap.requester_id == user.pk else swap.requester
        rows.append(
            HistoryRow(
                cells=[
                    swap.title or str(swap),
                    other.public_name if other else "—",
                    swap.get_status_display(),
                    swap.scheduled_start,
                ],
                url=reverse("swaps:inspect", args=[swap.pk]),
            )
        )
    return HistorySection(
        title=str(_("Swaps")),
        headers=[str(_("Title")), str(_("With")), str(_("Status")), str(_("Scheduled start"))],
        rows=rows,
        total=swaps.count(),
        more_url=f"{reverse('swaps:index')}?{urlencode({'q': user.email})}",
    )
