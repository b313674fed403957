"""In a real browser: the reminder's renew link shows a confirm button (a GET renews nothing),
the button renews the offer, and the page passes axe in English and Arabic; the owner's offers
list shows the new expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from marketplace.models import Offer
from marketplace.services.expiry import offer_renew_token
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import make_offer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def expired(live_server_url) -> tuple[User, Offer]:
    """An owner whose offer expired yesterday."""
    owner = UserFactory(first_name="Ann", last_name="Lee")
    offer = make_offer(owner=owner, title="Oud lessons")
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    offer.refresh_from_db()
    return owner, offer


def test_the_renew_link_confirms_then_renews_in_both_languages(new_context, axe_check, expired):
    # given the link of the reminder, opened by the owner's mail client (not signed in)
    owner, offer = expired
    token = offer_renew_token(offer=offer)
    page = new_context(locale="ar").new_page()

    # when they open it in Arabic
    page.goto(f"/ar/me/offers/renew/{token}/")

    # then the page is right to left, shows the offer, and nothing is renewed yet
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "Oud lessons" in page.locator("main").inner_text()
    axe_check(page)
    offer.refresh_from_db()
    assert offer.is_expired

    # when they open it in English and press the button
    page.goto(f"/en/me/offers/renew/{token}/")
    axe_check(page)
    page.get_by_role("button", name="Renew this offer").click()
    page.wait_for_load_state()

    # then the offer is listed again, and the page says until when
    assert "is renewed" in page.locator("main").inner_text()
    axe_check(page)
    offer.refresh_from_db()
    assert not offer.is_expired

    # and the owner's own list shows the new expiry with a renew button
    mine = new_context(owner).new_page()
    mine.goto("/en/me/offers/")
    assert "Expires on" in mine.locator("main").inner_text()
    assert mine.get_by_role("button", name="Renew Oud lessons").count() == 1
    axe_check(mine)
