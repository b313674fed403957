"""Reviews test helpers: swaps that already happened, and reviews written through the service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from community.reviews import services
from community.reviews.models import Review
from exchanges.models import Swap
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import SwapFactory, expert


def past_swap(*, status: str = Swap.Status.COMPLETED, days_ago: int = 2, **fields) -> Swap:
    """A swap that took place ``days_ago`` days ago and is now ``status`` (a row, as the demo)."""
    start = (timezone.now() - dt.timedelta(days=days_ago)).replace(second=0, microsecond=0)
    fields.setdefault("requester", UserFactory())
    fields.setdefault("responder", expert())
    swap = SwapFactory(
        scheduled_start=start, scheduled_end=start + dt.timedelta(hours=1), status=status, **fields
    )
    if status == Swap.Status.COMPLETED:
        swap.completed_at = swap.scheduled_end
    if status == Swap.Status.DISPUTED:
        swap.disputed_by = swap.requester
        swap.disputed_at = swap.scheduled_end
        swap.dispute_reason = "It went wrong."
    swap.save()
    return swap


def review(
    swap: Swap, reviewer=None, *, rating: int = 5, comment: str = "Great session."
) -> Review:
    """``reviewer`` (the requester by default) reviews the other party of ``swap``."""
    return services.review_create(
        reviewer=reviewer or swap.requester, swap_id=swap.pk, rating=rating, comment=comment
    )
