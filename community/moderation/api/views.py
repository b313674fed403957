"""Thin views of reports, support tickets and the staff lists: validate, one service, serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from community.moderation import selectors, services
from community.moderation.api import serializers as s
from community.moderation.api.filters import (
    FriendFilter,
    ReportFilter,
    StaffTicketFilter,
    TicketFilter,
)
from community.moderation.api.permissions import CanHandleTickets, CanViewUsers
from community.moderation.models import Report, Ticket
from config.api.schema import error_response
from core.exceptions import NotFound, ValidationFailed


def _fake(view: Any) -> bool:
    return getattr(view, "swagger_fake_view", False)


@extend_schema(tags=["reports"])
class ReportListCreateView(generics.ListAPIView):
    """``reports/``: the caller's reports; POST reports a user, offer, message, thread or post."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilter
    search_fields = ["target_label", "details"]
    ordering_fields = ["created_at", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        if _fake(self):
            return Report.objects.none()
        return selectors.report_list(user=self.request.user)

    @extend_schema(summary="The reports the caller made")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Report a member, an offer, a message, a forum thread or a post",
        description=(
            "Moderators handle reports in the admin's moderation queue, grouped by target. "
            "Reporting a target again while the caller's first report of it is open answers "
            "that report with 200 and creates nothing. A target the caller may not see is a 404."
        ),
        request=s.ReportCreateInputSerializer,
        responses={
            201: s.ReportSerializer,
            200: OpenApiResponse(s.ReportSerializer, description="The caller's open report."),
            404: error_response("The target does not exist or the caller may not see it."),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.ReportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = services.report_create(reporter=request.user, **data.validated_data)
        return Response(
            s.ReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- the member's tickets ----------------------------------------------------------------------


@extend_schema(tags=["support"])
class TicketListCreateView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["created_at", "updated_at", "status"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self) -> Any:
        if _fake(self):
            return Ticket.objects.none()
        return selectors.ticket_list(member=self.request.user)

    @extend_schema(summary="The caller's support tickets with their replies")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open a support ticket",
        request=s.TicketCreateInputSerializer,
        responses={201: s.TicketSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.TicketCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = services.ticket_create(member=request.user, **data.validated_data)
        fresh = selectors.ticket_get(member=request.user, ticket_id=ticket.pk)
        return Response(s.TicketSerializer(fresh).data, status=status.HTTP_201_CREATED)


def _own_ticket(request: Request, pk: int) -> Ticket:
    ticket = selectors.ticket_get(member=request.user, ticket_id=pk)
    if ticket is None:
        raise NotFound()
    return ticket


@extend_schema(tags=["support"])
class TicketDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="One of the caller's tickets", responses={200: s.TicketSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.TicketSerializer(_own_ticket(request, pk)).data)


@extend_schema(tags=["support"])
class TicketReplyView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Reply to one of the caller's tickets (it goes back to support)",
        request=s.TicketReplyInputSerializer,
        responses={201: s.TicketSerializer, 409: error_response("`ticket_closed`.")},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = _own_ticket(request, pk)
        data = s.TicketReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_member_reply(ticket=ticket, member=request.user, **data.validated_data)
        fresh = _own_ticket(request, pk)
        return Response(s.TicketSerializer(fresh).data, status=status.HTTP_201_CREATED)


# --- staff: seed 004's admin/tickets/ and admin/friends/ ---------------------------------------


@extend_schema(tags=["admin"])
class StaffTicketListView(generics.ListAPIView):
    """``admin/tickets/`` (seed 004's support tickets dashboard): moderators and admins."""

    permission_classes = [CanHandleTickets]
    serializer_class = s.StaffTicketSerializer
    filterset_class = StaffTicketFilter
    search_fields = ["subject", "body", "member__email", "member__first_name", "member__last_name"]
    ordering_fields = ["created_at", "updated_at", "status", "priority"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self) -> Any:
        if _fake(self):
            return Ticket.objects.none()
        return selectors.ticket_staff_list()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "staff_view": True}

    @extend_schema(summary="Every support ticket (moderators and admins)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _staff_ticket(pk: int) -> Ticket:
    ticket = selectors.ticket_staff_get(ticket_id=pk)
    if ticket is None:
        raise NotFound()
    return ticket


def _staff_render(pk: int, *, code: int = status.HTTP_200_OK) -> Response:
    return Response(
        s.StaffTicketSerializer(_staff_ticket(pk), context={"staff_view": True}).data, status=code
    )


@extend_schema(tags=["admin"])
class StaffTicketDetailView(APIView):
    permission_classes = [CanHandleTickets]

    @extend_schema(summary="One support ticket", responses={200: s.StaffTicketSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return _staff_render(pk)

    @extend_schema(
        summary="Assign a ticket, change its status or priority",
        description="`assignee_id: null` unassigns it.",
        request=s.TicketUpdateInputSerializer,
        responses={200: s.StaffTicketSerializer},
    )
    def patch(self, request: Request, pk: int) -> Response:
        ticket = _staff_ticket(pk)
        data = s.TicketUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        assignee = None
        unassign = "assignee_id" in values and values["assignee_id"] is None
        if values.get("assignee_id"):
            assignee = User.objects.filter(pk=values["assignee_id"]).first()
            if assignee is None:
                raise ValidationFailed(fields={"assignee_id": [_no_such_staff()]})
        services.ticket_update(
            ticket=ticket,
            staff=request.user,
            status=values.get("status"),
            priority=values.get("priority"),
            assignee=assignee,
            unassign=unassign,
        )
        return _staff_render(pk)


def _no_such_staff() -> str:
    from django.utils.translation import gettext as _

    return _("Assign the ticket to a moderator or an administrator.")


@extend_schema(tags=["admin"])
class StaffTicketReplyView(APIView):
    permission_classes = [CanHandleTickets]

    @extend_schema(
        summary="Answer a ticket; the member is notified in the app and by e-mail",
        description="The ticket moves to `status` (default `pending`: waiting for the member).",
        request=s.StaffTicketReplyInputSerializer,
        responses={201: s.StaffTicketSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = _staff_ticket(pk)
        data = s.StaffTicketReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_staff_reply(ticket=ticket, staff=request.user, **data.validated_data)
        return _staff_render(pk, code=status.HTTP_201_CREATED)


@extend_schema(tags=["admin"])
class FriendListView(generics.ListAPIView):
    """``admin/friends/`` (seed 004): experts with sessions, rating, points earned, reports."""

    permission_classes = [CanViewUsers]
    serializer_class = s.FriendSerializer
    filterset_class = FriendFilter
    search_fields = ["first_name", "last_name", "display_name", "username", "email"]
    ordering_fields = [
        "rating_average",
        "rating_count",
        "session_count",
        "points_earned",
        "open_reports",
        "date_joined",
    ]
    ordering = ["-rating_average", "id"]

    def get_queryset(self) -> Any:
        if _fake(self):
            return User.objects.none()
        return selectors.expert_list()

    @extend_schema(summary="Experts (seed 004's friends) with their figures, for staff")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
