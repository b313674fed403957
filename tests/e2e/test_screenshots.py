"""Screenshots of the main pages in both languages and two widths, and the Arabic mirror check.

The PNGs land in var/screenshots/ (never committed): ``<page>-<lang>-<desktop|mobile>.png``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from exchanges import services as exchange_services
from tests.e2e.conftest import outside_playwright_loop
from tests.marketplace.factories import SlotFactory, make_expert, make_offer

pytestmark = pytest.mark.e2e

# 00:00 to 00:00 is the whole day (an end at midnight means 24:00), so a session starting a few
# minutes from now is bookable at any hour, also across midnight.
ALL_DAY = (dt.time(0, 0), dt.time(0, 0))

LANGUAGES = ("en", "ar")
VIEWPORTS = ("desktop", "mobile")


@pytest.fixture
def site_data(live_server_url, demo_users):
    """An Arabic offer by the expert, and an accepted video swap of the member due now."""
    expert = make_expert(demo_users.expert)
    for day in range(7):
        SlotFactory(user=expert, day_of_week=day, start_time=ALL_DAY[0], end_time=ALL_DAY[1])
    offer = make_offer(
        owner=expert,
        title="دروس برمجة بلغة بايثون",
        description="أساسيات البرمجة خطوة بخطوة.",
        language="ar",
    )
    # Services with after-commit broadcasts call async_to_sync: outside Playwright's loop.
    with outside_playwright_loop():
        swap = exchange_services.swap_create(
            requester=demo_users.member,
            offer=offer,
            scheduled_start=timezone.now() + dt.timedelta(minutes=5),
        )
        exchange_services.swap_accept(swap=swap, actor=expert)
        call, _created = exchange_services.video_call_create(swap=swap, actor=demo_users.member)
    return {"offer": offer, "expert": expert, "call": call}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_the_main_pages(
    new_context, demo_users, site_data, screenshot, console_errors, language, viewport
):
    # given the member signed in, in this language and width
    page = new_context(demo_users.member, locale=language, viewport=viewport).new_page()
    errors = console_errors(page)
    pages = {
        "home": f"/{language}/",
        "offer": f"/{language}/offers/{site_data['offer'].pk}/",
        "profile": f"/{language}/people/{site_data['expert'].pk}/",
        "dashboard": f"/{language}/me/",
        "call": f"/{language}/calls/{site_data['call'].pk}/",
    }

    # when each page is opened and photographed
    statuses = {}
    for name, path in pages.items():
        response = page.goto(path)
        statuses[name] = response.status if response else None
        page.wait_for_load_state("networkidle")
        screenshot(page, f"{name}-{language}-{viewport}")

    # then every page answered 200 in the right direction, with no console error
    assert statuses == dict.fromkeys(pages, 200)
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert errors == []


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_arabic_navigation_is_mirrored(new_context, live_server_url, viewport):
    # given an anonymous visitor in Arabic
    page = new_context(locale="ar", viewport=viewport).new_page()

    # when the home page opens
    page.goto("/ar/")

    # then the main navigation's first item sits to the right of its last item
    items = page.get_by_role("navigation").first.get_by_role("listitem")
    first, last = items.first.bounding_box(), items.last.bounding_box()
    assert first is not None, "the navigation items are not laid out"
    assert last is not None, "the navigation items are not laid out"
    if viewport == "desktop" or first["y"] == last["y"]:
        assert first["x"] > last["x"]
    else:
        # a wrapped or stacked menu at 360 px: the first item's right edge is the rightmost
        assert first["x"] + first["width"] >= last["x"] + last["width"]


def test_english_navigation_is_not_mirrored(new_context, live_server_url):
    # given an anonymous visitor in English
    page = new_context(locale="en").new_page()

    # when the home page opens
    page.goto("/en/")

    # then the main navigation's first item sits to the left of its last item
    items = page.get_by_role("navigation").first.get_by_role("listitem")
    assert items.first.bounding_box()["x"] < items.last.bounding_box()["x"]
