"""Thin views of the exchanges API: validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_response
from core.exceptions import NotFound
from exchanges import ics, selectors, services
from exchanges.api import serializers as s
from exchanges.api.filters import MeetingFilter, OrderFilter, SessionFilter, SwapFilter
from exchanges.models import CalendarFeed, Swap, VideoCall
from rewards import services as rewards_services
from rewards.api.serializers import TransferResultSerializer
from rewards.api.views import IDEMPOTENCY_HEADER, idempotency_key, transfer_response
from rewards.models import AccountKind, Reason

CONFLICT = error_response(
    "`invalid_transition` (not the caller's move in the current state; `current_status` and "
    "`allowed_actions` in the error), `schedule_conflict` (a participant already has a session "
    "then) or `insufficient_balance`."
)
SEARCH_FIELDS = [
    "title",
    "description",
    "notes",
    "requester__first_name",
    "requester__last_name",
    "requester__display_name",
    "responder__first_name",
    "responder__last_name",
    "responder__display_name",
]
ORDERING_FIELDS = ["scheduled_start", "scheduled_end", "created_at", "updated_at", "status"]


class _SwapListBase(generics.ListCreateAPIView):
    search_fields = SEARCH_FIELDS
    ordering_fields = [*ORDERING_FIELDS, "points_amount"]
    ordering = ["-scheduled_start", "-id"]
    input_serializer_class: ClassVar[type[serializers.Serializer]]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass
            return Swap.objects.none()
        return selectors.swap_list(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.input_serializer_class(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        swap = services.swap_create(requester=request.user, **data.service_kwargs())
        swap = selectors.swap_get(user=request.user, swap_id=swap.pk)
        return Response(self.get_serializer(swap).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["swaps"])
class SwapListCreateView(_SwapListBase):
    serializer_class = s.SwapSerializer
    filterset_class = SwapFilter
    input_serializer_class = s.SwapCreateInputSerializer

    @extend_schema(summary="The caller's swaps (as requester or responder)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request a session (skill for skill, or paid in points)",
        request=s.SwapCreateInputSerializer,
        responses={201: s.SwapSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class _SwapDetailBase(APIView):
    output_serializer_class: ClassVar[type[serializers.Serializer]] = s.SwapSerializer

    def context(self) -> dict[str, Any]:
        return {"request": self.request, "now": timezone.now()}

    def swap(self, pk: int) -> Swap:
        return selectors.swap_get(user=self.request.user, swap_id=pk)

    def render(self, swap: Swap, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.swap_get(user=self.request.user, swap_id=swap.pk)
        return Response(
            self.output_serializer_class(fresh, context=self.context()).data, status=code
        )


# PUT/PATCH: notes, a new time or a status, through ``services.swap_update``. (A comment: the
# schema would publish a docstring as every subclass's description.)
class _SwapEditBase(_SwapDetailBase):
    update_input_class: ClassVar[type[serializers.Serializer]]

    def _update(self, request: Request, pk: int) -> Response:
        data = self.update_input_class(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        swap = services.swap_update(
            swap=self.swap(pk), actor=request.user, data=data.validated_data
        )
        return self.render(swap)


@extend_schema(tags=["swaps"])
class SwapDetailView(_SwapEditBase):
    update_input_class = s.SwapUpdateInputSerializer

    @extend_schema(summary="One of the caller's swaps", responses={200: s.SwapSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return self.render(self.swap(pk))

    @extend_schema(
        summary="Edit notes, propose a new time, or move the swap by setting its status",
        request=s.SwapUpdateInputSerializer,
        responses={200: s.SwapSerializer, 409: CONFLICT},
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    @extend_schema(
        summary="Edit notes, propose a new time, or move the swap by setting its status",
        request=s.SwapUpdateInputSerializer,
        responses={200: s.SwapSerializer, 409: CONFLICT},
    )
    def patch(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)


def _action_schema(name: str, summary: str, request: Any = None) -> Any:
    """The schema of ``POST swaps/{id}/<name>``, one named move through the state machine."""
    return extend_schema(
        summary=summary,
        description="``POST swaps/{id}/<action>``: one named move through the state machine.",
        request=request,
        responses={200: s.SwapSerializer, 409: CONFLICT},
        tags=["swaps"],
        operation_id=f"swaps_{name}",
    )


def _input(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SwapAcceptView(_SwapDetailBase):
    @_action_schema(
        "accept", "Accept a pending request (responder): books both diaries, escrows the points"
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.render(services.swap_accept(swap=self.swap(pk), actor=request.user))


class SwapRejectView(_SwapDetailBase):
    @_action_schema("reject", "Reject a pending request (responder)", s.ReasonInputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        data = _input(s.ReasonInputSerializer, request)
        swap = services.swap_reject(swap=swap, actor=request.user, reason=data.get("reason", ""))
        return self.render(swap)


class SwapCancelView(_SwapDetailBase):
    @_action_schema(
        "cancel",
        "Withdraw a request (requester) or call off an accepted session (refund per policy)",
        s.ReasonInputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        data = _input(s.ReasonInputSerializer, request)
        swap = services.swap_cancel(swap=swap, actor=request.user, reason=data.get("reason", ""))
        return self.render(swap)


class SwapRescheduleView(_SwapDetailBase):
    @_action_schema(
        "reschedule",
        "Propose a new time; the other party accepts it",
        s.RescheduleInputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        serializer = s.RescheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        start, end = serializer.times()
        swap = services.swap_reschedule(swap=swap, actor=request.user, start=start, end=end)
        return self.render(swap)


class SwapAcceptRescheduleView(_SwapDetailBase):
    @_action_schema("accept_reschedule", "Accept the other party's proposed time")
    def post(self, request: Request, pk: int) -> Response:
        swap = services.swap_reschedule_accept(swap=self.swap(pk), actor=request.user)
        return self.render(swap)


class SwapDeclineRescheduleView(_SwapDetailBase):
    @_action_schema("decline_reschedule", "Decline (or withdraw) the proposed time")
    def post(self, request: Request, pk: int) -> Response:
        swap = services.swap_reschedule_decline(swap=self.swap(pk), actor=request.user)
        return self.render(swap)


class SwapCompleteView(_SwapDetailBase):
    @_action_schema(
        "complete",
        "Mark the session complete after it ended; the other party's mark confirms and pays",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.render(services.swap_complete(swap=self.swap(pk), actor=request.user))


class SwapDisputeView(_SwapDetailBase):
    @_action_schema(
        "dispute",
        "Dispute the session: the escrow is frozen for a moderator",
        s.DisputeInputSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        data = _input(s.DisputeInputSerializer, request)
        swap = services.swap_dispute(swap=swap, actor=request.user, reason=data["reason"])
        return self.render(swap)


def _ics_url(request: Request, feed: CalendarFeed) -> str:
    from django.urls import reverse

    path = reverse("api_v1:calendar-ics")
    return request.build_absolute_uri(f"{path}?token={ics.feed_token(feed)}")


@extend_schema(tags=["calendar"])
class SwapCalendarSyncView(_SwapDetailBase):
    @extend_schema(
        summary="Create, update or delete the Google Calendar events of both participants",
        request=None,
        responses={200: s.CalendarSyncSerializer},
        operation_id="swaps_sync_calendar",
    )
    def post(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        results = services.swap_calendar_sync(swap=swap)
        feed = services.calendar_feed_get_or_create(user=request.user)
        body = {
            "swap_id": swap.pk,
            "results": [
                {
                    "role": result["role"],
                    "status": result["status"],
                    "mine": result["user_id"] == request.user.pk,
                    # The other party's event is theirs: say only whether it is in sync.
                    "event_id": result["event_id"]
                    if result["user_id"] == request.user.pk
                    else None,
                    "html_link": result["html_link"]
                    if result["user_id"] == request.user.pk
                    else None,
                }
                for result in results
            ],
            "ics_url": _ics_url(request, feed),
        }
        return Response(s.CalendarSyncSerializer(body).data)


# --- seed 003: meetings ----------------------------------------------------------------------


@extend_schema(tags=["meetings"])
class MeetingListCreateView(_SwapListBase):
    serializer_class = s.MeetingSerializer
    filterset_class = MeetingFilter
    input_serializer_class = s.MeetingCreateInputSerializer

    @extend_schema(summary="The caller's meetings (seed 003's view of swaps)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Request a meeting with an expert",
        request=s.MeetingCreateInputSerializer,
        responses={201: s.MeetingSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["meetings"])
class MeetingDetailView(_SwapDetailBase):
    output_serializer_class = s.MeetingDetailSerializer

    @extend_schema(
        summary="One meeting with its reviews", responses={200: s.MeetingDetailSerializer}
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.render(self.swap(pk))


@extend_schema(tags=["meetings"])
class MeetingUpdateStatusView(_SwapDetailBase):
    @extend_schema(
        summary="Move a meeting by status (confirmed = accept); same rules as swaps/{id}/…",
        request=s.MeetingStatusInputSerializer,
        responses={200: s.MeetingStatusSerializer, 409: CONFLICT},
        operation_id="meetings_update_status",
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = s.MeetingStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        swap = services.swap_update(
            swap=self.swap(pk), actor=request.user, data=data.validated_data
        )
        body = {
            "id": swap.pk,
            "status": s.MEETING_STATUS.get(swap.status, swap.status),
            "updated_at": swap.updated_at,
        }
        return Response(s.MeetingStatusSerializer(body).data)


# --- seed 004: sessions ----------------------------------------------------------------------


@extend_schema(tags=["sessions"])
class SessionListCreateView(_SwapListBase):
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter
    input_serializer_class = s.SessionCreateInputSerializer

    @extend_schema(summary="The caller's sessions (seed 004's view of swaps)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Book a session with a friend (expert)",
        request=s.SessionCreateInputSerializer,
        responses={201: s.SessionSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["sessions"])
class SessionDetailView(_SwapDetailBase):
    output_serializer_class = s.SessionSerializer

    @extend_schema(summary="One session", responses={200: s.SessionSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return self.render(self.swap(pk))

    @extend_schema(
        summary="Edit notes or propose a new time (the other party accepts it)",
        request=s.SessionUpdateInputSerializer,
        responses={200: s.SessionSerializer, 409: CONFLICT},
    )
    def patch(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        data = s.SessionUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        swap = services.swap_update(swap=swap, actor=request.user, data=data.update_data(swap))
        return self.render(swap)

    @extend_schema(
        summary="Cancel the session (a friend's pending request is rejected)",
        request=None,
        responses={204: None, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int) -> Response:
        swap = self.swap(pk)
        if swap.status == Swap.Status.PENDING and swap.responder_id == request.user.pk:
            services.swap_reject(swap=swap, actor=request.user)
        else:
            services.swap_cancel(swap=swap, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- video calls ------------------------------------------------------------------------------


@extend_schema(tags=["video-calls"])
class VideoCallListCreateView(generics.ListAPIView):
    serializer_class = s.VideoCallSerializer
    ordering_fields = ["created_at", "started_at", "ended_at"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["status", "swap"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema pass
            return VideoCall.objects.none()
        return selectors.video_call_list(user=self.request.user)

    @extend_schema(summary="The caller's video calls")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Open the video room of an accepted swap (or get the one already open)",
        request=s.VideoCallCreateInputSerializer,
        responses={
            201: s.VideoCallSerializer,
            200: OpenApiResponse(s.VideoCallSerializer, description="The room already open."),
            404: error_response("No swap of the caller has this `swap_id`."),
            409: error_response("The swap is not accepted (`current_status` in the error)."),
        },
    )
    def post(self, request: Request) -> Response:
        data = s.VideoCallCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        swap = selectors.swap_get(user=request.user, swap_id=data.validated_data["swap_id"])
        call, created = services.video_call_create(swap=swap, actor=request.user)
        call = selectors.video_call_get(user=request.user, call_id=call.pk)
        return Response(
            s.VideoCallSerializer(call, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["video-calls"])
class VideoCallDetailView(APIView):
    @extend_schema(
        summary="A call: participants, timing, the caller's join token and ICE servers",
        responses={200: s.VideoCallSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        call = selectors.video_call_get(user=request.user, call_id=pk)
        services.video_call_token_refresh(call=call, user=request.user)
        call = selectors.video_call_get(user=request.user, call_id=pk)
        return Response(s.VideoCallSerializer(call, context={"request": request}).data)


@extend_schema(tags=["video-calls"])
class VideoCallEndView(APIView):
    @extend_schema(
        summary="End the call for both participants",
        request=None,
        responses={200: s.VideoCallSerializer},
        operation_id="video_calls_end",
    )
    def post(self, request: Request, pk: int) -> Response:
        call = selectors.video_call_get(user=request.user, call_id=pk)
        services.video_call_end(call=call, actor=request.user)
        call = selectors.video_call_get(user=request.user, call_id=pk)
        return Response(s.VideoCallSerializer(call, context={"request": request}).data)


# --- calendar feed ----------------------------------------------------------------------------


@extend_schema(tags=["calendar"])
class CalendarFeedView(APIView):
    @extend_schema(
        summary="The caller's signed calendar.ics subscription URL",
        responses={200: s.CalendarFeedSerializer},
    )
    def get(self, request: Request) -> Response:
        feed = services.calendar_feed_get_or_create(user=request.user)
        body = {"url": _ics_url(request, feed), "token": ics.feed_token(feed)}
        return Response(s.CalendarFeedSerializer(body).data)


@extend_schema(tags=["calendar"])
class CalendarFeedResetView(APIView):
    @extend_schema(
        summary="Revoke the old calendar.ics URL and get a new one",
        request=None,
        responses={200: s.CalendarFeedSerializer},
        operation_id="calendar_feed_reset",
    )
    def post(self, request: Request) -> Response:
        feed = services.calendar_feed_reset(user=request.user)
        body = {"url": _ics_url(request, feed), "token": ics.feed_token(feed)}
        return Response(s.CalendarFeedSerializer(body).data)


@extend_schema(tags=["calendar"])
class CalendarIcsView(APIView):
    """No JWT: calendar apps poll the signed URL; the token is the credential."""

    authentication_classes: ClassVar[list] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="The signed per-user iCalendar feed of sessions (RFC 5545)",
        parameters=[
            OpenApiParameter(
                "token", OpenApiTypes.STR, required=True, description="From GET calendar/feed."
            )
        ],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="iCalendar"),
            404: error_response("Unknown, tampered or revoked token."),
        },
        auth=[],
    )
    def get(self, request: Request) -> HttpResponse:
        payload = ics.feed_token_payload(request.query_params.get("token", ""))
        if payload is None:
            raise NotFound()
        user_id, version = payload
        feed = (
            CalendarFeed.objects.select_related("user")
            .filter(user_id=user_id, version=version, user__is_active=True)
            .first()
        )
        if feed is None:
            raise NotFound()
        now = timezone.now()
        body = ics.render_feed(
            user=feed.user,
            swaps=selectors.calendar_feed_swaps(user=feed.user, now=now),
            host=request.get_host().split(":")[0],
            now=now,
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="skillswap.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


# --- points for a swap (seed 003) --------------------------------------------------------------


TRANSFER_RESPONSES = {
    201: TransferResultSerializer,
    404: error_response("The swap does not exist or the caller is not a party of it."),
    409: error_response(
        "`insufficient_balance` (nothing moved; `balance` and `requested` in the error) "
        "or `idempotency_key_reused`."
    ),
}


# ``POST points/transfer/``: points to a member, or to the other party of a swap. Served here, not
# by rewards: "for a meeting" needs the swap, and the ledger knows no swaps (docs/architecture.md).
# A plain transfer goes straight to ``rewards.services.points_transfer``; one for a swap through
# ``exchanges.services.swap_points_transfer``. (Comments, not a docstring: the schema would
# publish a docstring as the operation's description.)
class PointsTransferView(APIView):
    unit = "points"

    @extend_schema(
        operation_id="points_transfer",
        summary="Give points to another member, optionally for a swap",
        request=s.TransferInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses=TRANSFER_RESPONSES,
        tags=["points"],
    )
    def post(self, request: Request) -> Response:
        return self.transfer(request)

    def transfer(self, request: Request) -> Response:
        serializer = s.TransferInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        key = idempotency_key(request, scope="points-transfer")
        if data["swap_id"] is not None:
            transfer, recipient = services.swap_points_transfer(
                swap_id=data["swap_id"],
                payer=request.user,
                amount=data["amount"],
                recipient=data["target"],
                note=data["note"],
                idempotency_key=key,
            )
        else:
            recipient = data["target"]
            transfer = rewards_services.points_transfer(
                source=request.user,
                target=recipient,
                amount=data["amount"],
                reason=Reason.TRANSFER,
                idempotency_key=key,
                note=data["note"],
                initiated_by=request.user,
            )
        # The ledger statement's own balance; a replay (None) reads the balance now.
        return transfer_response(
            transfer=transfer,
            payer=request.user,
            recipient=recipient,
            amount=data["amount"],
            unit=self.unit,
            new_balance=_balance_after(transfer, payer=request.user),
        )


def _balance_after(transfer: Any, *, payer: Any) -> int | None:
    """The payer's wallet balance right after this movement, as the ledger statement returned it
    (``Transfer.accounts``, read under its locks), or None for a replayed transfer."""
    if transfer.replayed:
        return None
    for account in getattr(transfer, "accounts", ()):
        if account.kind == AccountKind.WALLET and account.user_id == payer.pk:
            return account.balance
    return None


class CreditsTransferView(PointsTransferView):
    unit = "credits"

    @extend_schema(
        operation_id="credits_transfer",
        summary="Transfer credits for a meeting or to a member (seed 003's points/transfer)",
        description="Seed 003's name for `points/transfer/`; the message counts credits.",
        request=s.TransferInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses=TRANSFER_RESPONSES,
        tags=["points"],
    )
    def post(self, request: Request) -> Response:
        return self.transfer(request)


# --- seed 002: orders --------------------------------------------------------------------------


@extend_schema(tags=["orders"])
class OrderListCreateView(_SwapListBase):
    """Seed 002's orders: the caller's paid swaps (buyer = requester, seller = responder)."""

    serializer_class = s.OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(kind=Swap.Kind.POINTS)

    @extend_schema(summary="The caller's orders, bought or sold (seed 002's view of paid swaps)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Order a listing: a paid session request to its owner at the listing's price",
        request=s.OrderCreateInputSerializer,
        responses={201: s.OrderSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.OrderCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        swap = services.swap_order_create(
            buyer=request.user,
            offer=values["skill_id"],
            scheduled_start=values.get("scheduled_start"),
            duration_minutes=values.get("duration_minutes"),
            notes=values.get("notes", ""),
        )
        swap = selectors.swap_get(user=request.user, swap_id=swap.pk)
        return Response(self.get_serializer(swap).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["orders"])
class OrderDetailView(_SwapEditBase):
    output_serializer_class = s.OrderSerializer
    update_input_class = s.OrderUpdateInputSerializer

    def swap(self, pk: int) -> Swap:
        swap = super().swap(pk)
        if swap.kind != Swap.Kind.POINTS:
            raise NotFound()
        return swap

    @extend_schema(summary="One of the caller's orders", responses={200: s.OrderSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return self.render(self.swap(pk))

    @extend_schema(
        summary="Move the order by status (accepted, rejected, cancelled, completed, disputed)",
        request=s.OrderUpdateInputSerializer,
        responses={200: s.OrderSerializer, 409: CONFLICT},
    )
    def put(self, request: Request, pk: int) -> Response:
        return self._update(request, pk)

    patch = put
