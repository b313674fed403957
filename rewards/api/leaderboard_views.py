"""``GET leaderboard/`` (seeds 000/001): one page of a board and the caller's own rank.

Public, like the site's leaderboard page and members' public profiles: a row shows only what a
public profile shows (public name, avatar). ``me`` is the signed-in caller's own standing, even off
the page. Constant queries per page: the board gives the ids (Redis, or the ``LeaderboardScore``
index), then one users query (docs/api.md, "Leaderboard").
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from config.api.pagination import INVALID_PAGE_MESSAGE
from config.api.schema import error_response
from core.exceptions import NotFound, ValidationFailed
from rewards.api.leaderboard_serializers import LeaderboardQuerySerializer, LeaderboardSerializer
from rewards.leaderboard import METRICS, PERIODS, leaderboard_page, score_display

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def page_and_size(params: Any) -> tuple[int, int]:
    """``page`` (a 400 unless a whole number from 1) and ``page_size`` (as DRF: default 20 when
    missing or not a positive number, at most 100)."""
    raw = params.get("page", "").strip()
    if not raw:
        page = 1
    elif _PAGE_NUMBER.fullmatch(raw):
        page = int(raw)
    elif raw.isascii() and raw.isdigit() and raw.lstrip("0"):
        # A huge page number: past any end.
        raise NotFound()
    else:
        raise ValidationFailed(fields={"page": [str(INVALID_PAGE_MESSAGE)]})
    size_raw = params.get("page_size", "").strip()
    size = int(size_raw) if size_raw.isascii() and size_raw.isdigit() and len(size_raw) < 6 else 0
    return page, min(size, MAX_PAGE_SIZE) if size > 0 else PAGE_SIZE


class LeaderboardView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="leaderboard",
        summary="The leaderboard: members ranked by swaps, rating, points or reviews",
        description=(
            "Seeds 000/001's `GET leaderboard/`. Public. `period`: `week` (this ISO week, UTC), "
            "`month` (this calendar month, UTC) or `all`; `metric`: `swaps` (sessions taught and "
            "learned), `rating` (average stars received; ranked from "
            "`LEADERBOARD_RATING_MIN_REVIEWS` reviews in the period), `points` (points earned "
            "teaching) or `reviews` (reviews received). Equal scores rank by member id. `me` is "
            "the signed-in caller's own rank, also when it is off the page."
        ),
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(PERIODS), default="all"),
            OpenApiParameter("metric", OpenApiTypes.STR, enum=list(METRICS), default="swaps"),
            OpenApiParameter("page", OpenApiTypes.INT, description="A page number from 1."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Rows per page (20; at most 100)."
            ),
        ],
        responses={
            200: LeaderboardSerializer,
            400: error_response("`period`, `metric` or `page` is not valid (`validation_error`)."),
            404: error_response("Not found: `page` is past the last page."),
            503: error_response("The ranking store is unavailable (`leaderboard_unavailable`)."),
        },
        tags=["leaderboard"],
    )
    def get(self, request: Request) -> Response:
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metric, period = query.validated_data["metric"], query.validated_data["period"]
        page, size = page_and_size(request.query_params)
        viewer = request.user.pk if request.user.is_authenticated else None
        board = leaderboard_page(
            metric=metric, period=period, offset=(page - 1) * size, limit=size, viewer_id=viewer
        )
        if page > 1 and (page - 1) * size >= board.count:
            raise NotFound()
        url = request.build_absolute_uri()
        next_url = replace_query_param(url, "page", page + 1) if page * size < board.count else None
        if page == 1:
            previous_url = None
        elif page == 2:
            previous_url = remove_query_param(url, "page")
        else:
            previous_url = replace_query_param(url, "page", page - 1)
        body = {
            "count": board.count,
            "next": next_url,
            "previous": previous_url,
            "results": [
                {
                    "rank": standing.rank,
                    "user": board.users[standing.user_id],
                    "score": score_display(metric, standing.score),
                }
                for standing in board.standings
            ],
            "me": (
                {"rank": board.me.rank, "score": score_display(metric, board.me.score)}
                if board.me
                else None
            ),
            "period": period,
            "metric": metric,
        }
        return Response(LeaderboardSerializer(body, context={"request": request}).data)
