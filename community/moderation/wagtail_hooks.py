"""Wagtail admin of moderation: the queue, support tickets, audit-log actions, member history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter
from wagtail.models import ModelLogEntry
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.admin_users import HISTORY_ROWS, HistoryRow, HistorySection
from community.moderation import admin_views, services
from community.moderation.models import Report, Ticket
from core.exceptions import ApplicationError

# --- the queue ---------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def moderation_urls() -> list:
    return [
        path("moderation/", admin_views.QueueView.as_view(), name="moderation_queue"),
        path(
            "moderation/<slug:kind>/<int:target_id>/",
            admin_views.CaseView.as_view(),
            name="moderation_case",
        ),
    ]


class QueueMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return request.user.has_perm(admin_views.MODERATE)


@hooks.register("register_admin_menu_item")
def moderation_menu_item() -> MenuItem:
    return QueueMenuItem(_("Reports"), reverse("moderation_queue"), icon_name="warning", order=300)


# --- the audit log: who hid, warned, suspended or dismissed what, and why -----------------------


class _ModerationFormatter(LogFormatter):
    def format_comment(self, log_entry: Any) -> str:
        return str((log_entry.data or {}).get("reason", ""))


@hooks.register("register_log_actions")
def register_moderation_actions(actions: Any) -> None:
    texts = {
        "hide": (_("Hide reported content"), _("Hidden by a moderator")),
        "warn": (_("Warn a member"), _("Author warned by a moderator")),
        "suspend": (_("Suspend a member"), _("Author suspended by a moderator")),
        "dismiss": (_("Dismiss reports"), _("Reports dismissed by a moderator")),
    }
    for action, (label, message) in texts.items():
        formatter = type(
            f"{action.title()}Formatter",
            (_ModerationFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(services.LOG_ACTIONS[action])(formatter)


# --- support tickets ---------------------------------------------------------------------------


class TicketPermissionPolicy(ModelPermissionPolicy):
    """Members open tickets; staff never add, copy or delete them here."""

    refused = frozenset({"add", "delete", "copy"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action not in self.refused and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(Ticket, TicketPermissionPolicy(Ticket))


class TicketForm(forms.ModelForm):
    reply = forms.CharField(
        label=_("Reply to the member"),
        help_text=_("Sent to the member in the app and by e-mail."),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
    )

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee"]


class TicketEditView(EditView):
    """Status, priority and assignee through ``ticket_update``; a reply through
    ``ticket_staff_reply`` (the member is notified)."""

    template_name = "community/moderation/admin/ticket_edit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["replies"] = self.object.replies.select_related("author").order_by(
            "created_at", "id"
        )
        return context

    def save_instance(self) -> Ticket:
        data = self.form.cleaned_data
        fresh = Ticket.objects.get(pk=self.object.pk)
        ticket = services.ticket_update(
            ticket=fresh,
            staff=self.request.user,
            priority=data["priority"],
            assignee=data["assignee"],
            unassign=data["assignee"] is None,
        )
        if data.get("reply", "").strip():
            # The status the moderator picked wins over the reply's default ("pending").
            status = data["status"] if data["status"] != fresh.status else None
            services.ticket_staff_reply(
                ticket=ticket, staff=self.request.user, body=data["reply"], status=status
            )
        else:
            services.ticket_update(ticket=ticket, staff=self.request.user, status=data["status"])
        return Ticket.objects.get(pk=ticket.pk)

    def form_valid(self, form: Any) -> Any:
        try:
            return super().form_valid(form)
        except ApplicationError as exc:
            for field, errors in (exc.fields or {}).items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
            if not exc.fields:
                form.add_error(None, exc.message)
            return self.form_invalid(form)


class TicketIndexView(IndexView):
    default_ordering = "-updated_at"

    def get_base_queryset(self) -> Any:
        return Ticket.objects.select_related("member", "assignee")


def _member(ticket: Ticket) -> str:
    return f"{ticket.member.public_name} <{ticket.member.email}>"


class TicketViewSet(ModelViewSet):
    model = Ticket
    icon = "help"
    menu_label = _("Support tickets")
    menu_order = 305
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = TicketIndexView
    edit_view_class = TicketEditView
    search_fields = ["subject", "body"]
    search_backend_name = None
    list_filter = ["status", "priority", "category", "assignee"]
    list_display = [
        "subject",
        Column("member", label=_("Member"), accessor=_member),
        Column("category", label=_("Category"), accessor="get_category_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        Column("priority", label=_("Priority"), accessor="get_priority_display"),
        Column("assignee", label=_("Assignee")),
        DateColumn("updated_at", label=_("Updated")),
    ]
    form_fields = ["status", "priority", "assignee"]
    inspect_view_fields = [
        "member",
        "subject",
        "body",
        "category",
        "status",
        "priority",
        "assignee",
        "created_at",
        "updated_at",
    ]

    def get_form_class(self, for_update: bool = False) -> Any:
        return TicketForm


@hooks.register("register_admin_viewset")
def register_ticket_viewset() -> ModelViewSet:
    return TicketViewSet("support_tickets")


# --- the member's history on the user inspect page (accounts.admin_users) ------------------------


@hooks.register("register_user_history_section")
def reports_about_member_section(user: Any, request: Any) -> HistorySection | None:
    """Reports about this member's content (any kind), with the queue's decision."""
    if not request.user.has_perm(admin_views.MODERATE):
        return None
    reports = Report.objects.filter(target_author=user)
    return HistorySection(
        title=str(_("Reports about their content")),
        headers=[str(_("Content")), str(_("Reason")), str(_("Status")), str(_("Reported"))],
        rows=[
            HistoryRow(
                cells=[
                    f"{report.target_type}: {Truncator(report.target_label).chars(80)}",
                    report.get_reason_display(),
                    report.get_status_display()
                    + (f" ({report.get_resolution_display()})" if report.resolution else ""),
                    report.created_at,
                ],
                url=reverse("moderation_case", args=[report.target_type, report.target_id]),
            )
            for report in reports.order_by("-created_at", "-id")[:HISTORY_ROWS]
        ],
        total=reports.count(),
    )


@hooks.register("register_user_history_section")
def moderation_actions_section(user: Any, request: Any) -> HistorySection | None:
    """What moderators did about this member: warnings and suspensions from the queue."""
    if not request.user.has_perm(admin_views.MODERATE):
        return None
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(user)),
        object_id=str(user.pk),
        action__in=list(services.LOG_ACTIONS.values()),
    ).select_related("user")
    return HistorySection(
        title=str(_("Moderation actions")),
        headers=[str(_("Action")), str(_("By")), str(_("Why")), str(_("When"))],
        rows=[
            HistoryRow(
                cells=[
                    entry.message,
                    entry.user_display_name,
                    str((entry.data or {}).get("reason", "")),
                    entry.timestamp,
                ]
            )
            for entry in entries.order_by("-timestamp", "-id")[:HISTORY_ROWS]
        ],
        total=entries.count(),
    )
