"""Wagtail admin screens of the messaging app: moderators handle reported messages here."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.admin_users import HISTORY_ROWS, HistoryRow, HistorySection
from messaging import services
from messaging.models import MessageReport


class MessageReportPermissionPolicy(ModelPermissionPolicy):
    """Reports come from members only: nobody adds, copies or deletes them in the admin."""

    refused = frozenset({"add", "delete", "copy"})

    def user_has_permission(self, user: Any, action: str) -> bool:
        return action not in self.refused and super().user_has_permission(user, action)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(MessageReport, MessageReportPermissionPolicy(MessageReport))


def _message_text(report: MessageReport) -> str:
    message = report.message
    if message.deleted_at is not None:
        return str(_("[deleted]"))
    return Truncator(message.content).chars(120) or str(_("[attachment only]"))


def _sender(report: MessageReport) -> str:
    sender = report.message.sender
    return f"{sender.public_name} <{sender.email}>" if sender else "—"


class MessageReportEditView(EditView):
    """Closing a report goes through ``message_report_resolve`` (tombstone, notifications)."""

    def save_instance(self) -> MessageReport:
        report = self.form.instance
        status = self.form.cleaned_data["status"]
        note = self.form.cleaned_data.get("moderator_note", "")
        if status == MessageReport.Status.OPEN:
            report.save(update_fields=["moderator_note"])
            return report
        fresh = MessageReport.objects.get(pk=report.pk)
        return services.message_report_resolve(
            report=fresh, moderator=self.request.user, status=status, note=note
        )


class MessageReportIndexView(IndexView):
    default_ordering = "-created_at"

    def get_base_queryset(self) -> Any:
        return MessageReport.objects.select_related("message__sender", "reporter")

    def review_url(self, report: MessageReport) -> str | None:
        """The review form (resolve or dismiss) when the moderator may change reports, else the
        read-only inspect page."""
        return self.get_edit_url(report) or self.get_inspect_url(report)

    @property
    def columns(self) -> list[Column]:
        # Each row's message text links to its review form.
        return [
            TitleColumn(
                "message",
                label=_("Message"),
                accessor=_message_text,
                get_url=self.review_url,
            ),
            *(column for column in super().columns if column.name != "message"),
        ]


class MessageReportViewSet(ModelViewSet):
    model = MessageReport
    icon = "warning"
    menu_label = _("Reported messages")
    menu_order = 310
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = MessageReportIndexView
    edit_view_class = MessageReportEditView
    form_fields = ["status", "moderator_note"]
    list_filter = ["status", "reason"]
    list_display = [
        Column("message", label=_("Message"), accessor=_message_text),
        Column("sender", label=_("Sender"), accessor=_sender),
        Column("reporter", label=_("Reporter")),
        Column("reason", label=_("Reason"), accessor="get_reason_display"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        DateColumn("created_at", label=_("Reported")),
    ]
    inspect_view_fields = [
        "message",
        "reporter",
        "reason",
        "details",
        "status",
        "moderator",
        "moderator_note",
        "created_at",
        "resolved_at",
    ]


@hooks.register("register_admin_viewset")
def register_message_reports() -> ModelViewSet:
    return MessageReportViewSet("message_reports")


# --- the member's reports on the user inspect page (accounts.admin_users) -----------------------


def _report_rows(reports: Any) -> list:
    return [
        HistoryRow(
            cells=[
                _message_text(report),
                report.get_reason_display(),
                report.get_status_display(),
                report.created_at,
            ],
            url=reverse("message_reports:edit", args=[report.pk]),
        )
        for report in reports.select_related("message").order_by("-created_at", "-id")[
            :HISTORY_ROWS
        ]
    ]


def _report_section(user: Any, request: Any, title: str, reports: Any) -> Any:
    if not request.user.has_perm("messaging.view_messagereport"):
        return None
    return HistorySection(
        title=title,
        headers=[str(_("Message")), str(_("Reason")), str(_("Status")), str(_("Reported"))],
        rows=_report_rows(reports),
        total=reports.count(),
    )


@hooks.register("register_user_history_section")
def reports_about_member_section(user: Any, request: Any) -> Any:
    """Reports other members made about this member's messages."""
    reports = MessageReport.objects.filter(message__sender=user)
    return _report_section(user, request, str(_("Reports about their messages")), reports)


@hooks.register("register_user_history_section")
def reports_by_member_section(user: Any, request: Any) -> Any:
    """Reports this member made."""
    reports = MessageReport.objects.filter(reporter=user)
    return _report_section(user, request, str(_("Reports they made")), reports)
