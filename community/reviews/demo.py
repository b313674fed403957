"""Demo reviews on the demo's swaps that took place (demo/management/commands/seed_demo.py).

Both parties of each completed swap review each other, one in English and one in Arabic; the
disputed swap's requester leaves a review that stays held until a moderator resolves the dispute.
Written through ``services.review_create`` (ratings recomputed, reviewees notified); idempotent:
a swap already reviewed by a member is skipped.
"""

from __future__ import annotations

from django.db.models import Q

from community.reviews import services
from community.reviews.models import Review
from core.exceptions import ApplicationError
from demo.context import DemoContext
from exchanges.models import Swap

# (rating, comment, tags) by the requester (English) and by the responder (Arabic), in turn.
BY_REQUESTER: list[tuple[int, str, list[str]]] = [
    (5, "Clear, patient and well prepared. I finally understand it!", ["clear", "prepared"]),
    (4, "Very helpful session; we ran a little over time.", ["helpful", "knowledgeable"]),
]
BY_RESPONDER: list[tuple[int, str, list[str]]] = [
    (5, "طالب رائع، جاء بأسئلة واضحة وكان ملتزماً بالوقت.", ["punctual", "engaging"]),
    (4, "جلسة ممتعة ومفيدة، أتطلع إلى التبادل القادم.", ["friendly"]),
]
HELD: tuple[int, str, list[str]] = (
    2,
    "The session ended after ten minutes; waiting for the moderators.",
    [],
)


def seed(context: DemoContext) -> None:
    members = context.objects.get("members") or []
    if not members:
        return
    ids = [member.pk for member in members]
    swaps = (
        Swap.objects.filter(Q(requester_id__in=ids) | Q(responder_id__in=ids))
        .filter(status__in=[Swap.Status.COMPLETED, Swap.Status.DISPUTED])
        .select_related("requester", "responder")
        .order_by("pk")
    )
    for number, swap in enumerate(context.progress(list(swaps), "reviews")):
        if swap.status == Swap.Status.DISPUTED:
            _write(context, swap, swap.requester, HELD)
            continue
        _write(context, swap, swap.requester, BY_REQUESTER[number % len(BY_REQUESTER)])
        _write(context, swap, swap.responder, BY_RESPONDER[number % len(BY_RESPONDER)])


def _write(context: DemoContext, swap: Swap, reviewer, text: tuple[int, str, list[str]]) -> None:
    if Review.objects.filter(swap=swap, reviewer=reviewer).exists():
        return
    rating, comment, tags = text
    try:
        services.review_create(
            reviewer=reviewer, swap_id=swap.pk, rating=rating, comment=comment, tags=tags
        )
    except ApplicationError:
        return
    context.count("reviews", True)
