"""Dashboard test helpers: the rows a member's dashboard shows, built directly (fast)."""

from __future__ import annotations

import datetime as dt

from exchanges.models import Swap, VideoCall
from marketplace.models import Match
from messaging.models import Notification
from rewards.models import BadgeAward, BadgeDefinition, Tier
from tests.exchanges.factories import OfferFactory, SwapFactory, at
from tests.messaging.factories import pair_thread, send

S = Swap.Status
REASONS = [
    {
        "code": "a_offers_b_wants",
        "weight": 30,
        "points": 30.0,
        "skills": [{"id": 1, "slug": "oud", "name_en": "Oud", "name_ar": "عود"}],
    },
    {
        "code": "b_offers_a_wants",
        "weight": 30,
        "points": 15.0,
        "skills": [{"id": 2, "slug": "chess", "name_en": "Chess", "name_ar": "شطرنج"}],
    },
    {"code": "shared_language", "weight": 10, "points": 10.0, "languages": ["ar"]},
]


def upcoming_session(me, *, hours: float = 30, with_call: bool = False, **fields) -> Swap:
    """An accepted swap ``me`` asked for, ``hours`` from now, with an open call if asked."""
    start = at(hours)
    fields.setdefault("offer", OfferFactory())
    swap = SwapFactory(
        requester=me,
        responder=fields.pop("responder", None) or fields["offer"].owner,
        status=S.ACCEPTED,
        scheduled_start=start,
        scheduled_end=start + dt.timedelta(hours=1),
        **fields,
    )
    if with_call:
        VideoCall.objects.create(swap=swap, created_by=me)
    return swap


def pending_request(*, requester, responder, hours: float = 48, **fields) -> Swap:
    return SwapFactory(
        requester=requester,
        responder=responder,
        status=S.PENDING,
        scheduled_start=at(hours),
        **fields,
    )


def match_with(me, other, *, score: int = 80, reasons: list | None = None, **fields) -> Match:
    """A stored match of ``me`` and ``other`` (ordered pair), as the recomputation leaves it."""
    first, second = sorted((me, other), key=lambda user: user.pk)
    return Match.objects.create(
        user_a=first,
        user_b=second,
        compatibility_score=score,
        reasons=REASONS if reasons is None else reasons,
        **fields,
    )


def badge_award(me, *, slug: str, tier: str = Tier.BRONZE, **fields) -> BadgeAward:
    badge = BadgeDefinition.objects.create(
        slug=slug,
        name_en=slug.title(),
        name_ar=f"شارة {slug}",
        description_en=f"About {slug}",
        counter="sessions_taught",
        threshold_bronze=1,
    )
    return BadgeAward.objects.create(user=me, badge=badge, tier=tier, **fields)


def unread_message(me, other, content: str = "Hello") -> None:
    send(pair_thread(me, other), other, content)


def unread_notification(me) -> Notification:
    return Notification.objects.create(recipient=me, kind="swap_requested", title="A request")


def dashboard_filled(me, *, rounds: int, slug_prefix: str) -> None:
    """``rounds`` of everything the dashboard shows: a session, requests both ways, a badge, a
    match, an unread message and notification (the query-count tests compare 1 round with 4)."""
    from tests.accounts.factories import UserFactory
    from tests.exchanges.factories import expert

    teacher = expert()
    offer = OfferFactory(owner=teacher)
    for index in range(rounds):
        upcoming_session(me, hours=20 + 5 * index, with_call=True, offer=offer)
        pending_request(requester=UserFactory(), responder=me, hours=200 + 5 * index)
        pending_request(requester=me, responder=teacher, hours=400 + 5 * index)
        badge_award(me, slug=f"{slug_prefix}-{rounds}-{index}")
        friend = UserFactory()
        match_with(me, friend, score=50 + index)
        unread_message(me, friend)
        unread_notification(me)
