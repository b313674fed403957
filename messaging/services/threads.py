"""Threads: one direct thread per pair, threads bound to another app's object, read receipts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import NotFound, ValidationFailed
from messaging import notifications as messaging_kinds
from messaging.groups import broadcast_thread_event_on_commit
from messaging.models import Message, Notification, Thread, ThreadParticipant
from messaging.payloads import iso
from messaging.services.blocks import refuse_if_blocked


def add_participants(thread: Thread, users: Iterable[User]) -> None:
    ThreadParticipant.objects.bulk_create(
        [ThreadParticipant(thread=thread, user=user) for user in users],
        ignore_conflicts=True,
    )


def refuse_self_pair(*, user_a: User, user_b: User) -> None:
    if user_a.pk == user_b.pk:
        raise ValidationFailed(fields={"receiver_id": [_("You cannot message yourself.")]})


@transaction.atomic
def thread_get_or_create_for_pair(*, user_a: User, user_b: User) -> Thread:
    """The one direct thread of two users, created on first use.

    Concurrent calls for the same pair (in either order) end with one thread: the database's
    unique constraint on the ordered pair decides, and the loser reads the winner's row.
    """
    refuse_self_pair(user_a=user_a, user_b=user_b)
    low, high = sorted([user_a, user_b], key=lambda user: user.pk)
    thread, created = Thread.objects.get_or_create(
        kind=Thread.Kind.DIRECT, user_low=low, user_high=high
    )
    if created:
        add_participants(thread, [low, high])
    return thread


@transaction.atomic
def thread_open_with_user(*, user: User, other: User) -> tuple[Thread, bool]:
    """Open (or find) ``user``'s direct thread with ``other``, with no message yet; ``created``.

    Seed 002's ``POST chat/rooms/``. Refused with 403 ``blocked`` when a block stands between them.
    """
    refuse_self_pair(user_a=user, user_b=other)
    refuse_if_blocked(user.pk, [other.pk])
    low, high = sorted([user, other], key=lambda member: member.pk)
    existed = Thread.objects.filter(kind=Thread.Kind.DIRECT, user_low=low, user_high=high).exists()
    return thread_get_or_create_for_pair(user_a=user, user_b=other), not existed


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
    add_participants(thread, participants)
    return thread


@transaction.atomic
def thread_mark_read(
    *, thread: Thread, user: User, up_to_message_id: int | None = None
) -> ThreadParticipant:
    """Move the user's read position forward to ``up_to_message_id`` (default: the newest).

    Locks the user's participant row (``FOR NO KEY UPDATE``: only positions change). The position
    never moves back. After commit (only when it moved): ``message.read`` on the thread's sockets;
    the thread's unread ``new_message`` notification is marked read.
    """
    try:
        participant = ThreadParticipant.objects.select_for_update(no_key=True).get(
            thread=thread, user=user
        )
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
            kind=messaging_kinds.NEW_MESSAGE,
            related_type="thread",
            related_id=thread.pk,
            is_read=False,
        ).update(is_read=True, read_at=now, updated_at=now)
    broadcast_thread_event_on_commit(
        thread_id=thread.pk,
        thread_kind=thread.kind,
        member_ids=list(
            ThreadParticipant.objects.filter(thread=thread).values_list("user_id", flat=True)
        ),
        event={
            "type": "message.read",
            "thread_id": thread.pk,
            "user_id": user.pk,
            "message_id": up_to_message_id,
            "read_at": iso(now),
        },
    )
    return participant
