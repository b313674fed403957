"""An event that took place (its payout ran, it was not cancelled) counts as hosted, once."""

from __future__ import annotations

import datetime as dt

import pytest

from community.events import selectors, services
from rewards.models import ActivityCounter, ActivityEvent
from tests.accounts.factories import UserFactory
from tests.community.events.factories import make_event

pytestmark = pytest.mark.django_db


def hosted(user) -> int | None:
    return (
        ActivityCounter.objects.filter(user=user, counter="events_hosted")
        .values_list("value", flat=True)
        .first()
    )


def test_the_payout_of_an_event_that_took_place_counts_it_once_for_its_host():
    # given a booked free event that ended
    host = UserFactory()
    event = make_event(host=host, starts_in=dt.timedelta(days=2))
    services.event_book(event=event, member=UserFactory())
    after = event.ends_at + dt.timedelta(minutes=1)

    # when the payout runs from beat and again by hand
    assert services.events_payout_due(now=after) == 1
    services.event_payout(event=event, now=after)

    # then
    assert hosted(host) == 1
    event_row = ActivityEvent.objects.get(user=host)
    assert (event_row.source, event_row.occurred_at) == (f"event:{event.pk}:hosted", event.ends_at)
    assert selectors.activity_events_hosted() == {host.pk: 1}


def test_a_cancelled_event_is_not_hosted():
    # given a booked event that was called off
    host = UserFactory()
    event = make_event(host=host, starts_in=dt.timedelta(days=2))
    services.event_book(event=event, member=UserFactory())
    services.event_cancel(event=event, by=UserFactory(is_staff=True))

    # when its end passes and the payout sweep runs
    services.events_payout_due(now=event.ends_at + dt.timedelta(minutes=1))

    # then
    assert hosted(host) is None
    assert selectors.activity_events_hosted() == {}
