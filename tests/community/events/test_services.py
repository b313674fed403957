"""Booking services: seats, the waiting list, promotion, refunds by the policy, the payout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from community.events import services
from community.events.models import EventBooking, EventSeats
from core.exceptions import Conflict, Forbidden, NotFound
from messaging.models import Notification
from rewards.selectors import wallet_balance
from rewards.services import InsufficientBalance
from tests.accounts.factories import UserFactory
from tests.community.events.factories import make_event, translate_event
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db
B = EventBooking.Status


def _state(event):
    return (
        list(
            EventBooking.objects.filter(event=event).values_list("member_id", "status", "position")
        ),
        EventSeats.objects.filter(event=event).values_list("confirmed", "waitlisted").first(),
        balances(),
    )


def test_a_free_seat_is_confirmed_and_counted(django_capture_on_commit_callbacks):
    # given
    event = make_event(capacity=2)
    member = UserFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.event_book(event=event, member=member)
    # then
    assert (booking.status, booking.position, booking.points_held) == (B.CONFIRMED, None, 0)
    assert EventSeats.objects.get(event=event).confirmed == 1
    assert (
        Notification.objects.filter(recipient=member, kind="event_booking_confirmed").count() == 1
    )


def test_a_full_event_puts_the_booker_on_the_waiting_list_in_order():
    # given
    event = make_event(capacity=1)
    services.event_book(event=event, member=UserFactory())
    # when
    first = services.event_book(event=event, member=UserFactory())
    second = services.event_book(event=event, member=UserFactory())
    # then
    assert [(first.status, first.position), (second.status, second.position)] == [
        (B.WAITLISTED, 1),
        (B.WAITLISTED, 2),
    ]
    seats = EventSeats.objects.get(event=event)
    assert (seats.confirmed, seats.waitlisted) == (1, 2)


def test_booking_twice_is_refused_and_changes_nothing():
    # given
    event = make_event()
    member = UserFactory()
    services.event_book(event=event, member=member)
    before = _state(event)
    # when
    with pytest.raises(Conflict) as error:
        services.event_book(event=event, member=member)
    # then
    assert error.value.code == "already_booked"
    assert _state(event) == before


def test_the_arabic_page_books_the_same_seats_as_the_english_one():
    # given
    event = make_event(capacity=1)
    arabic = translate_event(event)
    services.event_book(event=event, member=UserFactory())
    # when
    booking = services.event_book(event=arabic, member=UserFactory())
    # then
    assert (booking.event_id, booking.status) == (event.pk, B.WAITLISTED)


def test_the_host_and_a_past_event_are_refused():
    # given
    host = UserFactory()
    event = make_event(host=host)
    past = make_event(starts_in=dt.timedelta(hours=-3))
    before = (_state(event), _state(past))
    # when / then
    with pytest.raises(Forbidden):
        services.event_book(event=event, member=host)
    with pytest.raises(Conflict) as error:
        services.event_book(event=past, member=UserFactory())
    assert error.value.code == "event_closed"
    assert (_state(event), _state(past)) == before


def test_a_paid_seat_holds_the_price_in_escrow():
    # given
    event = make_event(price_points=30)
    member = funded_user(100)
    # when
    booking = services.event_book(event=event, member=member)
    # then
    assert booking.points_held == 30
    assert wallet_balance(user=member) == 70


def test_a_paid_seat_without_the_points_is_refused_and_changes_nothing():
    # given
    event = make_event(price_points=30)
    member = funded_user(10)
    before = _state(event)
    # when
    with pytest.raises(InsufficientBalance):
        services.event_book(event=event, member=member)
    # then
    assert _state(event) == before


def test_cancelling_a_seat_promotes_the_first_waiting_member(django_capture_on_commit_callbacks):
    # given
    event = make_event(capacity=1)
    holder, first, second = UserFactory(), UserFactory(), UserFactory()
    services.event_book(event=event, member=holder)
    services.event_book(event=event, member=first)
    services.event_book(event=event, member=second)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.event_booking_cancel(event=event, member=holder)
    # then
    assert [b.member_id for b in outcome.promoted] == [first.pk]
    assert dict(EventBooking.objects.filter(event=event).values_list("member_id", "status")) == {
        holder.pk: B.CANCELLED,
        first.pk: B.CONFIRMED,
        second.pk: B.WAITLISTED,
    }
    seats = EventSeats.objects.get(event=event)
    assert (seats.confirmed, seats.waitlisted) == (1, 1)
    assert Notification.objects.filter(recipient=first, kind="event_promoted").count() == 1


def test_a_waiting_member_who_cannot_pay_is_skipped_and_told(django_capture_on_commit_callbacks):
    # given
    event = make_event(capacity=1, price_points=20)
    holder, poor, rich = funded_user(20), funded_user(0), funded_user(50)
    services.event_book(event=event, member=holder)
    services.event_book(event=event, member=poor)
    services.event_book(event=event, member=rich)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.event_booking_cancel(event=event, member=holder)
    # then
    assert [b.member_id for b in outcome.promoted] == [rich.pk]
    assert [b.member_id for b in outcome.skipped] == [poor.pk]
    assert EventBooking.objects.get(event=event, member=poor).status == B.WAITLISTED
    assert wallet_balance(user=rich) == 30
    assert Notification.objects.filter(recipient=poor, kind="event_promotion_skipped").count() == 1


@pytest.mark.parametrize(
    ("hours_before", "refund"), [(48, 40), (10, 20), (1, 0)], ids=["full", "half", "none"]
)
def test_cancellation_refunds_by_the_policy(hours_before, refund):
    # given
    event = make_event(price_points=40, starts_in=dt.timedelta(days=5))
    member = funded_user(40)
    services.event_book(event=event, member=member)
    now = event.starts_at - dt.timedelta(hours=hours_before)
    # when
    outcome = services.event_booking_cancel(event=event, member=member, now=now)
    # then
    assert outcome.refunded == refund
    assert wallet_balance(user=member) == refund


def test_cancelling_without_a_booking_is_a_404():
    event = make_event()
    with pytest.raises(NotFound):
        services.event_booking_cancel(event=event, member=UserFactory())


def test_the_host_is_paid_after_the_event_and_the_ledger_audits_clean():
    # given
    host = UserFactory()
    event = make_event(host=host, capacity=2, price_points=25, starts_in=dt.timedelta(days=3))
    stays, leaves_late = funded_user(25), funded_user(25)
    services.event_book(event=event, member=stays)
    services.event_book(event=event, member=leaves_late)
    services.event_booking_cancel(
        event=event, member=leaves_late, now=event.starts_at - dt.timedelta(hours=10)
    )
    # when
    after = event.ends_at + dt.timedelta(minutes=1)
    paid = services.events_payout_due(now=after)
    again = services.event_payout(event=event, now=after)
    # then
    assert (paid, again) == (1, 0)
    assert wallet_balance(user=host) == 25 + 13
    assert wallet_balance(user=leaves_late) == 12
    call_command("ledger_audit")


def test_cancelling_the_event_refunds_everyone_in_full(django_capture_on_commit_callbacks):
    # given
    event = make_event(capacity=1, price_points=15)
    seated, waiting = funded_user(15), funded_user(15)
    services.event_book(event=event, member=seated)
    services.event_book(event=event, member=waiting)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = services.event_cancel(event=event, by=UserFactory(is_staff=True))
    # then
    assert count == 2
    assert wallet_balance(user=seated) == 15
    assert set(EventBooking.objects.filter(event=event).values_list("status", flat=True)) == {
        B.CANCELLED
    }
    assert Notification.objects.filter(kind="event_cancelled").count() == 2


def test_a_larger_capacity_published_by_an_editor_seats_the_waiting_list(
    django_capture_on_commit_callbacks,
):
    # given
    event = make_event(capacity=1)
    services.event_book(event=event, member=UserFactory())
    first, second = UserFactory(), UserFactory()
    services.event_book(event=event, member=first)
    services.event_book(event=event, member=second)
    # when
    event.capacity = 2
    with django_capture_on_commit_callbacks(execute=True):
        event.save_revision().publish()
    # then
    assert dict(
        EventBooking.objects.filter(member__in=[first, second]).values_list("member_id", "status")
    ) == {first.pk: B.CONFIRMED, second.pk: B.WAITLISTED}
    assert EventSeats.objects.get(event=event).confirmed == 2
