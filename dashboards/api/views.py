"""Thin views of the dashboard API: one selector, one serializer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboards.api.serializers import DashboardSerializer
from dashboards.member import member_dashboard

if TYPE_CHECKING:
    from accounts.models import User


class DashboardView(APIView):
    """Seed 001's dashboard app: ``GET dashboard/``."""

    @extend_schema(
        operation_id="dashboard",
        summary="What needs the caller's attention",
        description=(
            "Upcoming sessions (with the open video call), pending requests on both sides, the "
            "balance and escrow, the rating, recent badges, the rank (swaps, all time), unread "
            "messages and notifications, and suggested matches. Signed-in members only; a "
            "constant number of queries whatever the data."
        ),
        responses={200: DashboardSerializer},
        tags=["dashboard"],
    )
    def get(self, request: Request) -> Response:
        # IsAuthenticated (the default permission) let only members through.
        dashboard = member_dashboard(user=cast("User", request.user))
        context = {"request": request, "viewer_id": request.user.pk}
        return Response(DashboardSerializer(dashboard, context=context).data)
