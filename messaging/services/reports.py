"""Reports: a member reports a message; a moderator dismisses it or removes the message."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, NotFound, ValidationFailed
from messaging import notifications as messaging_kinds
from messaging.models import Message, MessageReport, ThreadParticipant
from messaging.services.content import message_content_clean
from messaging.services.messages import tombstone
from messaging.services.notifications import notification_send

DETAILS_MAX_LENGTH = 1000


@transaction.atomic
def message_report(
    *, message: Message, reporter: User, reason: str, details: str = ""
) -> MessageReport:
    """Report a message someone else sent in a thread the reporter belongs to.

    Moderators handle it in the Wagtail admin (Messaging → Reported messages).
    """
    if not ThreadParticipant.objects.filter(thread_id=message.thread_id, user=reporter).exists():
        raise NotFound()
    if message.sender_id == reporter.pk:
        raise ValidationFailed(fields={"message_id": [_("You cannot report your own message.")]})
    if message.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code="message_deleted")
    if reason not in MessageReport.Reason.values:
        raise ValidationFailed(fields={"reason": [_("Choose a valid reason.")]})
    try:
        with transaction.atomic():
            return MessageReport.objects.create(
                message=message,
                reporter=reporter,
                reason=reason,
                details=message_content_clean(details)[:DETAILS_MAX_LENGTH],
            )
    except IntegrityError:
        raise Conflict(
            _("You have already reported this message."), code="already_reported"
        ) from None


@transaction.atomic
def message_report_resolve(
    *, report: MessageReport, moderator: User, status: str, note: str = ""
) -> MessageReport:
    """Close a report: ``dismissed`` keeps the message, ``removed`` tombstones it.

    Removing closes every open report of that message. Locks the message row, then the reports
    in id order (both ``FOR NO KEY UPDATE``: no key column changes). Each reporter gets a
    ``moderation_decision`` notification; the sender too when the message is removed.
    """
    if status not in {MessageReport.Status.DISMISSED, MessageReport.Status.REMOVED}:
        raise ValidationFailed(fields={"status": [_("Choose dismissed or removed.")]})
    message = (
        Message.objects.select_for_update(no_key=True, of=("self",))
        .select_related("thread", "sender")
        .get(pk=report.message_id)
    )
    scope = MessageReport.objects.filter(pk=report.pk)
    if status == MessageReport.Status.REMOVED:
        scope = MessageReport.objects.filter(
            Q(pk=report.pk) | Q(message=message, status=MessageReport.Status.OPEN)
        )
    reports = list(
        scope.select_for_update(no_key=True, of=("self",)).select_related("reporter").order_by("id")
    )
    now = timezone.now()
    for item in reports:
        item.status = status
        item.moderator = moderator
        item.moderator_note = note
        item.resolved_at = now
        item.save(update_fields=["status", "moderator", "moderator_note", "resolved_at"])
    if status == MessageReport.Status.REMOVED and message.deleted_at is None:
        tombstone(message, by_moderator=True)
        if message.sender is not None:
            notification_send(
                recipient=message.sender,
                kind=messaging_kinds.MODERATION_DECISION,
                context={"decision": "removed", "object_label": "", "note": note},
                related_type="message",
                related_id=message.pk,
            )
    decision = "removed" if status == MessageReport.Status.REMOVED else "dismissed"
    for item in reports:
        notification_send(
            recipient=item.reporter,
            kind=messaging_kinds.MODERATION_DECISION,
            context={"decision": decision, "object_label": "", "note": ""},
            related_type="message_report",
            related_id=item.pk,
        )
    return next(item for item in reports if item.pk == report.pk)
