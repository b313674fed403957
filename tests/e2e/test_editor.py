"""Acceptance: a new editor signs in to /admin/, writes an English page, translates it to Arabic,
previews it and publishes it; the public /ar/ page shows the Arabic text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - the harness's throwaway accounts


def test_an_editor_publishes_a_page_in_english_and_arabic(live_server_url, new_context, demo_users):
    from wagtail.models import Locale

    from cms.models import HomePage, StandardPage

    home_en = HomePage.objects.get(locale__language_code="en")
    arabic = Locale.objects.get(language_code="ar")
    page = new_context().new_page()

    # given: the editor signs in to the admin with their e-mail and password
    page.goto(f"{live_server_url}/admin/login/")
    page.fill("input[name=username]", demo_users.editor.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server_url}/admin/")

    # when: they write an English standard page under the English home page and publish it
    page.goto(f"{live_server_url}/admin/pages/add/cms/standardpage/{home_en.pk}/")
    # Wagtail's scripts fill the slug from the title as the editor types; typed before they have
    # started, the title leaves the slug empty and publishing is refused ("Slug: required").
    page.wait_for_load_state("networkidle")
    page.locator("#id_title").press_sequentially("Community guidelines")
    page.locator("#id_title").blur()
    expect(page.locator("#id_slug")).to_have_value("community-guidelines")
    page.fill("#id_intro", "Be kind and on time.")
    with page.expect_navigation():
        page.locator("button[name=action-publish]").evaluate("button => button.click()")
    english = StandardPage.objects.get(title="Community guidelines")
    assert english.live is True

    # when: they translate it to Arabic
    page.goto(f"{live_server_url}/admin/translation/submit/page/{english.pk}/")
    page.check(f"input[name=locales][value='{arabic.pk}']")
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    copy = english.get_translation(arabic)
    page.wait_for_url(re.compile(rf"/admin/pages/{copy.pk}/edit/"))

    # then: the Arabic copy's fields edit right to left
    page.wait_for_function("document.getElementById('id_title').dir === 'rtl'")
    assert page.get_attribute("#id_intro", "dir") == "rtl"

    # when: they write the Arabic text and preview it (the editor's "preview in a new tab")
    page.fill("#id_title", "إرشادات المجتمع")
    page.fill("#id_intro", "كن لطيفًا وفي الموعد.")
    preview_url = f"{live_server_url}/admin/pages/{copy.pk}/edit/preview/"
    status = page.evaluate(
        """async (url) => {
            const form = document.getElementById('page-edit-form');
            const response = await fetch(url, {method: 'POST', body: new FormData(form)});
            return (await response.json()).is_valid;
        }""",
        preview_url,
    )
    assert status is True
    preview = page.context.new_page()
    preview.goto(preview_url)

    # then: the preview shows the Arabic page, right to left, and the page is still a draft
    assert preview.locator("h1").inner_text() == "إرشادات المجتمع"
    assert preview.locator("html").get_attribute("dir") == "rtl"
    copy.refresh_from_db()
    assert copy.live is False

    # when: they publish it
    with page.expect_navigation():
        page.locator("button[name=action-publish]").evaluate("button => button.click()")

    # then: the public Arabic page shows the Arabic text
    public = new_context(locale="ar").new_page()
    public.goto(f"{live_server_url}/ar/{copy.slug}/")
    assert public.locator("h1").inner_text() == "إرشادات المجتمع"
    assert "كن لطيفًا وفي الموعد." in public.content()
    assert public.locator("html").get_attribute("dir") == "rtl"
