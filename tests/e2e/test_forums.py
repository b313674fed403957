"""In a real browser: a member opens a thread and replies to it in /en/; the Arabic thread page
is right-to-left; axe finds nothing serious on the forum pages."""

from __future__ import annotations

import pytest

from community.forums.models import Post, Thread
from tests.community.forums.factories import category, reply, thread, veteran
from tests.e2e.conftest import outside_playwright_loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forum(live_server_url):
    """A category in both languages, a member past the new-member thresholds, and a thread
    with a reply."""
    with outside_playwright_loop():  # replies notify after commit through async_to_sync
        general = category()
        member = veteran(first_name="Rana", last_name="Aziz")
        started = thread(in_category=general, title="Welcome thread", body="Say **hello**.")
        reply(started, body="Hello from the English side.")
    return {"category": general, "member": member, "thread": started}


def test_a_member_posts_a_thread_and_replies(new_context, axe_check, forum):
    # given the member signed in on the category's new-thread form
    page = new_context(forum["member"]).new_page()
    page.goto("/en/forums/general/new/")

    # when they publish a thread through the form
    page.fill("input[name=title]", "Who wants to swap chess lessons?")
    page.fill("textarea[name=body]", "I can teach **openings**.")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/en/forums/general/t/*/")

    # then the thread page shows it, rendered, with nothing serious for axe
    assert page.get_by_role("heading", level=1).inner_text() == "Who wants to swap chess lessons?"
    assert page.locator(".forum-body strong").first.inner_text() == "openings"
    axe_check(page)

    # when they reply with the reply form
    page.fill("#reply-form textarea[name=body]", "Anyone on Saturdays?")
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_load_state()

    # then the reply is on the page and stored under the thread
    assert "Anyone on Saturdays?" in page.locator(".forum-posts").inner_text()
    created = Thread.objects.get(title="Who wants to swap chess lessons?")
    assert list(Post.objects.filter(thread=created).values_list("body", flat=True)) == [
        "Anyone on Saturdays?"
    ]


def test_a_nested_reply_with_the_reply_link(new_context, forum):
    # given the member on a thread with a reply
    page = new_context(forum["member"]).new_page()
    page.goto(f"/en/forums/general/t/{forum['thread'].pk}/")

    # when they press "Reply" under the reply and send
    page.locator(".forum-reply-link").first.click()
    page.fill("#reply-form textarea[name=body]", "Nested hello")
    page.locator("#reply-form button[type=submit]").click()
    page.wait_for_load_state()

    # then the answer hangs under that reply
    nested = page.locator(".forum-replies .forum-post")
    assert "Nested hello" in nested.first.inner_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_forum_pages_pass_axe_and_arabic_is_rtl(new_context, axe_check, forum, lang):
    page = new_context(forum["member"], locale=lang).new_page()
    page.goto(f"/{lang}/forums/threads/{forum['thread'].pk}/")
    page.wait_for_load_state()

    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert "Welcome thread" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page)
    page.goto(f"/{lang}/forums/")
    axe_check(page)
    page.goto(page.locator(".forum-categories a").first.get_attribute("href"))
    axe_check(page)
