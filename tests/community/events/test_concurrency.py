"""Real PostgreSQL, real threads: an event's capacity holds however many members book at once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from community.events import services
from community.events.models import EventBooking, EventSeats
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.community.events.factories import make_event
from tests.rewards.factories import funded_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
B = EventBooking.Status


def run_together(work, count: int) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same instant; return the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_thirty_members_race_for_the_last_seat_and_exactly_one_gets_it():
    # given an event with one seat and thirty members
    event = make_event(capacity=1)
    members = [UserFactory() for _ in range(30)]

    # when they all book at the same instant
    results = run_together(lambda i: services.event_book(event=event, member=members[i]).status, 30)

    # then one seat is confirmed and 29 wait, in 29 distinct positions
    assert Counter(results) == Counter({B.CONFIRMED: 1, B.WAITLISTED: 29})
    seats = EventSeats.objects.get(event=event)
    assert (seats.confirmed, seats.waitlisted) == (1, 29)
    positions = list(
        EventBooking.objects.filter(event=event, status=B.WAITLISTED).values_list(
            "position", flat=True
        )
    )
    assert sorted(positions) == list(range(1, 30))


def test_paid_seats_under_a_race_and_cancellations_keep_the_ledger_exact():
    # given a paid event with three seats and twelve funded members
    host = UserFactory()
    event = make_event(host=host, capacity=3, price_points=20)
    members = [funded_user(20) for _ in range(12)]

    # when they all book at once, then the three seated cancel at once
    run_together(lambda i: services.event_book(event=event, member=members[i]), 12)
    seated = [
        booking.member
        for booking in EventBooking.objects.filter(event=event, status=B.CONFIRMED)
        .select_related("member")
        .order_by("pk")
    ]
    cancelled = run_together(
        lambda i: services.event_booking_cancel(event=event, member=seated[i]), len(seated)
    )

    # then three seats are held again, by waiting members, each paid exactly once
    assert len(seated) == 3
    assert not [result for result in cancelled if isinstance(result, Exception)]
    confirmed = EventBooking.objects.filter(event=event, status=B.CONFIRMED)
    assert confirmed.count() == 3
    assert EventSeats.objects.get(event=event).confirmed == 3
    assert sorted(wallet_balance(user=m.member) for m in confirmed.select_related("member")) == [
        0,
        0,
        0,
    ]
    assert sorted(wallet_balance(user=member) for member in seated) == [20, 20, 20]
    call_command("ledger_audit")
