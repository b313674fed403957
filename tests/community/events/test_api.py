"""The events API: lists and filters, booking by path and by body, cancel, bookings, the thread."""

from __future__ import annotations

import datetime as dt

import pytest

from community.events.models import EventBooking, EventSeats
from community.events.services import event_book
from messaging.models import Thread
from tests.accounts.factories import UserFactory
from tests.community.events.factories import make_event, translate_event
from tests.conftest import bearer
from tests.marketplace.factories import CategoryFactory
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db
B = EventBooking.Status


@pytest.fixture
def client_as(db):
    from rest_framework.test import APIClient

    def build(user=None, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=bearer(user))
        return client

    return build


def _bookings():
    return sorted(EventBooking.objects.values_list("event_id", "member_id", "status", "position"))


def test_the_list_carries_seed_004_fields_and_filters(client_as):
    # given
    design = CategoryFactory(slug="design")
    soon = make_event(capacity=10, price_points=5, category=design, location="Alexandria")
    make_event(starts_in=dt.timedelta(days=30), location="Cairo")
    event_book(event=soon, member=funded_user(5))
    # when
    response = client_as().get(
        "/api/v1/events/", {"category": "design", "location": "alex", "date_after": "2000-01-01"}
    )
    # then
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert {
        key: row[key] for key in ("id", "capacity", "registered_count", "price", "seats_left")
    } == {
        "id": soon.pk,
        "capacity": 10,
        "registered_count": 1,
        "price": "5.00",
        "seats_left": 9,
    }
    assert row["date"] == row["starts_at"]
    assert row["my_booking"] is None
    assert row["online_url"] is None


def test_the_list_is_a_constant_number_of_queries(client_as, django_assert_max_num_queries):
    # given
    member = UserFactory()
    client = client_as(member)
    for _ in range(3):
        event_book(event=make_event(), member=member)
    client.get("/api/v1/events/")  # warm the locale cache
    with django_assert_max_num_queries(12) as few:
        client.get("/api/v1/events/")
    for _ in range(6):
        translate_event(make_event())
    # when
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/events/")
    # then
    assert response.json()["count"] == 9


def test_arabic_callers_get_the_arabic_translation(client_as):
    # given
    event = make_event()
    arabic = translate_event(event, title="ورشة")
    # when
    response = client_as(language="ar").get("/api/v1/events/")
    # then
    assert [(row["id"], row["title"], row["locale"]) for row in response.json()["results"]] == [
        (arabic.pk, "ورشة", "ar")
    ]


def test_booking_by_path_and_by_seed_body_hold_one_seat_each(client_as):
    # given
    event = make_event(capacity=1)
    first, second = UserFactory(), UserFactory()
    # when
    by_path = client_as(first).post(f"/api/v1/events/{event.pk}/book")
    by_body = client_as(second).post(
        "/api/v1/events/book/",
        {"event_id": event.pk, "payment_method_id": "pm_1234567890"},
        format="json",
    )
    # then
    assert (by_path.status_code, by_path.json()["status"]) == (201, "confirmed")
    assert (by_body.status_code, by_body.json()["status"], by_body.json()["position"]) == (
        201,
        "waitlisted",
        1,
    )


def test_an_unknown_body_field_is_a_400_that_changes_nothing(client_as):
    event = make_event()
    response = client_as(UserFactory()).post(
        "/api/v1/events/book/", {"event_id": event.pk, "seats": 2}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"seats": ["This field is not known."]}
    assert _bookings() == []


def test_booking_without_points_is_a_409_in_arabic_and_changes_nothing(client_as):
    # given
    event = make_event(price_points=50)
    member = funded_user(10)
    before = (_bookings(), balances())
    # when
    response = client_as(member, "ar").post(f"/api/v1/events/{event.pk}/book")
    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_balance"
    assert response["Content-Language"] == "ar"
    assert (_bookings(), balances()) == before


def test_booking_twice_is_a_409_already_booked(client_as):
    event = make_event()
    member = UserFactory()
    client = client_as(member)
    client.post(f"/api/v1/events/{event.pk}/book")
    before = _bookings()
    response = client.post(f"/api/v1/events/{event.pk}/book")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_booked")
    assert _bookings() == before


def test_cancel_frees_the_seat_for_the_waiting_member(client_as):
    # given
    event = make_event(capacity=1, price_points=10)
    holder, waiting = funded_user(10), funded_user(10)
    event_book(event=event, member=holder)
    event_book(event=event, member=waiting)
    # when
    response = client_as(holder).post(f"/api/v1/events/{event.pk}/cancel-booking")
    # then
    assert response.status_code == 200
    assert (response.json()["booking"]["status"], response.json()["refunded_points"]) == (
        "cancelled",
        10,
    )
    assert EventBooking.objects.get(member=waiting).status == B.CONFIRMED
    assert EventSeats.objects.get(event=event).confirmed == 1


def test_the_member_lists_their_bookings(client_as):
    member = UserFactory()
    first, second = make_event(), make_event(starts_in=dt.timedelta(days=9))
    event_book(event=first, member=member)
    event_book(event=second, member=member)
    event_book(event=make_event(), member=UserFactory())
    response = client_as(member).get("/api/v1/events/bookings/", {"status": "confirmed"})
    assert [row["event"]["id"] for row in response.json()["results"]] == [second.pk, first.pk]


def test_the_online_link_is_for_confirmed_members_and_the_host(client_as):
    host, seated, stranger = UserFactory(), UserFactory(), UserFactory()
    event = make_event(host=host, online_url="https://meet.example.test/abc", venue="")
    event_book(event=event, member=seated)
    links = [
        client_as(user).get(f"/api/v1/events/{event.pk}/").json()["online_url"]
        for user in (host, seated, stranger, None)
    ]
    assert links == ["https://meet.example.test/abc", "https://meet.example.test/abc", None, None]


def test_the_host_messages_every_attendee_in_one_thread(client_as):
    # given
    host, first, second = UserFactory(), UserFactory(), UserFactory()
    event = make_event(host=host)
    event_book(event=event, member=first)
    event_book(event=event, member=second)
    # when
    response = client_as(host).post(
        f"/api/v1/events/{event.pk}/message-attendees", {"content": "See you!"}, format="json"
    )
    # then
    assert response.status_code == 200
    thread = Thread.objects.get(pk=response.json()["thread_id"])
    assert set(thread.participants.values_list("user_id", flat=True)) == {
        host.pk,
        first.pk,
        second.pk,
    }
    assert thread.messages.get().content == "See you!"


def test_an_attendee_cannot_message_everyone(client_as):
    event = make_event()
    member = UserFactory()
    event_book(event=event, member=member)
    response = client_as(member).post(f"/api/v1/events/{event.pk}/message-attendees")
    assert response.status_code == 403
    assert Thread.objects.count() == 0


def test_a_far_future_date_filter_is_a_400(client_as):
    response = client_as().get("/api/v1/events/", {"date_before": "9999-12-31"})
    assert response.status_code == 400
    assert "date_before" in response.json()["error"]["fields"]
