"""Writes of moderation: reports, the queue's actions, warnings, support tickets and replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts.models import User
from accounts.roles import Perm
from community.moderation import notifications as kinds
from community.moderation.kinds import HIDE_NOTIFIES_AUTHOR, ON_REPORT
from community.moderation.models import (
    DETAILS_MAX_LENGTH,
    MemberWarning,
    Report,
    ReportReason,
    ReportStatus,
    Resolution,
    Ticket,
    TicketCategory,
    TicketPriority,
    TicketReply,
    TicketStatus,
)
from community.moderation.targets import ReportableKind, reportable, reportable_kinds
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from core.text import text_clean
from messaging.services.notifications import notification_send

ACTIONS = ("hide", "warn", "suspend", "dismiss")
# Wagtail audit-log action names (registered in wagtail_hooks.py).
LOG_ACTIONS = {action: f"skillswap.{action}" for action in ACTIONS}
LABEL_MAX_LENGTH = 200
PREVIEW_CHARS = 140


def _kind_or_refuse(target_type: str) -> ReportableKind:
    kind = reportable(target_type)
    if kind is None:
        choices = ", ".join(spec.kind for spec in reportable_kinds())
        raise ValidationFailed(
            fields={"target_type": [_("Choose one of: %(kinds)s.") % {"kinds": choices}]}
        )
    return kind


@transaction.atomic
def report_create(
    *, reporter: User, target_type: str, target_id: int, reason: str, details: str = ""
) -> tuple[Report, bool]:
    """Report a target the reporter may see; ``(report, created)``.

    A member's second report of a target whose first report is still open returns that first
    report (``created`` False) and changes nothing. Reporting one's own content is refused.
    """
    kind = _kind_or_refuse(target_type)
    if reason not in ReportReason.values:
        raise ValidationFailed(fields={"reason": [_("Choose a valid reason.")]})
    target = kind.resolve(target_id, reporter)
    if target is None:
        raise NotFound()
    author = kind.author_of(target)
    if author is not None and author.pk == reporter.pk:
        raise ValidationFailed(fields={"target_id": [_("You cannot report your own content.")]})
    existing = _open_report(reporter=reporter, target_type=kind.kind, target_id=target_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                target_type=kind.kind,
                target_id=target_id,
                target_author=author,
                target_label=Truncator(kind.describe(target)).chars(LABEL_MAX_LENGTH),
                reason=reason,
                details=text_clean(details or "").strip()[:DETAILS_MAX_LENGTH],
            )
    except IntegrityError:
        # A concurrent identical report won the race: answer with it.
        existing = _open_report(reporter=reporter, target_type=kind.kind, target_id=target_id)
        if existing is None:
            raise
        return existing, False
    on_report = ON_REPORT.get(kind.kind)
    if on_report is not None:
        on_report(target)
    return report, True


def _open_report(*, reporter: User, target_type: str, target_id: int) -> Report | None:
    return Report.objects.filter(
        reporter=reporter,
        target_type=target_type,
        target_id=target_id,
        status=ReportStatus.OPEN,
    ).first()


@dataclass
class CaseResult:
    """What a queue action did: the reports it closed and the member it acted on."""

    action: str
    target_type: str
    target_id: int
    reports: list[Report]
    author: User | None
    legacy_reports: int = 0


def _label_for(recipient: User, kind: ReportableKind, label: str) -> str:
    with translation.override(getattr(recipient, "language", None) or "en"):
        return _("your %(kind)s “%(label)s”") % {"kind": kind.label, "label": label}


def _report_label_for(recipient: User, kind: ReportableKind, label: str) -> str:
    with translation.override(getattr(recipient, "language", None) or "en"):
        return _("your report about the %(kind)s “%(label)s”") % {
            "kind": kind.label,
            "label": label,
        }


def _target_load(kind: ReportableKind, target_id: int) -> Model | None:
    model = apps.get_model(kind.model)
    return model._default_manager.filter(pk=target_id).first()


def _may_suspend(moderator: User, author: User) -> bool:
    from accounts.api.permissions import holds_permission

    if author.pk == moderator.pk or (author.is_superuser and not moderator.is_superuser):
        return False
    if holds_permission(author, Perm.SUSPEND_USER):
        return moderator.has_perm(Perm.ASSIGN_ROLE)
    return moderator.has_perm(Perm.SUSPEND_USER)


@transaction.atomic
def case_act(
    *, target_type: str, target_id: int, moderator: User, action: str, reason: str = ""
) -> CaseResult:
    """Act on every open report of one target: hide it, warn or suspend its author, or dismiss.

    The caller checked ``community_moderation.moderate_report``. Locks the open reports of the
    target in id order (``FOR NO KEY UPDATE``), then whatever the kind's ``hide`` or the account
    suspension locks (the target row, the author's row); messaging's own reports of a message are
    closed last through ``message_report_resolve`` (message, then its reports). Writes the action
    to Wagtail's audit log on the target (and on the author for a warning or a suspension), and
    notifies the author and every reporter (``moderation_decision``, after commit).
    """
    if action not in ACTIONS:
        raise ValidationFailed(fields={"action": [_("Choose hide, warn, suspend or dismiss.")]})
    kind = reportable(target_type)
    if kind is None:
        raise NotFound()
    reason = text_clean(reason or "").strip()
    if action != "dismiss" and not reason:
        raise ValidationFailed(fields={"reason": [_("Say why: the author is told.")]})
    reports = list(
        Report.objects.select_for_update(no_key=True)
        .filter(target_type=kind.kind, target_id=target_id, status=ReportStatus.OPEN)
        .order_by("id")
    )
    legacy = _legacy_open_reports(kind.kind, target_id)
    if not reports and not legacy:
        raise Conflict(_("This case has no open reports."), code="no_open_reports")
    target = _target_load(kind, target_id)
    if target is None and action != "dismiss":
        raise Conflict(_("The reported content no longer exists."), code="target_gone")
    author = kind.author_of(target) if target is not None else None
    if author is None and reports:
        author = reports[-1].target_author
    if target is not None:
        label = kind.describe(target)
    else:
        label = reports[-1].target_label if reports else ""

    if action == "hide":
        if kind.hide is None:
            raise Conflict(
                _("This kind of content cannot be hidden; suspend the member instead."),
                code="not_hideable",
            )
        kind.hide(target, moderator, reason)
    elif action in ("warn", "suspend"):
        if author is None:
            raise Conflict(_("This content has no author to act on."), code="no_author")
        if action == "warn":
            MemberWarning.objects.create(
                user=author,
                moderator=moderator,
                target_type=kind.kind,
                target_id=target_id,
                reason=reason,
            )
        else:
            if not _may_suspend(moderator, author):
                raise Forbidden(_("You may not suspend this account."))
            from accounts.services import user_suspend

            user_suspend(user=author, reason=reason)

    now = timezone.now()
    resolution = Resolution.DISMISSED if action == "dismiss" else _RESOLUTION[action]
    status = ReportStatus.DISMISSED if action == "dismiss" else ReportStatus.RESOLVED
    for report in reports:
        report.status = status
        report.resolution = resolution
        report.resolved_by = moderator
        report.resolved_at = now
        report.resolution_note = reason
        report.save(
            update_fields=["status", "resolution", "resolved_by", "resolved_at", "resolution_note"]
        )
    legacy_count = _legacy_close(legacy, moderator=moderator, action=action, note=reason)

    data = {
        "target_type": kind.kind,
        "target_id": target_id,
        "target": label,
        "reason": reason,
        "reports": [report.pk for report in reports],
        "author_id": author.pk if author is not None else None,
    }
    log_instance = target if target is not None else (reports[-1] if reports else None)
    if log_instance is not None:
        log(instance=log_instance, action=LOG_ACTIONS[action], user=moderator, data=data)
    if action in ("warn", "suspend") and author is not None and author != target:
        log(instance=author, action=LOG_ACTIONS[action], user=moderator, data=data)

    told_by_hide = action == "hide" and kind.kind in HIDE_NOTIFIES_AUTHOR
    if author is not None and action != "dismiss" and not told_by_hide:
        notification_send(
            recipient=author,
            kind=kinds.MODERATION_DECISION,
            context={
                "decision": resolution,
                "object_label": _label_for(author, kind, label),
                "note": reason,
            },
            related_type=kind.kind,
            related_id=target_id,
        )
    for reporter_id in sorted({report.reporter_id for report in reports}):
        reporter = next(r.reporter for r in reports if r.reporter_id == reporter_id)
        notification_send(
            recipient=reporter,
            kind=kinds.MODERATION_DECISION,
            context={
                "decision": resolution,
                "object_label": _report_label_for(reporter, kind, label),
                "note": "",
            },
            related_type="report",
            related_id=next(r.pk for r in reports if r.reporter_id == reporter_id),
        )
    return CaseResult(
        action=action,
        target_type=kind.kind,
        target_id=target_id,
        reports=reports,
        author=author,
        legacy_reports=legacy_count,
    )


_RESOLUTION = {
    "hide": Resolution.HIDDEN,
    "warn": Resolution.WARNED,
    "suspend": Resolution.SUSPENDED,
}


def _legacy_open_reports(target_type: str, target_id: int) -> list[Any]:
    """Messaging's own open reports of a message (``messages/{id}/{id}/report``), id order."""
    if target_type != "message":
        return []
    from messaging.models import MessageReport

    return list(
        MessageReport.objects.filter(message_id=target_id, status=MessageReport.Status.OPEN)
        .select_related("reporter")
        .order_by("id")
    )


def _legacy_close(legacy: list[Any], *, moderator: User, action: str, note: str) -> int:
    """Close messaging's reports of a hidden (removed) or dismissed message with its service."""
    if not legacy:
        return 0
    from messaging.models import MessageReport
    from messaging.services.reports import message_report_resolve

    if action == "hide":
        # Closes every open report of the message; the sender was told by the queue already
        # (the message is a tombstone by now, so messaging does not tell them again).
        message_report_resolve(
            report=legacy[0], moderator=moderator, status=MessageReport.Status.REMOVED, note=note
        )
        return len(legacy)
    for report in legacy:
        message_report_resolve(
            report=report, moderator=moderator, status=MessageReport.Status.DISMISSED, note=note
        )
    return len(legacy)


# --- support tickets ---------------------------------------------------------------------------


def _required_text(value: str, field: str, max_length: int) -> str:
    cleaned = text_clean(value or "").strip()
    if not cleaned:
        raise ValidationFailed(fields={field: [_("This field may not be blank.")]})
    if len(cleaned) > max_length:
        raise ValidationFailed(
            fields={field: [_("Use at most %(max)s characters.") % {"max": max_length}]}
        )
    return cleaned


@transaction.atomic
def ticket_create(*, member: User, subject: str, body: str, category: str = "other") -> Ticket:
    """Open a support ticket for ``member``."""
    from community.moderation.models import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH

    if category not in TicketCategory.values:
        raise ValidationFailed(fields={"category": [_("Choose a valid category.")]})
    return Ticket.objects.create(
        member=member,
        subject=_required_text(subject, "subject", SUBJECT_MAX_LENGTH),
        body=_required_text(body, "body", BODY_MAX_LENGTH),
        category=category,
    )


def _ticket_lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)


@transaction.atomic
def ticket_member_reply(*, ticket: Ticket, member: User, body: str) -> TicketReply:
    """Add the member's reply to their own ticket; it goes back to staff (status ``open``).

    Locks the ticket row. A closed ticket takes no reply (409): the member opens a new one.
    """
    from community.moderation.models import BODY_MAX_LENGTH

    text = _required_text(body, "body", BODY_MAX_LENGTH)
    locked = _ticket_lock(ticket)
    if locked.member_id != member.pk:
        raise NotFound()
    if locked.status == TicketStatus.CLOSED:
        raise Conflict(_("This ticket is closed; open a new one."), code="ticket_closed")
    now = timezone.now()
    reply = TicketReply.objects.create(
        ticket=locked, author=member, body=text, is_staff=False, created_at=now
    )
    locked.status = TicketStatus.OPEN
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    return reply


@transaction.atomic
def ticket_staff_reply(
    *, ticket: Ticket, staff: User, body: str, status: str | None = None
) -> TicketReply:
    """Answer a ticket as staff; the member is notified in app and by e-mail (``ticket_reply``).

    The ticket moves to ``status`` (default ``pending``: waiting for the member). Locks the
    ticket row; the notification is pushed and mailed after commit.
    """
    from community.moderation.models import BODY_MAX_LENGTH

    text = _required_text(body, "body", BODY_MAX_LENGTH)
    new_status = status or TicketStatus.PENDING
    if new_status not in TicketStatus.values:
        raise ValidationFailed(fields={"status": [_("Choose a valid status.")]})
    locked = _ticket_lock(ticket)
    now = timezone.now()
    reply = TicketReply.objects.create(
        ticket=locked, author=staff, body=text, is_staff=True, created_at=now
    )
    locked.status = new_status
    locked.updated_at = now
    fields = ["status", "updated_at"]
    if locked.assignee_id is None:
        locked.assignee = staff
        fields.append("assignee")
    locked.save(update_fields=fields)
    notification_send(
        recipient=locked.member,
        kind=kinds.TICKET_REPLY,
        context={
            "ticket_id": locked.pk,
            "subject": locked.subject,
            "preview": Truncator(text).chars(PREVIEW_CHARS),
        },
        related_type="ticket",
        related_id=locked.pk,
    )
    return reply


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    staff: User,
    status: str | None = None,
    priority: str | None = None,
    assignee: User | None = None,
    unassign: bool = False,
) -> Ticket:
    """Change a ticket's status, priority or assignee (staff). Locks the ticket row.

    The assignee must be staff (holds ``community_moderation.change_ticket``).
    """
    errors: dict[str, list[str]] = {}
    if status is not None and status not in TicketStatus.values:
        errors["status"] = [_("Choose a valid status.")]
    if priority is not None and priority not in TicketPriority.values:
        errors["priority"] = [_("Choose a valid priority.")]
    if assignee is not None and not (
        assignee.is_active and assignee.has_perm("community_moderation.change_ticket")
    ):
        errors["assignee_id"] = [_("Assign the ticket to a moderator or an administrator.")]
    if errors:
        raise ValidationFailed(fields=errors)
    locked = _ticket_lock(ticket)
    fields = []
    if status is not None and status != locked.status:
        locked.status = status
        fields.append("status")
    if priority is not None and priority != locked.priority:
        locked.priority = priority
        fields.append("priority")
    if unassign and locked.assignee_id is not None:
        locked.assignee = None
        fields.append("assignee")
    elif assignee is not None and assignee.pk != locked.assignee_id:
        locked.assignee = assignee
        fields.append("assignee")
    if fields:
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*fields, "updated_at"])
        log(
            instance=locked,
            action="wagtail.edit",
            user=staff,
            data={"fields": fields},
        )
    return locked
