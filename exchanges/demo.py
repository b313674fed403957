"""Demo swaps in every state between demo members, with the points where they belong.

Upcoming swaps go through the services exactly as members would make them (availability, overlap
checks, escrow on accept, refunds on cancel). Swaps that already happened cannot be requested in
the past, so they are written as rows with their bookings, and their points move through the same
``rewards.services`` calls and idempotency keys the services use. Idempotent: each scenario is
keyed by its numbered title and requester and skipped when it exists; grants and escrow moves carry
deterministic keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from exchanges import services
from exchanges.models import SessionBooking, Swap, VideoCall, VideoCallParticipant
from exchanges.services.swaps import _activity_on_completed
from marketplace.models import Offer
from marketplace.selectors import user_free_intervals
from rewards import services as rewards_services
from rewards.selectors import wallet_balance

S = Swap.Status

# (key, final status, paid?, when) — "future" scenarios use the services; "past" ones are rows.
UPCOMING = [
    ("pending-paid", S.PENDING, True),
    ("pending-swap", S.PENDING, False),
    ("accepted-paid", S.ACCEPTED, True),
    ("accepted-swap", S.ACCEPTED, False),
    ("reschedule-proposed", S.ACCEPTED, True),
    ("rejected", S.REJECTED, False),
    ("cancelled-paid", S.CANCELLED, True),
]
PAST = [
    # (key, status, paid?, days ago)
    ("completed-paid", S.COMPLETED, True, 6),
    ("completed-swap", S.COMPLETED, False, 9),
    ("awaiting-confirmation", S.ACCEPTED, True, 1),
    ("disputed", S.DISPUTED, True, 3),
    ("refunded", S.REFUNDED, True, 12),
]
NOTES = {
    "pending-paid": "Could we focus on list comprehensions? / هل يمكننا التركيز على القوائم؟",
    "accepted-swap": "I'll teach you in return next week.",
    "disputed": "The session ended after ten minutes.",
    "refunded": "The expert never joined the call.",
    "rejected": "Fully booked this month, sorry!",
}


def seed(context: Any) -> None:
    members = context.objects.get("members") or []
    offers = list(
        Offer.objects.filter(status="active", owner__in=members)
        .select_related("owner", "category")
        .order_by("pk")
    )
    if len(members) < 3 or not offers:
        return
    from accounts.models import User

    staff = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if staff is None:
        return
    paid_offers = [offer for offer in offers if offer.price_points > 0] or offers
    free_offers = [offer for offer in offers if offer.price_points == 0] or offers
    scenarios = [(key, status, paid, None) for key, status, paid in UPCOMING]
    scenarios += [(key, status, paid, days) for key, status, paid, days in PAST]
    for number, (key, status, paid, days_ago) in enumerate(context.progress(scenarios, "swaps")):
        pool = paid_offers if paid else free_offers
        offer = pool[number % len(pool)]
        requester = _requester_for(members, offer.owner, number)
        title = f"{offer.title} · #{number + 1}"
        if Swap.objects.filter(requester=requester, title=title).exists():
            continue
        price = max(offer.price_points, 10) if paid else 0
        if paid:
            _fund(requester, price, staff=staff, key=key)
        with transaction.atomic():
            if days_ago is None:
                swap = _upcoming(key, status, offer, requester, title, price)
            else:
                swap = _past(key, status, offer, requester, title, price, days_ago, staff)
        context.count("swaps", swap is not None)
        if swap is not None and days_ago is not None and status == S.COMPLETED:
            _call_log(swap)
            context.count("video calls", True)


def _requester_for(members: list, owner: Any, number: int) -> Any:
    others = [member for member in members if member.pk != owner.pk]
    return others[number % len(others)]


def _fund(requester: Any, price: int, *, staff: Any, key: str) -> None:
    """Top the requester up by a staff grant so the demo swap can be paid."""
    missing = price - wallet_balance(user=requester)
    if missing > 0:
        rewards_services.points_grant(
            user=requester,
            amount=missing + 20,
            reason="Demo: points for a swap",
            granted_by=staff,
            idempotency_key=f"demo:exchanges:grant:{key}:{requester.pk}",
        )


def _free_start(offer: Offer, requester: Any, minutes: int) -> list[dt.datetime]:
    """Start times in the responder's availability over the next weeks, earliest first."""
    now = timezone.now()
    windows = user_free_intervals(
        user=offer.owner, start=now + dt.timedelta(days=2), end=now + dt.timedelta(days=30)
    )
    starts = []
    length = dt.timedelta(minutes=minutes)
    for window_start, window_end in windows:
        start = window_start.replace(second=0, microsecond=0)
        if start.minute % 15:
            start += dt.timedelta(minutes=15 - start.minute % 15)
        if start + length <= window_end:
            starts.append(start)
    return starts


def _upcoming(key, status, offer, requester, title, price) -> Swap | None:
    """Create and move an upcoming swap through the services, at the first free time."""
    minutes = offer.session_minutes or 60
    for start in _free_start(offer, requester, minutes):
        try:
            with transaction.atomic():
                swap = services.swap_create(
                    requester=requester,
                    offer=offer,
                    kind=Swap.Kind.POINTS if price else Swap.Kind.SWAP,
                    points_amount=price or None,
                    title=title,
                    description=offer.description[:500],
                    scheduled_start=start,
                    scheduled_end=start + dt.timedelta(minutes=minutes),
                    session_type=Swap.SessionType.VIDEO,
                    notes=NOTES.get(key, ""),
                )
                if status == S.REJECTED:
                    services.swap_reject(swap=swap, actor=offer.owner, reason=NOTES[key])
                if status in (S.ACCEPTED, S.CANCELLED):
                    services.swap_accept(swap=swap, actor=offer.owner)
                if status == S.CANCELLED:
                    services.swap_cancel(swap=swap, actor=requester, reason="Plans changed")
                if key == "reschedule-proposed":
                    services.swap_reschedule(
                        swap=swap, actor=requester, start=start + dt.timedelta(days=7)
                    )
                return swap
        except ApplicationError:
            continue  # that time clashes or is no longer free: try the next one
    return None


def _past(key, status, offer, requester, title, price, days_ago, staff) -> Swap:
    """A swap that already happened, its bookings, and its points where they ended up."""
    now = timezone.now()
    minutes = offer.session_minutes or 60
    # One day per scenario at 10:00 UTC: no two demo sessions of one member overlap.
    start = (now - dt.timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(minutes=minutes)
    swap = Swap.objects.create(
        requester=requester,
        responder=offer.owner,
        offer=offer,
        kind=Swap.Kind.POINTS if price else Swap.Kind.SWAP,
        points_amount=price,
        title=title,
        description=offer.description[:500],
        category=offer.category,
        session_type=Swap.SessionType.VIDEO,
        mode=offer.mode,
        scheduled_start=start,
        scheduled_end=end,
        notes=NOTES.get(key, ""),
        status=S.ACCEPTED,
        accepted_at=start - dt.timedelta(days=2),
    )
    SessionBooking.objects.bulk_create(
        SessionBooking(swap=swap, user=user, starts_at=start, ends_at=end)
        for user in (requester, offer.owner)
    )
    if price:
        rewards_services.escrow_hold(
            user=requester,
            amount=price,
            reference=swap.reference,
            idempotency_key=f"swap:{swap.pk}:hold",
        )
    swap.completion_requested_by = offer.owner
    swap.completion_requested_at = end + dt.timedelta(minutes=5)
    if status == S.COMPLETED:
        if price:
            rewards_services.escrow_release(
                user=offer.owner,
                amount=price,
                reference=swap.reference,
                idempotency_key=f"swap:{swap.pk}:release",
            )
            swap.paid_points = price
        swap.status = S.COMPLETED
        swap.completed_at = end + dt.timedelta(hours=3)
    elif status in (S.DISPUTED, S.REFUNDED):
        swap.status = S.DISPUTED
        swap.disputed_by = requester
        swap.disputed_at = end + dt.timedelta(hours=1)
        swap.dispute_reason = NOTES[key]
    swap.save()
    if status == S.COMPLETED:
        # what completing through the services counts: sessions, minutes, points earned
        _activity_on_completed(swap)
    if status == S.REFUNDED:
        swap = services.swap_resolve_dispute(
            swap=swap,
            moderator=staff,
            outcome=Swap.Resolution.REFUNDED,
            note="The call log shows the expert never joined.",
        )
    return swap


def _call_log(swap: Swap) -> None:
    """An ended video call for a completed session (the admin's call log)."""
    if VideoCall.objects.filter(swap=swap).exists():
        return
    joined = swap.scheduled_start + dt.timedelta(minutes=1)
    left = swap.scheduled_end - dt.timedelta(minutes=3)
    call = VideoCall.objects.create(
        swap=swap,
        created_by=swap.requester,
        status=VideoCall.Status.ENDED,
        started_at=joined,
        ended_at=left,
        ended_by=swap.requester,
        duration_seconds=int((left - joined).total_seconds()),
    )
    VideoCallParticipant.objects.bulk_create(
        VideoCallParticipant(
            call=call,
            user=user,
            join_token=f"demo-{call.pk}-{user.pk}",
            token_expires_at=left,
            joined_at=joined,
            left_at=left,
        )
        for user in (swap.requester, swap.responder)
    )
