"""In a real browser: the leaderboard's tabs work as links, a member ranked off the page sees
their own rank pinned under the table, and the page passes axe in English and Arabic."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import User
from rewards import leaderboard_views
from rewards.leaderboard import leaderboard_on_events
from rewards.models import ActivityEvent, Counter
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ranked(live_server_url, settings, monkeypatch) -> list[User]:
    """Three members with 3, 2 and 1 sessions taught; two rows a page."""
    settings.LEADERBOARD_BACKEND = "table"
    monkeypatch.setattr(leaderboard_views, "PAGE_SIZE", 2)
    people = [UserFactory(first_name=first, last_name="Lee") for first in ("Ann", "Badr", "Chen")]
    now = timezone.now()
    events = [
        ActivityEvent.objects.create(
            user=person,
            counter=Counter.SESSIONS_TAUGHT,
            source=f"swap:{index}",
            amount=3 - index,
            occurred_at=now,
        )
        for index, person in enumerate(people)
    ]
    leaderboard_on_events(events)
    return people


def test_a_member_off_the_page_sees_their_rank_in_both_languages(new_context, axe_check, ranked):
    # given Chen, ranked third, on the first page of two rows
    page = new_context(ranked[2]).new_page()
    page.goto("/en/leaderboard/")

    # then the two leaders show, and Chen's own rank is pinned under the table
    rows = page.locator("table.lb-table tbody tr")
    assert rows.count() == 2
    assert "Ann Lee" in rows.nth(0).inner_text()
    pinned = page.locator("tr.lb-me-pinned")
    assert "Your rank" in pinned.inner_text()
    assert pinned.locator("td").first.inner_text().strip() == "3"
    axe_check(page)

    # when Chen opens the reviews tab (a plain link)
    page.get_by_role("link", name="Reviews").click()
    page.wait_for_url("**/en/leaderboard/?metric=reviews&period=all")

    # then nobody is ranked there yet
    assert "Nobody is ranked here yet." in page.locator("main").inner_text()

    # when Chen reads the Arabic page
    page.goto("/ar/leaderboard/")

    # then it is right to left, with the same pinned rank
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("tr.lb-me-pinned td").first.inner_text().strip() == "3"
    axe_check(page)
