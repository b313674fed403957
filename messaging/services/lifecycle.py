"""The account lifecycle, called by accounts through its extension hooks: export and erase."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from accounts.models import User
from messaging.models import Message, MessageReport, Notification, NotificationPreference, UserBlock
from messaging.payloads import iso


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
