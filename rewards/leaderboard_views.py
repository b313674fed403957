"""The leaderboard page: /en/leaderboard/ and /ar/leaderboard/ (name ``rewards:leaderboard``).

Public, like members' profiles. Period and metric tabs are plain links (no JavaScript); the
signed-in member's own row is highlighted on the page, or pinned under the table when they rank
off it. Same reads as ``GET leaderboard/``: the board gives one page of ids, then one users query.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from rewards.leaderboard import (
    METRICS,
    PERIODS,
    LeaderboardUnavailable,
    leaderboard_page,
    min_reviews,
    score_display,
)

PAGE_SIZE = 25


def metric_labels() -> dict[str, str]:
    return {
        "swaps": _("Swaps"),
        "rating": _("Rating"),
        "points": _("Points earned"),
        "reviews": _("Reviews"),
    }


def period_labels() -> dict[str, str]:
    return {"week": _("This week"), "month": _("This month"), "all": _("All time")}


@dataclass(frozen=True)
class BoardPage:
    """What ``_pagination.html`` reads of a Django ``Page``."""

    number: int
    num_pages: int

    @property
    def paginator(self) -> BoardPage:
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(raw: str | None) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 and int(raw) else 1


def leaderboard(request: HttpRequest) -> HttpResponse:
    """One page of a board; unknown ``metric``/``period``/``page`` values show the defaults."""
    metric = request.GET.get("metric", "")
    metric = metric if metric in METRICS else "swaps"
    period = request.GET.get("period", "")
    period = period if period in PERIODS else "all"
    number = _page_number(request.GET.get("page"))
    viewer = request.user.pk if request.user.is_authenticated else None
    context: dict[str, object] = {
        "metric": metric,
        "period": period,
        "metric_label": metric_labels()[metric],
        "metric_tabs": [
            (key, label, urlencode({"metric": key, "period": period}))
            for key, label in metric_labels().items()
        ],
        "period_tabs": [
            (key, label, urlencode({"metric": metric, "period": key}))
            for key, label in period_labels().items()
        ],
        "query": urlencode({"metric": metric, "period": period}),
        "rating_minimum": min_reviews(),
        "nav_section": "leaderboard",
    }
    try:
        board = leaderboard_page(
            metric=metric,
            period=period,
            offset=(number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            viewer_id=viewer,
        )
        pages = max(1, -(-board.count // PAGE_SIZE))
        if number > pages:
            number = pages
            board = leaderboard_page(
                metric=metric,
                period=period,
                offset=(number - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
                viewer_id=viewer,
            )
    except LeaderboardUnavailable as error:
        context["unavailable"] = error.message
        return render(request, "rewards/leaderboard.html", context, status=503)
    rows = [
        {
            "rank": standing.rank,
            "member": board.users[standing.user_id],
            "score": score_display(metric, standing.score),
            "is_me": standing.user_id == viewer,
        }
        for standing in board.standings
    ]
    me = None
    if board.me is not None:
        me = {
            "rank": board.me.rank,
            "score": score_display(metric, board.me.score),
            "on_page": any(row["is_me"] for row in rows),
        }
    context.update(
        {
            "rows": rows,
            "me": me,
            "count": board.count,
            "page": BoardPage(number=number, num_pages=pages),
        }
    )
    return render(request, "rewards/leaderboard.html", context)
