"""Messages: send (with attachments), edit, delete.

Lock order, whenever more than one is taken: the thread row, then participant rows (primary-key
order), then notification rows (docs/architecture.md). Files are checked, re-encoded and written
to storage before the thread row is locked; under the lock only the rows that reference them are
created.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, Forbidden, NotFound
from messaging import attachments as attachment_files
from messaging import notifications as messaging_kinds
from messaging.groups import broadcast_thread_event_on_commit
from messaging.models import Attachment, Message, Thread, ThreadParticipant
from messaging.payloads import message_payload
from messaging.services.blocks import refuse_if_blocked
from messaging.services.content import preview, validated_content
from messaging.services.notifications import notification_send
from messaging.services.threads import refuse_self_pair, thread_get_or_create_for_pair


def _memberships(thread: Thread) -> list[ThreadParticipant]:
    return list(thread.participants.select_related("user").order_by("id"))


def _member(participants: list[ThreadParticipant], user_id: int) -> ThreadParticipant:
    for participant in participants:
        if participant.user_id == user_id:
            return participant
    raise NotFound()


def _check_sender(thread: Thread, participants: list[ThreadParticipant], sender: User) -> None:
    _member(participants, sender.pk)
    if thread.kind != Thread.Kind.GROUP:
        refuse_if_blocked(sender.pk, [p.user_id for p in participants if p.user_id != sender.pk])


def _broadcast_message(
    event_type: str, message: Message, participants: list[ThreadParticipant]
) -> None:
    broadcast_thread_event_on_commit(
        thread_id=message.thread_id,
        thread_kind=message.thread.kind,
        member_ids=[p.user_id for p in participants],
        event={"type": event_type, "message": message_payload(message, participants=participants)},
    )


def _store_files(prepared: list[attachment_files.PreparedFile]) -> list[Attachment]:
    """Write the files to storage; return unsaved rows that reference them (no message yet)."""
    stored: list[Attachment] = []
    try:
        for item in prepared:
            attachment = Attachment(
                content_type=item.content_type,
                size=len(item.content),
                original_name=item.original_name,
                width=item.width,
                height=item.height,
            )
            stored.append(attachment)
            attachment.file.save(item.name, ContentFile(item.content), save=False)
            if item.thumbnail is not None:
                attachment.thumbnail.save("thumb.webp", ContentFile(item.thumbnail), save=False)
    except Exception:
        _delete_files(stored)
        raise
    return stored


def _delete_files(attachments: Sequence[Attachment]) -> None:
    for attachment in attachments:
        for stored in (attachment.file, attachment.thumbnail):
            if stored:
                stored.storage.delete(stored.name)


def _attachment_preview(recipient: User, count: int) -> str:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return (
            _("Sent an attachment.")
            if count == 1
            else _("Sent %(count)d attachments.") % {"count": count}
        )


def _store_checked_files(
    *, content: str | None, attachments: Sequence[UploadedFile]
) -> list[Attachment]:
    """Refuse oversized text, then check, re-encode and store the files: all before any lock."""
    if not attachments:
        return []
    validated_content(content, has_attachments=True)
    return _store_files(attachment_files.prepare_all(list(attachments)))


def _post(*, thread: Thread, sender: User, content: str | None, files: list[Attachment]) -> Message:
    """Insert the message under the thread's row lock; the caller holds a transaction.

    The ``FOR NO KEY UPDATE`` lock on the thread row (no key column changes) gives the messages of
    one thread ids in commit order (history pages by id are stable under concurrent sends) and
    keeps ``last_message`` naming the newest. Only rows are written under it: the files are
    already in storage.
    """
    thread = Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)
    participants = _memberships(thread)
    _check_sender(thread, participants, sender)
    sender_membership = _member(participants, sender.pk)
    clean = validated_content(content, has_attachments=bool(files))

    message = Message.objects.create(thread=thread, sender=sender, content=clean)
    for attachment in files:
        attachment.message = message
        attachment.save()
    # The payload lists the attachments: hand it the ones just written instead of a query.
    message._prefetched_objects_cache = {"attachments": files}
    thread.last_message = message
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message", "last_message_at"])
    sender_membership.last_read_message_id = message.pk
    sender_membership.last_read_at = message.created_at
    sender_membership.save(update_fields=["last_read_message_id", "last_read_at"])

    _broadcast_message("message.receive", message, participants)
    text = preview(clean) if clean else ""
    for participant in participants:
        if participant.user_id == sender.pk:
            continue
        notification_send(
            recipient=participant.user,
            kind=messaging_kinds.NEW_MESSAGE,
            context={
                "sender_name": sender.public_name,
                "preview": text or _attachment_preview(participant.user, len(files)),
                "thread_id": thread.pk,
                "message_id": message.pk,
            },
            related_type="thread",
            related_id=thread.pk,
        )
    return message


def message_send(
    *,
    thread: Thread,
    sender: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Post a message to ``thread``; the sender must be a member (404 otherwise).

    Refused with 403 ``blocked`` when a block stands between the sender and the other member of a
    direct or subject thread, 400 for empty or oversized text and refused files. Files are
    re-encoded and stored before the thread row is locked (and removed again when the message is
    refused). After commit: ``message.receive`` on the thread's sockets, a ``new_message``
    notification to every other member (one unread notification per thread, updated in place),
    never an immediate e-mail (unread messages go out as a digest).
    """
    if attachments:
        # Refuse a non-member or a block before spending time and disk on the files.
        _check_sender(thread, _memberships(thread), sender)
    files = _store_checked_files(content=content, attachments=attachments)
    try:
        with transaction.atomic():
            return _post(thread=thread, sender=sender, content=content, files=files)
    except BaseException:
        # Files of a message that was never stored are unreachable: remove them. (If an outer
        # transaction rolls back later, they stay behind as unreachable orphans.)
        _delete_files(files)
        raise


def message_send_to_user(
    *,
    sender: User,
    receiver: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Send to a user through the pair's one direct thread (seed 003's ``POST messages/``).

    The thread is created on first contact, in the same transaction as the message, so a refused
    message (blocked, invalid) leaves no empty thread behind; files are stored before either.
    """
    refuse_self_pair(user_a=sender, user_b=receiver)
    if attachments:
        refuse_if_blocked(sender.pk, [receiver.pk])
    files = _store_checked_files(content=content, attachments=attachments)
    try:
        with transaction.atomic():
            thread = thread_get_or_create_for_pair(user_a=sender, user_b=receiver)
            return _post(thread=thread, sender=sender, content=content, files=files)
    except BaseException:
        _delete_files(files)
        raise


def _own_message_for_change(*, message: Message, user: User) -> Message:
    # FOR NO KEY UPDATE: content and timestamps change, never a key the attachments reference.
    locked = (
        Message.objects.select_for_update(no_key=True, of=("self",))
        .select_related("thread")
        .get(pk=message.pk)
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
    locked.content = validated_content(content, has_attachments=has_files)
    locked.edited_at = timezone.now()
    locked.save(update_fields=["content", "edited_at"])
    _broadcast_message("message.edit", locked, _memberships(locked.thread))
    return locked


def tombstone(message: Message, *, by_moderator: bool) -> None:
    """Empty a locked message in place: text and attachments gone (files after commit)."""
    files: list[Any] = []
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
    tombstone(locked, by_moderator=False)
    return locked
