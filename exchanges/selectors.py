"""Every non-trivial read of the exchanges app: ``<entity>_list`` / ``<entity>_get``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from core.exceptions import NotFound
from exchanges.models import Swap, VideoCall, VideoCallParticipant

if TYPE_CHECKING:
    from accounts.models import User

S = Swap.Status


def swap_list(*, user: User) -> QuerySet[Swap]:
    """Every swap ``user`` is a party of, with the rows a list serializes (constant queries)."""
    return Swap.objects.filter(Q(requester=user) | Q(responder=user)).select_related(
        "requester", "responder", "category", "offer"
    )


def swap_get(*, user: User, swap_id: int) -> Swap:
    """``user``'s swap, or a 404 (also when it belongs to other people)."""
    swap = swap_list(user=user).filter(pk=swap_id).first()
    if swap is None:
        raise NotFound()
    return swap


def swap_upcoming(*, user: User, now: datetime, limit: int = 5) -> list[Swap]:
    """The next accepted sessions of ``user`` (for dashboards)."""
    return list(
        swap_list(user=user)
        .filter(status=S.ACCEPTED, scheduled_end__gt=now)
        .order_by("scheduled_start", "id")[:limit]
    )


def swap_pending_requests(*, user: User) -> QuerySet[Swap]:
    """Requests waiting for ``user``'s answer (for dashboards)."""
    return swap_list(user=user).filter(responder=user, status=S.PENDING)


def swap_completed_between(*, swap_id: int, user_ids: tuple[int, int] | None = None) -> Swap | None:
    """The completed swap ``swap_id`` (optionally only between ``user_ids``), for reviews."""
    swaps = Swap.objects.filter(pk=swap_id, status=S.COMPLETED)
    if user_ids is not None:
        first, second = user_ids
        swaps = swaps.filter(
            Q(requester_id=first, responder_id=second) | Q(requester_id=second, responder_id=first)
        )
    return swaps.select_related("requester", "responder").first()


def calendar_feed_swaps(*, user: User, now: datetime) -> QuerySet[Swap]:
    """The sessions in ``user``'s iCalendar feed: pending and scheduled ones, recent past ones."""
    since = now - timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
    return (
        swap_list(user=user)
        .filter(
            status__in=[S.PENDING, S.ACCEPTED, S.COMPLETED, S.DISPUTED],
            scheduled_end__gte=since,
        )
        .order_by("scheduled_start", "id")
    )


def video_call_list(*, user: User) -> QuerySet[VideoCall]:
    """The calls ``user`` takes part in, with the swap and the participants."""
    return (
        VideoCall.objects.filter(participants__user=user)
        .select_related("swap", "swap__requester", "swap__responder")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=VideoCallParticipant.objects.select_related("user").order_by("id"),
            )
        )
        .distinct()
    )


def video_call_get(*, user: User, call_id: int) -> VideoCall:
    call = video_call_list(user=user).filter(pk=call_id).first()
    if call is None:
        raise NotFound()
    return call


def swaps_export(user: User) -> list[dict]:
    """The member's swaps for their data export (accounts' ``GET auth/export``)."""
    return [
        {
            "id": swap.pk,
            "role": "requester" if swap.requester_id == user.pk else "responder",
            "other_party_id": swap.responder_id
            if swap.requester_id == user.pk
            else swap.requester_id,
            "kind": swap.kind,
            "status": swap.status,
            "title": swap.title,
            "description": swap.description,
            "notes": swap.notes,
            "session_type": swap.session_type,
            "mode": swap.mode,
            "points_amount": swap.points_amount,
            "scheduled_start": swap.scheduled_start.isoformat(),
            "scheduled_end": swap.scheduled_end.isoformat(),
            "created_at": swap.created_at.isoformat(),
        }
        for swap in swap_list(user=user).order_by("created_at", "id")
    ]


# --- activity recount (rewards.activity.register_recount; registered in apps.py) ---------------
# The true totals of what ``services.swaps._activity_on_completed`` counts, from the swaps table.


def _completed_swaps() -> QuerySet[Swap]:
    return Swap.objects.filter(status=S.COMPLETED).order_by()


def activity_sessions_taught() -> dict[int, int]:
    """Completed swaps by responder (the teacher)."""
    rows = _completed_swaps().values("responder_id").annotate(total=Count("id"))
    return {row["responder_id"]: row["total"] for row in rows}


def activity_sessions_learned() -> dict[int, int]:
    """Completed swaps by requester (the learner)."""
    rows = _completed_swaps().values("requester_id").annotate(total=Count("id"))
    return {row["requester_id"]: row["total"] for row in rows}


def activity_minutes_taught() -> dict[int, int]:
    """Whole minutes of the completed swaps by responder, as ``Swap.duration_minutes`` counts."""
    totals: dict[int, int] = {}
    rows = _completed_swaps().values_list("responder_id", "scheduled_start", "scheduled_end")
    for responder_id, start, end in rows.iterator(chunk_size=2000):
        minutes = int((end - start).total_seconds() // 60)
        totals[responder_id] = totals.get(responder_id, 0) + minutes
    return totals


def activity_points_earned() -> dict[int, int]:
    """Points paid to the responder on completion, by responder."""
    rows = (
        _completed_swaps()
        .filter(paid_points__gt=0)
        .values("responder_id")
        .annotate(total=Sum("paid_points"))
    )
    return {row["responder_id"]: row["total"] for row in rows}
