"""The JSON shapes of messages and notifications, shared by the REST API and the sockets.

One function per shape, so a message looks the same whether it arrives in a REST response or in a
``message.receive`` event (the API serializers call these). Values are msgpack-safe: datetimes as
ISO 8601 strings in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.urls import reverse

from messaging.models import Attachment, Message, Notification, ThreadParticipant


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    value = moment.isoformat()
    return value[:-6] + "Z" if value.endswith("+00:00") else value


def attachment_payload(attachment: Attachment, *, thread_id: int) -> dict[str, Any]:
    kwargs = {"thread_id": thread_id, "attachment_id": attachment.pk}
    url = reverse("api_v1:messaging-attachment", kwargs=kwargs)
    thumbnail_url = reverse("api_v1:messaging-attachment-thumbnail", kwargs=kwargs)
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": url,
        "thumbnail_url": thumbnail_url if attachment.thumbnail else None,
    }


def message_payload(
    message: Message, *, participants: Iterable[ThreadParticipant]
) -> dict[str, Any]:
    """A message as every client sees it.

    ``participants`` are the thread's memberships with ``user`` loaded; ``receiver_*`` name the
    other member of a two-person thread (None in a group), and ``is_read`` says whether every
    other member has read it.
    """
    others = [p for p in participants if p.user_id != message.sender_id]
    receiver = others[0].user if len(others) == 1 else None
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "thread_id": message.thread_id,
        "sender_id": message.sender_id,
        "sender_name": message.sender.public_name if message.sender_id else "",
        "receiver_id": receiver.pk if receiver else None,
        "receiver_name": receiver.public_name if receiver else None,
        "content": "" if deleted else message.content,
        "attachments": []
        if deleted
        else [
            attachment_payload(attachment, thread_id=message.thread_id)
            for attachment in message.attachments.all()
        ],
        "is_read": bool(others) and all(p.last_read_message_id >= message.pk for p in others),
        "is_edited": message.edited_at is not None,
        "is_deleted": deleted,
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "deleted_at": iso(message.deleted_at),
    }


def notification_payload(notification: Notification) -> dict[str, Any]:
    """A notification with seed 003's field names (``content``, ``notification_type``…)."""
    return {
        "id": notification.pk,
        "user_id": notification.recipient_id,
        "title": notification.title,
        "content": notification.body,
        "notification_type": notification.kind,
        "related_type": notification.related_type,
        "related_id": notification.related_id,
        "data": notification.data,
        "is_read": notification.is_read,
        "created_at": iso(notification.created_at),
        "updated_at": iso(notification.updated_at),
    }
