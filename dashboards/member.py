"""The member dashboard's reads: what needs the member's attention, in a constant number of queries.

``member_dashboard`` serves both ``GET dashboard/`` (``dashboards/api/``) and the signed-in home
page ``/<lang>/me/`` (``dashboards/views.py``). It only reads: matches are shown as they were last
computed (``marketplace.services.matches`` recomputes them in Celery, never on this request), the
rank comes from the maintained leaderboard (``rewards.leaderboard``), the badges from
``rewards.badges``.

Queries, whatever the number of swaps, badges, matches or messages: the swap counts (1), the
requests waiting on each side (2), the upcoming sessions with their open call (1), the wallet and
its escrow (``rewards.selectors.balance_summary``: 2), unread messages (1), unread notifications
(1), the suggested matches with both members (1), plus what ``badges_recent`` and
``leaderboard_rank`` read (a bounded number each).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from exchanges import selectors as exchanges_selectors
from exchanges.models import Swap, VideoCall
from marketplace.models import Match, MatchStatus
from messaging import selectors as messaging_selectors
from rewards import badges, leaderboard
from rewards import selectors as rewards_selectors

if TYPE_CHECKING:
    from accounts.models import User

S = Swap.Status
# How many rows each list of the dashboard shows (the full lists are one link away).
UPCOMING_SIZE = 5
REQUESTS_SIZE = 5
BADGES_SIZE = 5
MATCHES_SIZE = 3
# The rank the dashboard shows: swaps of all time (the leaderboard page has the others).
RANK_METRIC = "swaps"
RANK_PERIOD = "all"


def _upcoming(*, user: User, now: dt.datetime) -> list[Swap]:
    """The next accepted sessions (the one in progress included), each with ``open_call_id``: the
    id of its video call that has not ended, or None (one query: a correlated subquery)."""
    open_call = (
        VideoCall.objects.filter(swap=OuterRef("pk"))
        .exclude(status=VideoCall.Status.ENDED)
        .order_by("-id")
        .values("id")[:1]
    )
    return list(
        exchanges_selectors.swap_list(user=user)
        .filter(status=S.ACCEPTED, scheduled_end__gt=now)
        .annotate(open_call_id=Subquery(open_call, output_field=IntegerField()))
        .order_by("scheduled_start", "id")[:UPCOMING_SIZE]
    )


def _suggested_matches(*, user: User) -> list[Match]:
    """The best matches still waiting for the member's answer, with active, unsuspended members.

    Read as stored: the score and reasons were computed by ``marketplace.services.matches``.
    """
    mine_to_answer = Q(
        user_a=user,
        a_response=MatchStatus.PENDING,
        user_b__is_active=True,
        user_b__suspended_at__isnull=True,
    ) | Q(
        user_b=user,
        b_response=MatchStatus.PENDING,
        user_a__is_active=True,
        user_a__suspended_at__isnull=True,
    )
    return list(
        Match.objects.filter(mine_to_answer, status=MatchStatus.PENDING)
        .select_related("user_a", "user_b")
        .order_by("-compatibility_score", "id")[:MATCHES_SIZE]
    )


def oriented_reasons(match: Match, *, viewer_id: int) -> list[dict[str, Any]]:
    """The match's reasons as ``viewer_id`` reads them: the two reciprocal terms named from their
    side (``you_offer_they_want``, ``they_offer_you_want``) and listed first, as ``GET matches/``
    does (``marketplace/api/serializers.py``, ``MatchSerializer.get_reasons``)."""
    viewer_is_a = viewer_id == match.user_a_id
    flip = {
        "a_offers_b_wants": "you_offer_they_want" if viewer_is_a else "they_offer_you_want",
        "b_offers_a_wants": "they_offer_you_want" if viewer_is_a else "you_offer_they_want",
    }
    reasons = [
        {**reason, "code": flip.get(reason.get("code", ""), reason.get("code", ""))}
        for reason in match.reasons or []
        if isinstance(reason, dict)
    ]
    order = ["you_offer_they_want", "they_offer_you_want"]
    reasons.sort(key=lambda r: order.index(r["code"]) if r["code"] in order else len(order))
    return reasons


def member_dashboard(*, user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """What needs ``user``'s attention, for the API and the page (constant queries).

    Keys: ``upcoming`` (accepted swaps not over yet, with ``open_call_id``), ``incoming`` (requests
    waiting for the member's answer), ``outgoing`` (the member's requests awaiting an answer),
    ``counts`` (``incoming``, ``outgoing``, ``upcoming``, ``completed``: whole totals), ``wallet``
    (``BalanceSummary``), ``rating`` (``average``, ``count``), ``badges`` (recent live
    ``BadgeAward`` rows with their badge), ``rank`` (``metric``, ``period``, ``position``: None
    when unranked), ``unread_messages``, ``unread_notifications``, ``matches`` (suggested
    ``Match`` rows with both members).
    """
    now = now or timezone.now()
    swaps = exchanges_selectors.swap_list(user=user)
    pending = Q(status=S.PENDING)
    counts = swaps.aggregate(
        incoming=Count("pk", filter=pending & Q(responder=user)),
        outgoing=Count("pk", filter=pending & Q(requester=user)),
        upcoming=Count("pk", filter=Q(status=S.ACCEPTED, scheduled_end__gt=now)),
        completed=Count("pk", filter=Q(status=S.COMPLETED)),
    )
    incoming = list(
        exchanges_selectors.swap_pending_requests(user=user).order_by("scheduled_start", "id")[
            :REQUESTS_SIZE
        ]
    )
    outgoing = list(
        swaps.filter(pending, requester=user).order_by("scheduled_start", "id")[:REQUESTS_SIZE]
    )
    unread_messages = (
        messaging_selectors.thread_list(user=user)
        .prefetch_related(None)
        .aggregate(total=Sum("unread_count"))["total"]
    )
    unread_notifications = (
        messaging_selectors.notification_list(user=user).filter(is_read=False).count()
    )
    return {
        "upcoming": _upcoming(user=user, now=now),
        "incoming": incoming,
        "outgoing": outgoing,
        "counts": counts,
        "wallet": rewards_selectors.balance_summary(user=user),
        "rating": {
            "average": float(user.rating_average or 0),
            "count": int(user.rating_count or 0),
        },
        "badges": list(badges.badges_recent(user_id=user.pk, limit=BADGES_SIZE)),
        "rank": {
            "metric": RANK_METRIC,
            "period": RANK_PERIOD,
            "position": leaderboard.leaderboard_rank(
                user_id=user.pk, metric=RANK_METRIC, period=RANK_PERIOD
            ),
        },
        "unread_messages": unread_messages or 0,
        "unread_notifications": unread_notifications,
        "matches": _suggested_matches(user=user),
    }


def register() -> None:
    """Called by ``DashboardsConfig.ready()`` (the dashboard registers nothing today)."""
