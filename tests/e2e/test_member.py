"""In a real browser: sign up through the form (verifying the e-mail), sign in, publish an offer,
and an axe check of every member page in both languages."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from exchanges import services as exchanges_services
from marketplace.models import Offer
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.e2e.conftest import outside_playwright_loop
from tests.exchanges.factories import at, expert
from tests.marketplace.factories import CategoryFactory, make_offer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEMBER_PAGES = [
    "/{lang}/me/",
    "/{lang}/me/offers/",
    "/{lang}/me/offers/new/",
    "/{lang}/me/swaps/",
    "/{lang}/me/wallet/",
    "/{lang}/me/profile/",
    "/{lang}/me/preferences/",
]


def test_sign_up_verify_the_email_and_land_on_the_dashboard(new_context, mailoutbox):
    # given an anonymous visitor on the Arabic sign-up page
    page = new_context(locale="ar").new_page()
    page.goto("/ar/accounts/signup/")
    assert page.locator("html").get_attribute("dir") == "rtl"

    # when they sign up through the form and follow the link in the e-mail
    page.fill("input[name=email]", "learner@example.test")
    page.fill("input[name=password1]", "a-long-pass-phrase-9")
    page.fill("input[name=password2]", "a-long-pass-phrase-9")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    page.goto(link)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()

    # then the account exists with a verified address
    user = User.objects.get(email="learner@example.test")
    assert user.emailaddress_set.get().verified is True


def test_sign_in_shows_the_message_on_the_dashboard(new_context):
    # given a member with a verified address
    user = UserFactory(email="ann@example.test", first_name="Ann", last_name="Lee")
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    page = new_context().new_page()

    # when they sign in through the form
    page.goto("/en/accounts/login/")
    page.fill("input[name=login]", "ann@example.test")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/en/me/")

    # then the dashboard greets them with the sign-in message on this very page
    assert "Successfully signed in as" in page.locator(".messages").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Ann Lee"


def test_publish_an_offer_through_the_form(new_context):
    # given a signed-in member and a category
    member = UserFactory()
    category = CategoryFactory(name_en="Music")
    page = new_context(member).new_page()

    # when they fill the offer form
    page.goto("/en/me/offers/new/")
    page.fill("input[name=title]", "Oud for beginners")
    page.select_option("select[name=category]", str(category.pk))
    page.fill("input[name=offered_skills]", "Oud, Maqam")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/en/me/offers/")

    # then the offer is published and listed
    assert Offer.objects.get(owner=member).title == "Oud for beginners"
    assert "Oud for beginners" in page.locator("main").inner_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_member_pages_pass_axe(new_context, axe_check, lang):
    # given a member with an offer and a swap
    member = expert()
    make_offer(owner=member, title="Calligraphy")
    with outside_playwright_loop():  # the request's after-commit socket sends use async_to_sync
        swap = exchanges_services.swap_create(
            requester=UserFactory(), responder=member, scheduled_start=at(48), title="Reed pens"
        )
    page = new_context(member, locale=lang).new_page()

    for path in [*MEMBER_PAGES, f"/{{lang}}/me/swaps/{swap.pk}/"]:
        # when the page opens
        page.goto(path.format(lang=lang))

        # then it is in the right direction and axe finds nothing serious
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        violations = axe_check(page)
        assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
