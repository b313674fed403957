"""In a real browser: a member reports a forum post from its thread page and the moderator finds it
in the queue; the issue's acceptance test (a moderator approves a pending thread and hides a
reported post from the Wagtail admin, both authors are told, the audit log shows both)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from wagtail.models import ModelLogEntry

from community.forums.models import Post, Thread
from community.moderation import services
from community.moderation.models import Report
from messaging.models import Notification
from tests.accounts.factories import UserFactory
from tests.community.forums.factories import category, newcomer, reply, thread, veteran
from tests.e2e.conftest import DEMO_PASSWORD, outside_playwright_loop

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


def _log_actions(instance) -> list[str]:
    return list(
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(instance)),
            object_id=str(instance.pk),
        ).values_list("action", flat=True)
    )


@pytest.fixture
def pending_thread_and_reported_post(live_server_url):
    """A new member's thread waiting for approval, and a veteran's post another member reported."""
    with outside_playwright_loop():
        pending = thread(
            author=newcomer(first_name="Nadia"),
            in_category=category(),
            title="Hello from a new member",
        )
        published = thread(author=veteran(), in_category=category(), title="Oud or guitar?")
        post = reply(published, author=veteran(first_name="Spammy"), body=SPAM)
        services.report_create(
            reporter=UserFactory(), target_type="post", target_id=post.pk, reason="spam"
        )
    assert pending.moderation_status == "pending"
    return pending, post


def test_moderator_approves_pending_thread_and_hides_reported_post(
    new_context, demo_users, pending_thread_and_reported_post
):
    pending, post = pending_thread_and_reported_post
    page = new_context().new_page()

    # given a moderator who signs in to the Wagtail admin
    page.goto("/admin/login/")
    page.fill("input[name=username]", demo_users.moderator.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_url("**/admin/")

    # when they find the pending thread awaiting their review and approve it
    review = page.locator("#awaiting-review-section tr", has_text="Hello from a new member")
    assert review.count() == 1
    review.get_by_role("button", name="Actions").click()
    review.get_by_role("button", name="Approve", exact=True).click()
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.body.innerText.includes('Hello from a new member')"
        " || !document.querySelector('#awaiting-review-section')"
    )

    # and open the reported post in the moderation queue and hide it
    page.goto("/admin/moderation/")
    page.locator(f'[data-case="post:{post.pk}"] a').click()
    page.wait_for_load_state()
    page.get_by_label("Hide the content").check()
    page.fill("textarea[name=reason]", "Advertising is not allowed in the forums.")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/admin/moderation/")

    # then the thread is published and the post hidden
    pending.refresh_from_db()
    post.refresh_from_db()
    assert (pending.moderation_status, pending.live) == ("published", True)
    assert post.hidden is True
    assert "The content is hidden and its author told." in page.content()

    # and both authors are told
    decisions = Notification.objects.filter(kind="moderation_decision")
    assert decisions.filter(recipient=pending.author).count() == 1
    assert decisions.filter(recipient=post.author).count() == 1

    # and the audit log shows both actions with who did them
    assert "wagtail.workflow.approve" in _log_actions(Thread.objects.get(pk=pending.pk))
    assert "skillswap.hide" in _log_actions(Post.objects.get(pk=post.pk))
    hide = ModelLogEntry.objects.get(action="skillswap.hide")
    assert (hide.user_id, hide.data["reason"]) == (
        demo_users.moderator.pk,
        "Advertising is not allowed in the forums.",
    )
