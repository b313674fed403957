"""The public site in a real browser: no serious accessibility violation on the public pages in
both languages and both widths, the Arabic layout mirrored, the small-screen navigation toggle."""

from __future__ import annotations

import pytest

from tests.cms.factories import ensure_home_pages, help_article, help_index, translate
from tests.marketplace.factories import SlotFactory, UserSkillFactory, make_offer

pytestmark = pytest.mark.e2e

LANGUAGES = ("en", "ar")
VIEWPORTS = ("desktop", "mobile")


@pytest.fixture
def public_data(live_server_url):
    """An offer with its owner's skills and week, and a help centre in both languages."""
    ensure_home_pages()
    offer = make_offer(title="دروس العود للمبتدئين", description="من الصفر إلى أول مقطوعة.")
    UserSkillFactory(user=offer.owner)
    SlotFactory(user=offer.owner)
    index = help_index(intro="<p>Answers.</p>")
    article = help_article(index, summary="Request, meet, review.")
    translate(index, title="مركز المساعدة", draft_title="مركز المساعدة")
    translate(article, title="كيف تعمل المقايضات", draft_title="كيف تعمل المقايضات")
    return {"offer": offer}


def _paths(language: str, data: dict) -> dict[str, str]:
    offer = data["offer"]
    return {
        "home": f"/{language}/",
        "offers": f"/{language}/offers/?q=oud",
        "offer": f"/{language}/offers/{offer.pk}/",
        "profile": f"/{language}/people/{offer.owner_id}/",
        "categories": f"/{language}/categories/",
        "help": f"/{language}/help/",
        "not-found": f"/{language}/no-such-page/",
    }


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_pass_axe(
    new_context, public_data, axe_check, console_errors, screenshot, language, viewport
):
    # given
    page = new_context(locale=language, viewport=viewport).new_page()
    errors = console_errors(page)

    for name, path in _paths(language, public_data).items():
        # when
        response = page.goto(path)

        # then
        assert response.status == (404 if name == "not-found" else 200), path
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        axe_check(page)
        screenshot(page, f"public-{name}-{language}-{viewport}")
    # The 404 page's own status is the only console error allowed.
    assert [error for error in errors if "404" not in error] == []


def test_arabic_navigation_is_mirrored(new_context, public_data):
    # given
    page = new_context(locale="ar").new_page()

    # when
    page.goto("/ar/")
    items = page.locator("[data-nav-list] > li")
    first = items.first.bounding_box()
    last = items.last.bounding_box()

    # then: in Arabic the first item sits to the right of the last
    assert first["x"] > last["x"]


def test_english_navigation_reads_left_to_right(new_context, public_data):
    # given
    page = new_context(locale="en").new_page()

    # when
    page.goto("/en/")
    items = page.locator("[data-nav-list] > li")

    # then
    assert items.first.bounding_box()["x"] < items.last.bounding_box()["x"]


def test_small_screen_navigation_collapses_behind_a_button(new_context, public_data):
    # given
    page = new_context(locale="ar", viewport="mobile").new_page()
    page.goto("/ar/")
    toggle = page.locator(".nav-toggle")

    # then: closed at first
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-nav").is_visible()

    # when
    toggle.click()

    # then
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name="العروض").first.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_language_switch_keeps_the_visitor_on_the_same_page(new_context, public_data):
    # given
    page = new_context(locale="en").new_page()
    offer = public_data["offer"]
    page.goto(f"/en/offers/{offer.pk}/")

    # when
    page.locator("[data-language-link]").first.click()

    # then
    page.wait_for_url(f"**/ar/offers/{offer.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_offer_search_form_works_without_javascript(browser, live_server_url, public_data):
    # given
    context = browser.new_context(base_url=live_server_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/ar/offers/")

    # when
    page.fill("#offer-search", "العود")
    page.locator("form[role=search] button[type=submit]").click()

    # then
    page.wait_for_url("**/ar/offers/?q=*")
    assert page.get_by_role("link", name="دروس العود للمبتدئين").is_visible()
    context.close()
