"""Every non-trivial read of the messaging app: ``<entity>_list`` / ``<entity>_get``.

Lists run a constant number of queries whatever their length: the inbox is one query (unread
counts as a correlated subquery) plus one prefetch of the members and one of the last messages'
attachments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404

from accounts.models import User
from messaging import notification_kinds
from messaging.models import (
    Attachment,
    Message,
    Notification,
    NotificationPreference,
    Thread,
    ThreadParticipant,
    UserBlock,
)


def _participants_prefetch() -> Prefetch:
    return Prefetch(
        "participants",
        queryset=ThreadParticipant.objects.select_related("user").order_by("id"),
    )


def thread_list(*, user: User) -> QuerySet[Thread]:
    """The user's threads, most recent activity first, with ``unread_count`` and the last message.

    ``unread_count``: messages from others after the user's read position, tombstones excluded.
    """
    my_position = ThreadParticipant.objects.filter(thread=OuterRef("pk"), user=user).values(
        "last_read_message_id"
    )[:1]
    unread = (
        Message.objects.filter(
            thread=OuterRef("pk"), pk__gt=OuterRef("my_read_position"), deleted_at__isnull=True
        )
        .exclude(sender=user)
        .order_by()
        .values("thread")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Thread.objects.filter(participants__user=user)
        .annotate(
            my_read_position=Subquery(my_position, output_field=IntegerField()),
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        )
        .select_related("last_message", "last_message__sender")
        .prefetch_related(
            _participants_prefetch(),
            Prefetch("last_message__attachments", queryset=Attachment.objects.order_by("id")),
        )
        .order_by("-last_message_at", "-id")
    )


def thread_get(*, user: User, thread_id: int) -> Thread:
    """A thread the user belongs to, with its members loaded; 404 for anyone else."""
    return get_object_or_404(
        Thread.objects.filter(participants__user=user).prefetch_related(_participants_prefetch()),
        pk=thread_id,
    )


def thread_is_member(*, user_id: int, thread_id: int) -> bool:
    return ThreadParticipant.objects.filter(thread_id=thread_id, user_id=user_id).exists()


def thread_unread_count(*, thread: Thread, user: User) -> int:
    position = (
        ThreadParticipant.objects.filter(thread=thread, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return (
        Message.objects.filter(thread=thread, pk__gt=position or 0, deleted_at__isnull=True)
        .exclude(sender=user)
        .count()
    )


def message_list(*, thread: Thread) -> QuerySet[Message]:
    """A thread's messages, newest first (the cursor pagination pages on id)."""
    return (
        Message.objects.filter(thread=thread)
        .select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-id")
    )


def message_get(*, thread: Thread, message_id: int) -> Message:
    return get_object_or_404(
        Message.objects.select_related("sender").prefetch_related("attachments"),
        thread=thread,
        pk=message_id,
    )


def attachment_get(*, user: User, thread_id: int, attachment_id: int) -> Attachment:
    """An attachment of a live message in a thread the user belongs to; 404 otherwise."""
    return get_object_or_404(
        Attachment.objects.filter(
            message__thread_id=thread_id,
            message__thread__participants__user=user,
            message__deleted_at__isnull=True,
        ),
        pk=attachment_id,
    )


def block_list(*, user: User) -> QuerySet[UserBlock]:
    return UserBlock.objects.filter(blocker=user).select_related("blocked").order_by("-id")


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_preference_list(*, user: User) -> list[dict[str, Any]]:
    """Every kind with the user's ``in_app`` / ``email`` choice (the default where none)."""
    chosen = {
        row.kind: row for row in NotificationPreference.objects.filter(user=user).order_by("kind")
    }
    result = []
    for spec in notification_kinds.kinds():
        in_app, email = spec.defaults
        if spec.kind in chosen:
            in_app, email = chosen[spec.kind].in_app, chosen[spec.kind].email
        result.append({"kind": spec.kind, "label": spec.label, "in_app": in_app, "email": email})
    return result


def digest_pending_user_ids(*, now: datetime) -> list[int]:
    """Users with messages from others, unread and not yet e-mailed, older than the digest delay."""
    cutoff = now - settings.MESSAGING_DIGEST_DELAY
    lookback = now - settings.MESSAGING_DIGEST_LOOKBACK
    pending = (
        Message.objects.filter(
            thread=OuterRef("thread"),
            pk__gt=Greatest(OuterRef("last_read_message_id"), OuterRef("emailed_up_to_message_id")),
            created_at__lte=cutoff,
            created_at__gte=lookback,
            deleted_at__isnull=True,
        )
        .exclude(sender=OuterRef("user"))
        .exclude(sender__isnull=True)
    )
    return list(
        ThreadParticipant.objects.filter(Q(user__is_active=True) & Exists(pending))
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def thread_for_pair(*, user_a_id: int, user_b_id: int) -> Thread | None:
    """The direct thread of two users, if they ever wrote to each other."""
    low, high = sorted([user_a_id, user_b_id])
    return Thread.objects.filter(
        kind=Thread.Kind.DIRECT, user_low_id=low, user_high_id=high
    ).first()


def direct_chat_allowed(*, user_id: int, other_id: int) -> bool:
    """May ``user_id`` open a conversation with ``other_id``: an active other user, no block."""
    if user_id == other_id or not User.objects.filter(pk=other_id, is_active=True).exists():
        return False
    return not UserBlock.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def subject_thread_id_for_member(*, user_id: int, subject_type: str, subject_id: int) -> int | None:
    """The id of the thread bound to ``(subject_type, subject_id)`` if ``user_id`` is a member."""
    return (
        Thread.objects.filter(
            kind=Thread.Kind.SUBJECT,
            subject_type=subject_type,
            subject_id=subject_id,
            participants__user_id=user_id,
        )
        .values_list("pk", flat=True)
        .first()
    )


def message_latest(*, thread: Thread, limit: int) -> list[Message]:
    """The thread's newest ``limit`` messages, oldest first."""
    newest = list(message_list(thread=thread)[:limit])
    newest.reverse()
    return newest
