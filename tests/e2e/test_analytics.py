"""In a real browser: an administrator reads the staff analytics in English and in Arabic, takes
a table as CSV, and both pages pass axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from wagtail.users.models import UserProfile

from core import request_timing
from exchanges.models import Swap
from tests.e2e.conftest import outside_playwright_loop
from tests.exchanges.factories import SwapFactory
from tests.marketplace.factories import CategoryFactory, make_offer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(live_server_url):
    with outside_playwright_loop():
        music = CategoryFactory(name_en="Music", name_ar="موسيقى")
        make_offer(category=music)
        SwapFactory(status=Swap.Status.COMPLETED, category=music)
        request_timing.record(name="api_v1:offers-list", method="GET", duration_ns=30_000_000)
        request_timing.flush()


def test_staff_read_the_analytics_in_english_and_arabic(
    new_context, demo_users, figures, axe_check, screenshot
):
    # given an administrator in the admin
    page = new_context(demo_users.admin).new_page()

    # when they open the analytics
    page.goto("/admin/analytics/")

    # then the figures and charts are there, and a table downloads as CSV with a BOM
    assert page.locator('[data-total="offers"]').inner_text() == "1"
    assert page.locator("[data-chart] svg").count() == 7
    assert "api_v1:offers-list" in page.locator('[data-table="latency"]').inner_text()
    with page.expect_download() as download:
        page.locator('[data-csv="categories"]').click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbfCategory,Offers,Swaps")
    axe_check(page)

    # when their admin language is Arabic
    with outside_playwright_loop():
        profile = UserProfile.get_for_user(demo_users.admin)
        profile.preferred_language = "ar"
        profile.save()
    page.goto("/admin/analytics/")

    # then the page reads right to left and still passes axe
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "موسيقى" in page.locator('[data-table="categories"]').inner_text()
    axe_check(page)
    screenshot(page, "admin-analytics-ar")
