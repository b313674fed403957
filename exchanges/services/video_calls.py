"""Video calls: the room of an accepted swap, join tokens, joins and leaves, the end of a call."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, Forbidden, NotFound
from exchanges.models import Swap, VideoCall, VideoCallParticipant
from exchanges.services.common import _lock_swap, _notify
from messaging.groups import broadcast_on_commit, call_group

if TYPE_CHECKING:
    from accounts.models import User

S = Swap.Status


def _new_join_token() -> str:
    return secrets.token_urlsafe(32)


def _token_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.VIDEO_CALL_TOKEN_TTL_MINUTES)


@transaction.atomic
def video_call_create(*, swap: Swap | int, actor: User) -> tuple[VideoCall, bool]:
    """Open the video room of an accepted swap (or return the one already open).

    Each participant gets a join token that expires; the other party is told the call started.
    Locks the swap row, so two simultaneous requests open one room. Returns ``(call, created)``.
    """
    now = timezone.now()
    swap = _lock_swap(swap)
    if not swap.is_party(actor):
        raise NotFound()
    if swap.status != S.ACCEPTED:
        raise Conflict(
            _("A video call needs an accepted swap."),
            code="invalid_transition",
            extra={"current_status": swap.status},
        )
    existing = VideoCall.objects.filter(swap=swap).exclude(status=VideoCall.Status.ENDED).first()
    if existing is not None:
        video_call_token_refresh(call=existing, user=actor)
        return existing, False
    call = VideoCall.objects.create(swap=swap, created_by=actor)
    VideoCallParticipant.objects.bulk_create(
        [
            VideoCallParticipant(
                call=call,
                user=user,
                join_token=_new_join_token(),
                token_expires_at=_token_expiry(now),
            )
            for user in (swap.requester, swap.responder)
        ]
    )
    _notify(
        swap,
        recipient=swap.other_party(actor),
        kind="call_started",
        call_id=call.pk,
    )
    return call, True


def video_call_token_refresh(*, call: VideoCall, user: User) -> VideoCallParticipant | None:
    """Give ``user`` a fresh join token when theirs has expired and the call is still open."""
    now = timezone.now()
    participant = VideoCallParticipant.objects.filter(call=call, user=user).first()
    if participant is None or call.status == VideoCall.Status.ENDED:
        return participant
    if participant.token_expires_at <= now:
        participant.join_token = _new_join_token()
        participant.token_expires_at = _token_expiry(now)
        participant.save(update_fields=["join_token", "token_expires_at"])
    return participant


def _finish_call(call: VideoCall, *, now: datetime, ended_by: User | None) -> None:
    """Close ``call`` and, after commit, tell its sockets (they close with 4409). The caller holds
    the call row lock."""
    call.status = VideoCall.Status.ENDED
    call.ended_at = now
    call.ended_by = ended_by
    if call.started_at is not None:
        call.duration_seconds = max(0, int((now - call.started_at).total_seconds()))
    else:
        call.duration_seconds = 0
    call.save()
    broadcast_on_commit(call_group(call.pk), {"type": "call.ended", "call_id": call.pk})


@transaction.atomic
def video_call_end(*, call: VideoCall | int, actor: User) -> VideoCall:
    """End the call for everyone and record its actual duration. Locks the call row."""
    now = timezone.now()
    call_id = call if isinstance(call, int) else call.pk
    # of=("self",): lock the call row only; taking the swap row here, after the call, would
    # invert the lock order of the swap moves (swap, then call) and could deadlock with them.
    call = (
        VideoCall.objects.select_for_update(no_key=True, of=("self",))
        .select_related("swap")
        .filter(pk=call_id)
        .first()
    )
    if call is None or not call.participants.filter(user=actor).exists():
        raise NotFound()
    if call.status != VideoCall.Status.ENDED:
        _finish_call(call, now=now, ended_by=actor)
    return call


@transaction.atomic
def video_call_join(*, call_id: int, user: User, join_token: str) -> VideoCall:
    """Admit ``user`` to the call with their join token; record the join. Locks the call row.

    Raises ``Forbidden`` for anyone who is not a participant, a wrong or expired token, or a call
    that has ended.
    """
    now = timezone.now()
    call = VideoCall.objects.select_for_update(no_key=True).filter(pk=call_id).first()
    if call is None or call.status == VideoCall.Status.ENDED:
        raise Forbidden()
    participant = VideoCallParticipant.objects.filter(call=call, user=user).first()
    if (
        participant is None
        or not join_token
        or not secrets.compare_digest(participant.join_token, join_token)
        or participant.token_expires_at <= now
    ):
        raise Forbidden()
    participant.connections = F("connections") + 1
    if participant.joined_at is None:
        participant.joined_at = now
    participant.save(update_fields=["connections", "joined_at"])
    if call.started_at is None:
        call.started_at = now
    if call.status == VideoCall.Status.WAITING and (
        VideoCallParticipant.objects.filter(call=call, joined_at__isnull=False).count() >= 2
    ):
        call.status = VideoCall.Status.ACTIVE
    call.save(update_fields=["started_at", "status"])
    return call


@transaction.atomic
def video_call_leave(*, call_id: int, user: User) -> VideoCall | None:
    """Record that one of ``user``'s sockets left; end the call when the last one of a call
    that both participants joined has gone. Locks the call row."""
    now = timezone.now()
    call = VideoCall.objects.select_for_update(no_key=True).filter(pk=call_id).first()
    if call is None:
        return None
    VideoCallParticipant.objects.filter(call=call, user=user, connections__gt=0).update(
        connections=F("connections") - 1, left_at=now
    )
    still_connected = VideoCallParticipant.objects.filter(call=call, connections__gt=0).exists()
    both_joined = (
        VideoCallParticipant.objects.filter(call=call, joined_at__isnull=False).count() >= 2
    )
    if call.status != VideoCall.Status.ENDED and not still_connected and both_joined:
        _finish_call(call, now=now, ended_by=None)
    return call


def video_calls_close_for_swap(*, swap: Swap, now: datetime) -> int:
    """End every open call of ``swap`` (cancelled, completed or resolved): no more joins.

    Its join tokens stop working at once (an ended call admits nobody) and its open sockets are
    told and closed after commit. The caller holds the swap row lock; this locks the open call
    rows (``FOR NO KEY UPDATE``: only the status and times change), after the swap, as the lock
    order in ``exchanges.services.swaps`` says. Returns how many calls were ended.
    """
    calls = list(
        VideoCall.objects.select_for_update(no_key=True)
        .filter(swap_id=swap.pk)
        .exclude(status=VideoCall.Status.ENDED)
        .order_by("pk")
    )
    for call in calls:
        _finish_call(call, now=now, ended_by=None)
    return len(calls)
