"""Blocking: a block stops new messages between two users, both ways."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Forbidden, NotFound, ValidationFailed
from messaging.models import UserBlock


def block_between(user_id: int, other_ids: Iterable[int]) -> UserBlock | None:
    """The oldest block between ``user_id`` and any of ``other_ids``, either way, if any."""
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


def refuse_if_blocked(user_id: int, other_ids: Iterable[int]) -> None:
    """Raise 403 ``blocked`` when a block stands between ``user_id`` and one of ``other_ids``."""
    block = block_between(user_id, other_ids)
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
    """Lift ``blocker``'s block of ``blocked_id``; 404 when there is none."""
    deleted, _rows = UserBlock.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if not deleted:
        raise NotFound()
