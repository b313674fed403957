"""Seed 004 ("HumanLink"), events: ``GET events/`` and ``POST events/book/`` as the document
writes them (docs/api.md, "Seed aliases")."""

from __future__ import annotations

import pytest

from community.events.models import EventBooking
from tests.community.events.factories import make_event
from tests.seeds.helpers import body, items, url

pytestmark = pytest.mark.django_db


def test_list_group_events_with_the_documented_filters(client_for, member):
    # given
    event = make_event(capacity=10, price_points=5, location="Cairo")
    # when
    response = client_for(member).get(
        url("events/"), {"category": "", "date_after": "2023-01-01", "location": "Cairo"}
    )
    # then
    assert response.status_code == 200
    (row,) = items(response)
    assert {key: row[key] for key in ("id", "title", "capacity", "registered_count", "price")} == {
        "id": event.pk,
        "title": event.title,
        "capacity": 10,
        "registered_count": 0,
        "price": "5.00",
    }
    assert row["date"] == event.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "description" in row


def test_book_event_ticket_with_the_documented_body(client_for, member):
    # given
    event = make_event(capacity=10)
    # when
    response = client_for(member).post(
        url("events/book/"),
        {"event_id": event.pk, "payment_method_id": "pm_1234567890"},
        format="json",
    )
    # then
    assert response.status_code == 201
    assert body(response)["status"] == "confirmed"
    assert EventBooking.objects.filter(event=event, member=member).count() == 1
