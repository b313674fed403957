"""Every write of the messaging app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

Lock order, whenever more than one is taken: the thread row, then participant rows (primary-key
order), then notification rows. Socket pushes go through ``messaging.groups.broadcast_on_commit``
and e-mails through Celery's ``delay_on_commit``: nothing leaves the process before the commit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from messaging import attachments as attachment_files
from messaging import notification_texts
from messaging.groups import broadcast_on_commit, thread_group, user_group
from messaging.models import (
    Attachment,
    Message,
    MessageReport,
    Notification,
    NotificationKind,
    NotificationPreference,
    Thread,
    ThreadParticipant,
    UserBlock,
)
from messaging.payloads import iso, message_payload, notification_payload

_CONTROL_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
_BLANK_LINES = re.compile(r"\n{3,}")
PREVIEW_LENGTH = 140


# --- content ----------------------------------------------------------------------------------


def message_content_clean(raw: str | None) -> str:
    """Plain text only: tags stripped, control and bidi-override characters removed, trimmed.

    Bidi overrides are dropped because they can make a message display differently from what it
    says (a link that reads backwards); ordinary right-to-left Arabic text needs none of them.
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = strip_tags(text)
    text = _CONTROL_CHARS.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _validated_content(raw: str | None, *, has_attachments: bool) -> str:
    content = message_content_clean(raw)
    limit = settings.MESSAGING_MESSAGE_MAX_LENGTH
    if len(content) > limit:
        raise ValidationFailed(
            fields={
                "content": [
                    _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit}
                ]
            }
        )
    if not content and not has_attachments:
        raise ValidationFailed(fields={"content": [_("Write a message or attach a file.")]})
    return content


def _preview(content: str) -> str:
    flat = " ".join(content.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[: PREVIEW_LENGTH - 1] + "…"


# --- blocks -----------------------------------------------------------------------------------


def _blocked_between(user_id: int, other_ids: Iterable[int]) -> UserBlock | None:
    others = list(other_ids)
    if not others:
        return None
    return (
        UserBlock.objects.filter(
            Q(blocker_id=user_id, blocked_id__in=others)
            | Q(blocked_id=user_id, blocker_id__in=others)
        )
        .order_by("id")
        .first()
    )


def _refuse_if_blocked(user_id: int, other_ids: Iterable[int]) -> None:
    block = _blocked_between(user_id, other_ids)
    if block is None:
        return
    if block.blocker_id == user_id:
        message = _("You have blocked this user. Unblock them to send messages.")
    else:
        message = _("You cannot send messages to this user.")
    raise Forbidden(message, code="blocked", extra={"blocked_by_you": block.blocker_id == user_id})


@transaction.atomic
def user_block(*, blocker: User, blocked: User) -> UserBlock:
    """Stop all new messages between ``blocker`` and ``blocked``, both ways; idempotent."""
    if blocker.pk == blocked.pk:
        raise ValidationFailed(fields={"user_id": [_("You cannot block yourself.")]})
    block, _created = UserBlock.objects.get_or_create(blocker=blocker, blocked=blocked)
    return block


@transaction.atomic
def user_unblock(*, blocker: User, blocked_id: int) -> None:
    deleted, _rows = UserBlock.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if not deleted:
        raise NotFound()


# --- threads ----------------------------------------------------------------------------------


def _add_participants(thread: Thread, users: Iterable[User]) -> None:
    ThreadParticipant.objects.bulk_create(
        [ThreadParticipant(thread=thread, user=user) for user in users],
        ignore_conflicts=True,
    )


@transaction.atomic
def thread_get_or_create_for_pair(*, user_a: User, user_b: User) -> Thread:
    """The one direct thread of two users, created on first use.

    Concurrent calls for the same pair (in either order) end with one thread: the database's
    unique constraint on the ordered pair decides, and the loser reads the winner's row.
    """
    if user_a.pk == user_b.pk:
        raise ValidationFailed(fields={"receiver_id": [_("You cannot message yourself.")]})
    low, high = sorted([user_a, user_b], key=lambda user: user.pk)
    thread, created = Thread.objects.get_or_create(
        kind=Thread.Kind.DIRECT, user_low=low, user_high=high
    )
    if created:
        _add_participants(thread, [low, high])
    return thread


@transaction.atomic
def thread_get_or_create_for_subject(
    *, subject_type: str, subject_id: int, participants: Sequence[User], title: str = ""
) -> Thread:
    """The thread bound to a higher app's object (``("swap", 42)``), with ``participants`` in it.

    Called by the owning app (exchanges for swaps). Members are only ever added here, never
    removed; a title given later replaces an empty one.
    """
    if not subject_type or subject_id is None:
        raise ValueError("subject_type and subject_id are required")
    thread, created = Thread.objects.get_or_create(
        kind=Thread.Kind.SUBJECT,
        subject_type=subject_type,
        subject_id=subject_id,
        defaults={"title": title[:200]},
    )
    if not created and title and not thread.title:
        thread.title = title[:200]
        thread.save(update_fields=["title"])
    _add_participants(thread, participants)
    return thread


# --- messages ---------------------------------------------------------------------------------


def _store_attachments(message: Message, prepared: list[attachment_files.PreparedFile]) -> None:
    saved: list[Any] = []
    try:
        for item in prepared:
            attachment = Attachment(
                message=message,
                content_type=item.content_type,
                size=len(item.content),
                original_name=item.original_name,
                width=item.width,
                height=item.height,
            )
            attachment.file.save(item.name, ContentFile(item.content), save=False)
            saved.append(attachment.file)
            if item.thumbnail is not None:
                attachment.thumbnail.save("thumb.webp", ContentFile(item.thumbnail), save=False)
                saved.append(attachment.thumbnail)
            attachment.save()
    except Exception:
        for stored in saved:
            stored.storage.delete(stored.name)
        raise
    # If the surrounding transaction rolls back later, the files stay behind as orphans; they
    # are unreachable (only rows point at them) and cost disk space, never a leak.


def _locked_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)


def _memberships(thread: Thread) -> list[ThreadParticipant]:
    return list(thread.participants.select_related("user").order_by("id"))


def _member(participants: list[ThreadParticipant], user_id: int) -> ThreadParticipant:
    for participant in participants:
        if participant.user_id == user_id:
            return participant
    raise NotFound()


def _broadcast_message(event_type: str, message: Message, participants: list[ThreadParticipant]):
    broadcast_on_commit(
        thread_group(message.thread_id),
        {"type": event_type, "message": message_payload(message, participants=participants)},
    )


@transaction.atomic
def message_send(
    *,
    thread: Thread,
    sender: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Post a message to ``thread``; the sender must be a member.

    Takes a ``FOR NO KEY UPDATE`` lock on the thread row before inserting, so messages of one
    thread get ids in commit order (history pages by id are stable under concurrent sends) and
    ``last_message`` always names the newest. After commit: ``message.receive`` on the thread's
    sockets, a ``new_message`` notification to every other member (one unread notification per
    thread, updated in place), never an immediate e-mail (unread messages go out as a digest).
    Refused with 403 ``blocked`` when a block stands between the sender and the other member of a
    direct or subject thread.
    """
    thread = _locked_thread(thread)
    participants = _memberships(thread)
    sender_membership = _member(participants, sender.pk)
    others = [p for p in participants if p.user_id != sender.pk]
    if thread.kind != Thread.Kind.GROUP:
        _refuse_if_blocked(sender.pk, [p.user_id for p in others])
    clean = _validated_content(content, has_attachments=bool(attachments))
    prepared = attachment_files.prepare_all(list(attachments))

    message = Message.objects.create(thread=thread, sender=sender, content=clean)
    if prepared:
        _store_attachments(message, prepared)
    # The payload lists the attachments: hand it the ones just written instead of a query.
    message._prefetched_objects_cache = {
        "attachments": message.attachments.order_by("id") if prepared else Attachment.objects.none()
    }
    thread.last_message = message
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message", "last_message_at"])
    sender_membership.last_read_message_id = message.pk
    sender_membership.last_read_at = message.created_at
    sender_membership.save(update_fields=["last_read_message_id", "last_read_at"])

    _broadcast_message("message.receive", message, participants)
    preview = _preview(clean) if clean else ""
    for participant in others:
        notification_send(
            recipient=participant.user,
            kind=NotificationKind.NEW_MESSAGE,
            context={
                "sender_name": sender.public_name,
                "preview": preview or _attachment_preview(participant.user, len(prepared)),
                "thread_id": thread.pk,
                "message_id": message.pk,
            },
            related_type="thread",
            related_id=thread.pk,
        )
    return message


@transaction.atomic
def message_send_to_user(
    *,
    sender: User,
    receiver: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Seed 003's ``POST messages/``: send to a user through the pair's one direct thread.

    The thread is created on first contact, in the same transaction as the message, so a refused
    message (blocked, invalid) leaves no empty thread behind.
    """
    thread = thread_get_or_create_for_pair(user_a=sender, user_b=receiver)
    return message_send(thread=thread, sender=sender, content=content, attachments=attachments)


def _attachment_preview(recipient: User, count: int) -> str:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return (
            _("Sent an attachment.")
            if count == 1
            else _("Sent %(count)d attachments.") % {"count": count}
        )


def _own_message_for_change(*, message: Message, user: User) -> Message:
    locked = (
        Message.objects.select_for_update(of=("self",)).select_related("thread").get(pk=message.pk)
    )
    if locked.sender_id != user.pk:
        raise Forbidden(_("You can only change your own messages."), code="not_message_owner")
    if locked.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code="message_deleted")
    if timezone.now() - locked.created_at > settings.MESSAGING_EDIT_WINDOW:
        minutes = int(settings.MESSAGING_EDIT_WINDOW.total_seconds() // 60)
        raise Conflict(
            _("Messages can only be changed within %(minutes)d minutes of sending.")
            % {"minutes": minutes},
            code="edit_window_closed",
        )
    return locked


@transaction.atomic
def message_edit(*, message: Message, user: User, content: str | None) -> Message:
    """Replace the text of the user's own message within the edit window.

    Locks the message row. After commit: ``message.edit`` on the thread's sockets.
    """
    locked = _own_message_for_change(message=message, user=user)
    has_files = locked.attachments.exists()
    locked.content = _validated_content(content, has_attachments=has_files)
    locked.edited_at = timezone.now()
    locked.save(update_fields=["content", "edited_at"])
    _broadcast_message("message.edit", locked, _memberships(locked.thread))
    return locked


def _tombstone(message: Message, *, by_moderator: bool) -> None:
    files = []
    for attachment in message.attachments.all():
        files.extend(f for f in (attachment.file, attachment.thumbnail) if f)
    message.attachments.all().delete()
    message.content = ""
    message.deleted_at = timezone.now()
    message.removed_by_moderator = by_moderator
    message.save(update_fields=["content", "deleted_at", "removed_by_moderator"])
    for stored in files:
        transaction.on_commit(
            lambda storage=stored.storage, name=stored.name: storage.delete(name), robust=True
        )
    _broadcast_message("message.delete", message, _memberships(message.thread))


@transaction.atomic
def message_delete(*, message: Message, user: User) -> Message:
    """Delete the user's own message within the edit window, leaving a tombstone.

    Locks the message row. The text and attachments are gone (files removed after commit); the
    row keeps its place in the thread. After commit: ``message.delete`` on the thread's sockets.
    """
    locked = _own_message_for_change(message=message, user=user)
    _tombstone(locked, by_moderator=False)
    return locked


@transaction.atomic
def thread_mark_read(
    *, thread: Thread, user: User, up_to_message_id: int | None = None
) -> ThreadParticipant:
    """Move the user's read position forward to ``up_to_message_id`` (default: the newest).

    Locks the user's participant row. The position never moves back. After commit (only when it
    moved): ``message.read`` on the thread's sockets; the thread's unread ``new_message``
    notification is marked read.
    """
    try:
        participant = ThreadParticipant.objects.select_for_update().get(thread=thread, user=user)
    except ThreadParticipant.DoesNotExist:
        raise NotFound() from None
    if up_to_message_id is None:
        newest = Message.objects.filter(thread=thread).aggregate(newest=Max("id"))["newest"]
        up_to_message_id = newest or 0
    elif not Message.objects.filter(thread=thread, pk=up_to_message_id).exists():
        raise ValidationFailed(fields={"message_id": [_("No such message in this thread.")]})
    if up_to_message_id <= participant.last_read_message_id:
        return participant
    now = timezone.now()
    participant.last_read_message_id = up_to_message_id
    participant.last_read_at = now
    participant.save(update_fields=["last_read_message_id", "last_read_at"])
    if (
        not Message.objects.filter(thread=thread, pk__gt=up_to_message_id, deleted_at__isnull=True)
        .exclude(sender=user)
        .exists()
    ):
        Notification.objects.filter(
            recipient=user,
            kind=NotificationKind.NEW_MESSAGE,
            related_type="thread",
            related_id=thread.pk,
            is_read=False,
        ).update(is_read=True, read_at=now, updated_at=now)
    broadcast_on_commit(
        thread_group(thread.pk),
        {
            "type": "message.read",
            "thread_id": thread.pk,
            "user_id": user.pk,
            "message_id": up_to_message_id,
            "read_at": iso(now),
        },
    )
    return participant


# --- reports ----------------------------------------------------------------------------------


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
                details=message_content_clean(details)[:1000],
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
    in id order. Each reporter gets a ``moderation_decision`` notification; the sender too when
    the message is removed.
    """
    if status not in {MessageReport.Status.DISMISSED, MessageReport.Status.REMOVED}:
        raise ValidationFailed(fields={"status": [_("Choose dismissed or removed.")]})
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("thread", "sender")
        .get(pk=report.message_id)
    )
    scope = MessageReport.objects.filter(pk=report.pk)
    if status == MessageReport.Status.REMOVED:
        scope = MessageReport.objects.filter(
            Q(pk=report.pk) | Q(message=message, status=MessageReport.Status.OPEN)
        )
    reports = list(scope.select_for_update(of=("self",)).select_related("reporter").order_by("id"))
    now = timezone.now()
    for item in reports:
        item.status = status
        item.moderator = moderator
        item.moderator_note = note
        item.resolved_at = now
        item.save(update_fields=["status", "moderator", "moderator_note", "resolved_at"])
    if status == MessageReport.Status.REMOVED and message.deleted_at is None:
        _tombstone(message, by_moderator=True)
        if message.sender is not None:
            notification_send(
                recipient=message.sender,
                kind=NotificationKind.MODERATION_DECISION,
                context={"decision": "removed", "object_label": "", "note": note},
                related_type="message",
                related_id=message.pk,
            )
    decision = "removed" if status == MessageReport.Status.REMOVED else "dismissed"
    for item in reports:
        notification_send(
            recipient=item.reporter,
            kind=NotificationKind.MODERATION_DECISION,
            context={"decision": decision, "object_label": "", "note": ""},
            related_type="message_report",
            related_id=item.pk,
        )
    return next(item for item in reports if item.pk == report.pk)


# --- notifications ----------------------------------------------------------------------------


def notification_preference_get(user: User, kind: str) -> tuple[bool, bool]:
    """``(in_app, email)`` for ``kind``: the user's choice, else the kind's default."""
    row = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("in_app", "email")
        .first()
    )
    return row if row is not None else notification_texts.NOTIFICATION_DEFAULTS[kind]


@transaction.atomic
def notification_preferences_update(*, user: User, preferences: Iterable[dict[str, Any]]) -> None:
    """Store the user's choice for each kind listed (``{"kind", "in_app", "email"}``)."""
    for item in preferences:
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=item["kind"],
            defaults={"in_app": bool(item["in_app"]), "email": bool(item["email"])},
        )


def _plain_context(context: dict[str, Any] | None) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if value is None or isinstance(value, str | int | float | bool):
            plain[str(key)] = value
        elif isinstance(value, datetime):
            plain[str(key)] = iso(value)
        else:
            plain[str(key)] = str(value)
    return plain


def notification_render(*, recipient: User, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """``(title, body)`` of ``kind`` in the recipient's language and time zone."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return notification_texts.render(
            kind, context, time_zone=getattr(recipient, "time_zone", "UTC")
        )


def notification_send(
    *,
    recipient: User,
    kind: str,
    context: dict | None = None,
    related_type: str = "",
    related_id: int | None = None,
) -> Notification | None:
    """Notify ``recipient`` of an event: the one entry point every app uses.

    Stores the notification with its title and body rendered in the recipient's language, pushes
    ``notification.receive`` to the recipient's sockets after commit, and e-mails it through
    Celery after commit when the recipient's e-mail preference for ``kind`` is on (``new_message``
    is never mailed one by one: unread messages go out as a digest). Returns None, storing and
    pushing nothing, when the recipient turned in-app notifications of ``kind`` off (the e-mail
    preference still applies).

    A ``new_message`` notification with a ``related_*`` object updates the recipient's unread one
    for that object in place (locking it) instead of piling up one row per message.

    Runs in the caller's transaction when there is one, without a savepoint (two round trips
    saved per notification on the message path); an unknown ``kind`` raises ValueError before
    anything is written.
    """
    kind = NotificationKind(kind).value
    with transaction.atomic(savepoint=False):
        return _notification_store(
            recipient=recipient,
            kind=kind,
            plain=_plain_context(context),
            related_type=related_type,
            related_id=related_id,
        )


def _notification_store(
    *, recipient: User, kind: str, plain: dict[str, Any], related_type: str, related_id: int | None
) -> Notification | None:
    in_app, email = notification_preference_get(recipient, kind)
    notification: Notification | None = None
    if in_app:
        title, body = notification_render(recipient=recipient, kind=kind, context=plain)
        if kind == NotificationKind.NEW_MESSAGE and related_type and related_id is not None:
            notification = (
                Notification.objects.select_for_update()
                .filter(
                    recipient=recipient,
                    kind=kind,
                    related_type=related_type,
                    related_id=related_id,
                    is_read=False,
                )
                .order_by("-id")
                .first()
            )
        if notification is not None:
            notification.title, notification.body, notification.data = title, body, plain
            notification.created_at = timezone.now()
            notification.save(update_fields=["title", "body", "data", "created_at", "updated_at"])
        else:
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                related_type=related_type[:32],
                related_id=related_id,
                data=plain,
            )
        broadcast_on_commit(
            user_group(recipient.pk),
            {"type": "notification.receive", "notification": notification_payload(notification)},
        )
    if email and kind != NotificationKind.NEW_MESSAGE and recipient.is_active and recipient.email:
        from messaging.tasks import notification_email_task

        notification_email_task.delay_on_commit(
            recipient_id=recipient.pk,
            kind=kind,
            context=plain,
            notification_id=notification.pk if notification else None,
        )
    return notification


@transaction.atomic
def notification_mark(*, notification: Notification, is_read: bool) -> Notification:
    notification.is_read = is_read
    notification.read_at = timezone.now() if is_read else None
    notification.save(update_fields=["is_read", "read_at", "updated_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; push ``notification.read`` after commit."""
    now = timezone.now()
    count = Notification.objects.filter(recipient=user, is_read=False).update(
        is_read=True, read_at=now, updated_at=now
    )
    if count:
        broadcast_on_commit(
            user_group(user.pk), {"type": "notification.read", "all": True, "read_at": iso(now)}
        )
    return count


def _site_link(path: str = "") -> str:
    return f"{settings.MESSAGING_SITE_URL}{path}"


def _send_mail(*, recipient: User, subject: str, template: str, context: dict[str, Any]) -> None:
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        full = {
            **context,
            "recipient_name": recipient.public_name,
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "site_url": _site_link(f"/{language}/"),
        }
        text = render_to_string(f"messaging/email/{template}.txt", full)
        html = render_to_string(f"messaging/email/{template}.html", full)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200], body=text, to=[recipient.email]
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def notification_email_send(
    *, recipient: User, kind: str, context: dict[str, Any], notification: Notification | None
) -> bool:
    """E-mail one notification in the recipient's language (what the Celery task runs)."""
    if not recipient.is_active or not recipient.email:
        return False
    if notification is not None:
        # At most once per notification, however often the task is delivered.
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        title, body = notification.title, notification.body
    else:
        title, body = notification_render(recipient=recipient, kind=kind, context=context)
    _send_mail(
        recipient=recipient,
        subject=title,
        template="notification",
        context={"title": title, "body": body, "kind": kind},
    )
    return True


@transaction.atomic
def message_digest_send(*, user: User, now: datetime | None = None) -> int:
    """E-mail ``user`` one digest of the messages still unread after ``MESSAGING_DIGEST_DELAY``.

    Locks the user's participant rows (id order), so two workers never mail the same messages,
    and advances each thread's e-mailed position before the mail leaves (after commit): a failed
    send loses one digest rather than sending two. Returns the number of messages listed.
    """
    now = now or timezone.now()
    cutoff = now - settings.MESSAGING_DIGEST_DELAY
    lookback = now - settings.MESSAGING_DIGEST_LOOKBACK
    memberships = list(
        ThreadParticipant.objects.select_for_update(of=("self",))
        .filter(user=user)
        .select_related("thread")
        .order_by("id")
    )
    _in_app, wants_email = notification_preference_get(user, NotificationKind.NEW_MESSAGE)
    sections = []
    total = 0
    for membership in memberships:
        floor = max(membership.last_read_message_id, membership.emailed_up_to_message_id)
        pending = list(
            Message.objects.filter(
                thread_id=membership.thread_id,
                pk__gt=floor,
                created_at__lte=cutoff,
                created_at__gte=lookback,
                deleted_at__isnull=True,
            )
            .exclude(sender=user)
            .exclude(sender__isnull=True)
            .select_related("sender")
            .order_by("id")
        )
        if not pending:
            continue
        membership.emailed_up_to_message_id = pending[-1].pk
        membership.save(update_fields=["emailed_up_to_message_id"])
        total += len(pending)
        senders = sorted({m.sender.public_name for m in pending if m.sender_id})
        sections.append(
            {
                "thread_id": membership.thread_id,
                "title": membership.thread.title,
                "senders": ", ".join(senders),
                "count": len(pending),
                "previews": [
                    {
                        "sender": m.sender.public_name if m.sender_id else "",
                        "text": _preview(m.content) if m.content else "…",
                    }
                    for m in pending[-3:]
                ],
            }
        )
    if not total or not wants_email or not user.is_active or not user.email:
        return 0
    with translation.override(user.language or settings.LANGUAGE_CODE):
        # Not ngettext: a count after a colon reads right in both languages, with one msgid.
        subject = _("Unread messages on SkillSwap: %(count)d") % {"count": total}
    transaction.on_commit(
        lambda: _send_mail(
            recipient=user,
            subject=subject,
            template="digest",
            context={"subject": subject, "sections": sections, "total": total},
        )
    )
    return total


# --- account lifecycle (called by accounts through its extension hooks) -----------------------


def user_messaging_export(user: User) -> dict[str, Any]:
    """The user's messaging data for their export: messages sent, notifications, blocks."""
    return {
        "messages_sent": [
            {"thread_id": thread_id, "content": content, "created_at": iso(created_at)}
            for thread_id, content, created_at in Message.objects.filter(
                sender=user, deleted_at__isnull=True
            )
            .order_by("id")
            .values_list("thread_id", "content", "created_at")
        ],
        "notifications": [
            {"type": kind, "title": title, "content": body, "created_at": iso(created_at)}
            for kind, title, body, created_at in Notification.objects.filter(recipient=user)
            .order_by("id")
            .values_list("kind", "title", "body", "created_at")
        ],
        "blocked_user_ids": list(
            UserBlock.objects.filter(blocker=user)
            .order_by("id")
            .values_list("blocked_id", flat=True)
        ),
    }


def user_messaging_erase(user: User) -> None:
    """On account deletion: drop the user's notifications, preferences, blocks and reports.

    Messages stay in their threads for the other members (the sender shows as the anonymised
    account), like a forum keeps a deleted member's posts.
    """
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    UserBlock.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    MessageReport.objects.filter(reporter=user).delete()
