"""Wagtail admin screens of the messaging app: moderators handle reported messages here."""

from __future__ import annotations

from typing import Any

from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

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
        "reporter",
        "reason",
        "status",
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
