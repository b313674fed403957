"""Input and output serializers of the events API (seed 004's ``date``, ``registered_count``,
``price`` beside the canonical names; docs/api.md, "Seed aliases")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.events.models import EventBooking, EventPage
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

BOOKING_STATUSES = EventBooking.Status


class HostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")


class EventCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class MyBookingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BOOKING_STATUSES.choices)
    position = serializers.IntegerField(allow_null=True)


def _source(serializer: serializers.Serializer, page: EventPage) -> EventPage:
    return serializer.context.get("sources", {}).get(page.pk, page)


class EventSerializer(serializers.Serializer):
    """One event in the caller's language; seats and price are the event's (its source page)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.SerializerMethodField(help_text="Sanitised HTML (rich text).")
    url = serializers.SerializerMethodField()
    locale = serializers.SerializerMethodField()
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    date = serializers.SerializerMethodField(help_text="Seed 004's name of `starts_at`.")
    capacity = serializers.SerializerMethodField()
    registered_count = serializers.SerializerMethodField(help_text="Confirmed seats.")
    waitlist_count = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()
    price_points = serializers.SerializerMethodField(help_text="0 means free.")
    price = serializers.SerializerMethodField(
        help_text="Seed 004's price: the price in points as a decimal string (`5.00`)."
    )
    is_free = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    host = serializers.SerializerMethodField()
    is_online = serializers.SerializerMethodField()
    online_url = serializers.SerializerMethodField(
        help_text="Only for the host and members with a confirmed seat; null otherwise."
    )
    venue = serializers.CharField()
    location = serializers.CharField()
    is_past = serializers.SerializerMethodField()
    is_cancelled = serializers.SerializerMethodField()
    my_booking = serializers.SerializerMethodField()

    def _seats(self, page: EventPage) -> Any:
        return getattr(_source(self, page), "seats", None)

    def get_description(self, page: EventPage) -> str:
        from wagtail.rich_text import expand_db_html

        return expand_db_html(page.description or "")

    def get_url(self, page: EventPage) -> str:
        return page.get_url() or ""

    def get_locale(self, page: EventPage) -> str:
        return page.locale.language_code

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, page: EventPage) -> str:
        return serializers.DateTimeField().to_representation(_source(self, page).starts_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, page: EventPage) -> str:
        return serializers.DateTimeField().to_representation(_source(self, page).ends_at)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_date(self, page: EventPage) -> str:
        return self.get_starts_at(page)

    def get_capacity(self, page: EventPage) -> int:
        return _source(self, page).capacity

    def get_registered_count(self, page: EventPage) -> int:
        seats = self._seats(page)
        return seats.confirmed if seats else 0

    def get_waitlist_count(self, page: EventPage) -> int:
        seats = self._seats(page)
        return seats.waitlisted if seats else 0

    def get_seats_left(self, page: EventPage) -> int:
        return max(self.get_capacity(page) - self.get_registered_count(page), 0)

    def get_price_points(self, page: EventPage) -> int:
        return _source(self, page).price_points

    def get_price(self, page: EventPage) -> str:
        return f"{_source(self, page).price_points}.00"

    def get_is_free(self, page: EventPage) -> bool:
        return not _source(self, page).price_points

    @extend_schema_field(EventCategorySerializer(allow_null=True))
    def get_category(self, page: EventPage) -> dict | None:
        category = _source(self, page).category
        if category is None:
            return None
        return {"id": category.pk, "name": category.name, "slug": category.slug}

    @extend_schema_field(HostSerializer)
    def get_host(self, page: EventPage) -> dict:
        return HostSerializer(_source(self, page).host).data

    def get_is_online(self, page: EventPage) -> bool:
        return bool(page.online_url)

    @extend_schema_field(OpenApiTypes.URI)
    def get_online_url(self, page: EventPage) -> str | None:
        source = _source(self, page)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not page.online_url or user is None or not user.is_authenticated:
            return None
        booking = self.context.get("bookings", {}).get(source.pk)
        if source.host_id == user.pk or (
            booking is not None and booking.status == BOOKING_STATUSES.CONFIRMED
        ):
            return page.online_url
        return None

    def get_is_past(self, page: EventPage) -> bool:
        return _source(self, page).is_past

    def get_is_cancelled(self, page: EventPage) -> bool:
        seats = self._seats(page)
        return bool(seats and seats.cancelled_at)

    @extend_schema_field(MyBookingSerializer(allow_null=True))
    def get_my_booking(self, page: EventPage) -> dict | None:
        booking = self.context.get("bookings", {}).get(_source(self, page).pk)
        if booking is None:
            return None
        return {"id": booking.pk, "status": booking.status, "position": booking.position}


class BookedEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()

    def get_url(self, page: EventPage) -> str:
        return page.get_url() or ""


class BookingSerializer(serializers.ModelSerializer):
    event = BookedEventSerializer()
    position = serializers.IntegerField(allow_null=True, read_only=True)
    confirmed_at = serializers.DateTimeField(allow_null=True, read_only=True)
    cancelled_at = serializers.DateTimeField(allow_null=True, read_only=True)

    class Meta:
        model = EventBooking
        fields = [
            "id",
            "event",
            "status",
            "position",
            "points_held",
            "points_refunded",
            "created_at",
            "confirmed_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class CancelResultSerializer(serializers.Serializer):
    booking = BookingSerializer()
    refunded_points = serializers.IntegerField()


class BookInputSerializer(InputSerializer):
    """``POST events/{id}/book``: no body needed."""

    payment_method_id = CleanCharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Seed 004's field; accepted and not used: seats are paid in points from the "
        "caller's wallet.",
    )


class BookAliasInputSerializer(BookInputSerializer):
    """``POST events/book/`` (seed 004): the event in the body."""

    event_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class MessageAttendeesInputSerializer(InputSerializer):
    content = CleanCharField(
        required=False, allow_blank=True, max_length=4000, help_text="Posted in the thread."
    )


class ThreadRefSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField()
    participants = serializers.IntegerField()
