"""Event pages, the booking forms without JavaScript, my events, the calendar feed, the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from icalendar import Calendar

from community.events.models import EventBooking, EventSeats
from community.events.services import event_book
from exchanges.ics import feed_token
from exchanges.models import CalendarFeed
from tests.accounts.factories import UserFactory
from tests.community.events.factories import events_index, make_event, translate_event
from tests.rewards.factories import balances, funded_user, granter

pytestmark = pytest.mark.django_db
B = EventBooking.Status


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_index_lists_upcoming_events_with_seats_left():
    # given
    event = make_event(capacity=3, title="Pottery evening")
    make_event(title="Long gone", starts_in=dt.timedelta(days=-2))
    event_book(event=event, member=UserFactory())
    # when
    response = Client().get(events_index("en").url)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pottery evening" in html
    assert "Long gone" not in html
    assert "2 seats left" in html


def test_the_index_is_a_constant_number_of_queries(django_assert_max_num_queries):
    # given
    make_event()
    url = events_index("en").url
    client = Client()
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(8):
        make_event()
    # when / then
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_arabic_index_shows_the_arabic_titles_right_to_left():
    event = make_event()
    translate_event(event, title="أمسية فخار")
    response = Client().get(events_index("ar").url)
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "أمسية فخار" in html


def test_a_member_books_the_last_seat_from_the_page_without_javascript():
    # given
    event = make_event(capacity=1)
    first, second = UserFactory(), UserFactory()
    # when
    booked = _signed_in(first).post(f"/en/me/events/{event.pk}/book/", follow=True)
    waiting = _signed_in(second).post(f"/en/me/events/{event.pk}/book/", follow=True)
    # then
    assert "Your seat is booked." in booked.content.decode()
    assert "You have a seat at this event." in booked.content.decode()
    assert "number 1 on the waiting list" in waiting.content.decode()
    assert sorted(EventBooking.objects.values_list("member_id", "status")) == sorted(
        [(first.pk, B.CONFIRMED), (second.pk, B.WAITLISTED)]
    )


def test_a_refused_booking_shows_why_in_arabic_and_changes_nothing():
    # given
    event = make_event(price_points=40)
    arabic = translate_event(event)
    member = funded_user(5, language="ar")
    before = (list(EventBooking.objects.values_list("pk")), balances())
    # when
    response = _signed_in(member).post(f"/ar/me/events/{arabic.pk}/book/", follow=True)
    # then
    assert response.status_code == 200
    assert 'class="notice notice-error"' in response.content.decode()
    assert (list(EventBooking.objects.values_list("pk")), balances()) == before


def test_cancel_from_the_page_gives_the_seat_to_the_waiting_member():
    event = make_event(capacity=1)
    holder, waiting = UserFactory(), UserFactory()
    event_book(event=event, member=holder)
    event_book(event=event, member=waiting)
    response = _signed_in(holder).post(f"/en/me/events/{event.pk}/cancel/", follow=True)
    assert "Your booking is cancelled." in response.content.decode()
    assert EventBooking.objects.get(member=waiting).status == B.CONFIRMED


def test_the_host_opens_the_attendees_thread_from_the_page():
    host, member = UserFactory(), UserFactory()
    event = make_event(host=host)
    event_book(event=event, member=member)
    response = _signed_in(host).post(
        f"/en/me/events/{event.pk}/message/", {"content": "Bring a notebook"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/en/me/messages/")


def test_my_events_lists_bookings_in_constant_queries(django_assert_max_num_queries):
    # given
    member = UserFactory()
    client = _signed_in(member)
    event_book(event=make_event(title="First talk"), member=member)
    client.get("/en/me/events/")
    with django_assert_max_num_queries(40) as few:
        client.get("/en/me/events/")
    for _ in range(5):
        event_book(event=make_event(), member=member)
    # when
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/en/me/events/")
    # then
    assert "First talk" in response.content.decode()


def test_confirmed_seats_are_in_the_calendar_feed():
    # given
    member = UserFactory()
    seated = make_event(title="Seated talk")
    waiting = make_event(title="Waiting talk", capacity=1)
    event_book(event=waiting, member=UserFactory())
    event_book(event=seated, member=member)
    event_book(event=waiting, member=member)
    feed = CalendarFeed.objects.create(user=member)
    # when
    response = Client().get("/api/v1/calendar.ics", {"token": feed_token(feed)})
    # then
    calendar = Calendar.from_ical(response.content)
    summaries = [str(item["summary"]) for item in calendar.walk("VEVENT")]
    assert summaries == ["Seated talk"]


def test_staff_see_the_bookings_screen_and_cancel_an_event():
    # given
    admin = granter()
    event = make_event(price_points=10)
    member = funded_user(10)
    event_book(event=event, member=member)
    client = _signed_in(admin)
    # when
    listing = client.get("/admin/community_event_bookings/")
    cancelled = client.post(f"/admin/community_event_bookings/cancel-event/{event.pk}/")
    # then
    assert listing.status_code == 200
    assert cancelled.status_code == 302
    assert EventBooking.objects.get(member=member).status == B.CANCELLED
    assert EventSeats.objects.get(event=event).cancelled_at is not None


def test_a_member_cannot_cancel_an_event_in_the_admin():
    event = make_event()
    member = UserFactory(is_staff=True)
    response = _signed_in(member).post(f"/admin/community_event_bookings/cancel-event/{event.pk}/")
    assert response.status_code in (302, 403)
    assert EventSeats.objects.filter(event=event, cancelled_at__isnull=False).count() == 0
