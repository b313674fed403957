"""The events demo: both locales, one nearly full, one paid, one past; a second run adds nothing."""

from __future__ import annotations

import io

import pytest

from community.events import demo
from community.events.models import EventBooking, EventPage
from demo.context import DemoContext
from tests.cms.factories import ensure_home_pages
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_events_in_both_languages_and_is_idempotent():
    # given
    ensure_home_pages()
    members = [funded_user(50) for _ in range(8)]
    context = DemoContext(users=8, stdout=io.StringIO(), objects={"members": members})
    # when
    demo.seed(context)
    first = (EventPage.objects.count(), EventBooking.objects.count())
    demo.seed(context)
    # then
    assert first == (6, 12)
    assert (EventPage.objects.count(), EventBooking.objects.count()) == first
    assert set(EventPage.objects.values_list("locale__language_code", flat=True)) == {"en", "ar"}
    jam = EventPage.objects.get(slug="guitar-jam-night", locale__language_code="en")
    assert (jam.capacity, jam.seats.confirmed) == (6, 5)
    workshop = EventPage.objects.get(slug="python-workshop", locale__language_code="en")
    assert workshop.price_points == 15
    assert workshop.bookings.filter(points_held=15).count() == 3
    assert EventPage.objects.get(slug="calligraphy-open-studio", locale__language_code="en").is_past
