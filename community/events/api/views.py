"""Thin views of the events API: validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community.events import selectors, services
from community.events.api import serializers as s
from community.events.api.filters import BookingFilter, EventFilter
from community.events.models import EventBooking, EventPage
from config.api.schema import error_response

if TYPE_CHECKING:
    from accounts.models import User


def _member(request: Request) -> User:
    """The signed-in caller (these views require authentication)."""
    return cast("User", request.user)


BOOK_CONFLICT = error_response(
    "`already_booked` (the caller holds a seat or a waiting place), `event_closed` (started, "
    "cancelled or unpublished) or `insufficient_balance` (a paid seat)."
)
BOOK_DESCRIPTION = (
    "A free seat while any is left, else a place on the waiting list (status `waitlisted`, "
    "`position`). A paid seat holds `price_points` from the caller's wallet in escrow; the host "
    "is paid after the event. Capacity is never exceeded, however many members book at once."
)


def _context(request: Request, pages: list[EventPage]) -> dict[str, Any]:
    sources = selectors.source_pages(pages)
    bookings = selectors.bookings_of(
        user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
        source_ids={page.pk for page in sources.values()},
    )
    return {"request": request, "sources": sources, "bookings": bookings}


@extend_schema(tags=["events"])
class EventListView(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    search_fields = ["title", "summary", "location", "venue"]
    ordering_fields = ["starts_at", "date", "price_points", "title", "capacity"]
    ordering = ["starts_at", "id"]

    def get_queryset(self) -> QuerySet[EventPage]:
        if getattr(self, "swagger_fake_view", False):
            return EventPage.objects.none()
        # Seed 004 orders by `date`: the same as `starts_at`.
        return selectors.event_list().annotate(date=F("starts_at"))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        pages = list(page or [])
        data = s.EventSerializer(pages, many=True, context=_context(request, pages)).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Group events in the caller's language (public)",
        description="Filters `category`, `date_after`, `date_before`, `location`, `upcoming`, "
        "`search`; `ordering` by `starts_at` (seed 004: `date`), `price_points`, `title`, "
        "`capacity`.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["events"])
class EventDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="One event (public)", responses={200: s.EventSerializer})
    def get(self, request: Request, pk: int) -> Response:
        page = selectors.event_get(event_id=pk)
        return Response(s.EventSerializer(page, context=_context(request, [page])).data)


def _booking_response(booking: EventBooking, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.booking_list(user=booking.member).get(pk=booking.pk)
    return Response(s.BookingSerializer(fresh).data, status=code)


class EventBookView(APIView):
    @extend_schema(
        summary="Book a seat (or join the waiting list)",
        description=BOOK_DESCRIPTION,
        request=s.BookInputSerializer,
        responses={201: s.BookingSerializer, 409: BOOK_CONFLICT},
        tags=["events"],
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.event_get(event_id=pk)
        s.BookInputSerializer(data=request.data).is_valid(raise_exception=True)
        booking = services.event_book(event=event, member=_member(request))
        return _booking_response(booking, status.HTTP_201_CREATED)


class EventBookAliasView(APIView):
    @extend_schema(
        summary="Book a seat, the event named in the body (seed 004's `events/book/`)",
        description=BOOK_DESCRIPTION,
        request=s.BookAliasInputSerializer,
        responses={
            201: s.BookingSerializer,
            404: error_response("No published event has this `event_id`."),
            409: BOOK_CONFLICT,
        },
        tags=["events"],
        operation_id="events_book_by_body",
    )
    def post(self, request: Request) -> Response:
        data = s.BookAliasInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = selectors.event_get(event_id=data.validated_data["event_id"])
        booking = services.event_book(event=event, member=_member(request))
        return _booking_response(booking, status.HTTP_201_CREATED)


class EventCancelBookingView(APIView):
    @extend_schema(
        summary="Cancel the caller's booking; a freed seat goes to the first waiting member",
        description="Refund of a paid seat by the cancellation policy (`EVENT_CANCELLATION_"
        "POLICY`): full until 24 h before the start, half until 2 h before, none after.",
        request=None,
        responses={
            200: s.CancelResultSerializer,
            409: error_response("`event_closed`: the event has already started."),
        },
        tags=["events"],
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.event_get(event_id=pk)
        outcome = services.event_booking_cancel(event=event, member=_member(request))
        assert outcome.booking is not None  # noqa: S101 - a cancel always returns its booking
        fresh = selectors.booking_list(user=_member(request)).get(pk=outcome.booking.pk)
        return Response(
            {"booking": s.BookingSerializer(fresh).data, "refunded_points": outcome.refunded}
        )


class EventMessageAttendeesView(APIView):
    @extend_schema(
        summary="The host's group thread with every confirmed attendee (host only)",
        description="Opens (or reuses) the event's thread in messaging, adds members who booked "
        "since, and posts `content` when given. Read and answer it under `messages/{thread_id}/`.",
        request=s.MessageAttendeesInputSerializer,
        responses={200: s.ThreadRefSerializer},
        tags=["events"],
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.event_get(event_id=pk)
        data = s.MessageAttendeesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.event_attendees_thread(
            event=event, host=_member(request), content=data.validated_data.get("content") or None
        )
        return Response({"thread_id": thread.pk, "participants": thread.participants.count()})


@extend_schema(tags=["events"])
class BookingListView(generics.ListAPIView):
    serializer_class = s.BookingSerializer
    filterset_class = BookingFilter
    search_fields = ["event__title"]
    ordering_fields = ["created_at", "event__starts_at"]

    def get_queryset(self) -> QuerySet[EventBooking]:
        if getattr(self, "swagger_fake_view", False):
            return EventBooking.objects.none()
        return selectors.booking_list(user=_member(self.request))

    @extend_schema(summary="The caller's bookings (confirmed, waiting, cancelled)")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
