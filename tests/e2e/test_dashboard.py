"""In a real browser: the signed-in home page shows what needs the member's attention, a request
is accepted from it, and the page passes axe in English and in Arabic (right to left)."""

from __future__ import annotations

import pytest

from exchanges.models import Swap
from rewards.models import Tier
from tests.accounts.factories import UserFactory
from tests.dashboards.factories import badge_award, match_with, pending_request, upcoming_session
from tests.exchanges.factories import expert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dashboard_member(live_server_url):
    """Ann: a session tomorrow, a request waiting for her, a gold badge and a suggested match."""
    ann = expert(first_name="Ann", last_name="Lee")
    upcoming_session(ann, hours=26, responder=expert(first_name="Omar", last_name="Haddad"))
    request = pending_request(
        requester=UserFactory(first_name="Lina", last_name="Said"),
        responder=ann,
        title="Teach me calligraphy",
    )
    badge_award(ann, slug="mentor", tier=Tier.GOLD)
    match_with(ann, UserFactory(first_name="Fay", last_name="Nur"), score=85)
    return ann, request


def test_the_dashboard_in_both_languages_and_accepting_a_request(
    new_context, axe_check, dashboard_member
):
    ann, request = dashboard_member
    for language, direction in (("ar", "rtl"), ("en", "ltr")):
        # given Ann, signed in, in this language
        page = new_context(ann, locale=language).new_page()

        # when she opens her home page
        page.goto(f"/{language}/me/")

        # then it is in the right direction, shows her session, request, badge and match, and
        # axe finds nothing serious
        assert page.locator("html").get_attribute("dir") == direction
        main = page.locator("main").inner_text()
        assert "Omar Haddad" in main
        assert "Teach me calligraphy" in main
        assert "Fay Nur" in main
        assert ("شارة mentor" if language == "ar" else "Mentor") in main
        assert (
            page.get_by_role("link", name="Fay Nur")
            .get_attribute("href")
            .startswith(f"/{language}/people/")
        )
        violations = axe_check(page)
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []

    # when she accepts the request from the dashboard (English page still open)
    page.get_by_role("button", name="Accept Teach me calligraphy").click()
    page.wait_for_url(f"**/en/me/swaps/{request.pk}/")

    # then the swap is accepted
    assert Swap.objects.get(pk=request.pk).status == Swap.Status.ACCEPTED
