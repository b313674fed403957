"""In a real browser: a member books the last seat of an event on its page, a second member lands
on the waiting list; the events pages pass axe in both languages."""

from __future__ import annotations

import pytest

from community.events.models import EventBooking
from community.events.services import event_book
from tests.accounts.factories import UserFactory
from tests.community.events.factories import events_index, make_event, translate_event
from tests.e2e.conftest import outside_playwright_loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
B = EventBooking.Status


@pytest.fixture
def nearly_full(live_server_url):
    """An event with two seats, one taken, in English and Arabic."""
    with outside_playwright_loop():  # bookings notify after commit through async_to_sync
        event = make_event(capacity=2, title="Pottery evening")
        translate_event(event, title="أمسية الفخار")
        event_book(event=event, member=UserFactory())
    return event


def test_the_last_seat_is_booked_and_the_next_member_waits(new_context, nearly_full):
    # given two members on the event's page
    first, second = UserFactory(), UserFactory()
    page = new_context(first).new_page()
    page.goto(nearly_full.url)
    assert "1 of 2 seats left" in page.get_by_test_id("seats").inner_text()

    # when the first books the last seat
    page.get_by_role("button", name="Book").click()
    page.wait_for_load_state()

    # then they see the confirmation and the event is full
    assert "Your seat is booked." in page.locator(".messages").inner_text()
    assert page.get_by_test_id("booking-status").inner_text() == "You have a seat at this event."
    assert "0 of 2 seats left" in page.get_by_test_id("seats").inner_text()

    # when the second member opens the page and joins the waiting list
    other = new_context(second).new_page()
    other.goto(nearly_full.url)
    other.get_by_role("button", name="Join waiting list").click()
    other.wait_for_load_state()

    # then they are number 1 on the waiting list, and nobody holds a third seat
    assert "waiting list (number 1)" in other.get_by_test_id("booking-status").inner_text()
    assert sorted(EventBooking.objects.values_list("status", flat=True)) == [
        B.CONFIRMED,
        B.CONFIRMED,
        B.WAITLISTED,
    ]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_events_pages_pass_axe(new_context, axe_check, nearly_full, lang):
    # given a signed-in member
    page = new_context(UserFactory(), locale=lang).new_page()
    event = nearly_full if lang == "en" else nearly_full.get_translation(events_index("ar").locale)
    for path in [events_index(lang).url, event.url, f"/{lang}/me/events/"]:
        # when the page opens
        page.goto(path)

        # then it is in the right direction and axe finds nothing serious
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        violations = axe_check(page)
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
