"""Messages and notifications live in the browser: two members, two contexts, no reloads."""

from __future__ import annotations

import pytest

from messaging import services
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import outside_playwright_loop
from tests.messaging.factories import pair_thread

pytestmark = pytest.mark.e2e

LIVE_TIMEOUT_MS = 10_000


def test_two_members_chat_live_and_see_seen(new_context, live_server_url):
    # given Amal and Badr, each on their conversation page
    amal, badr = UserFactory(first_name="Amal"), UserFactory(first_name="Badr")
    thread = pair_thread(amal, badr)
    url = f"{live_server_url}/en/me/messages/{thread.pk}/"
    amal_page = new_context(amal).new_page()
    badr_page = new_context(badr).new_page()
    amal_page.goto(url)
    badr_page.goto(url)
    amal_page.wait_for_selector('[data-chat][data-live="true"]', timeout=LIVE_TIMEOUT_MS)
    badr_page.wait_for_selector('[data-chat][data-live="true"]', timeout=LIVE_TIMEOUT_MS)

    # when Amal sends a message through the form
    amal_page.get_by_label("Your message").fill("Shall we start on Sunday?")
    amal_page.get_by_role("button", name="Send").click()

    # then it appears on Badr's page without a reload, and Amal's copy turns "Seen"
    badr_history = badr_page.locator("[data-chat-history]")
    badr_history.get_by_text("Shall we start on Sunday?").wait_for(timeout=LIVE_TIMEOUT_MS)
    mine = amal_page.locator(".chat-message-mine", has_text="Shall we start on Sunday?")
    mine.locator("[data-receipt]", has_text="Seen").wait_for(timeout=LIVE_TIMEOUT_MS)
    assert amal_page.get_by_label("Your message").input_value() == ""

    # when Badr answers, Amal sees it live too
    badr_page.get_by_label("Your message").fill("Sunday works")
    badr_page.get_by_role("button", name="Send").click()
    amal_page.locator("[data-chat-history]").get_by_text("Sunday works").wait_for(
        timeout=LIVE_TIMEOUT_MS
    )
    assert badr_page.locator("[data-toast-region] .toast").count() == 0
    assert thread.messages.count() == 2


def test_a_notification_arrives_live_on_the_bell(new_context, live_server_url):
    # given a member on a signed-in page, with no unread notification
    member = UserFactory()
    page = new_context(member).new_page()
    page.goto(f"{live_server_url}/en/me/messages/")
    page.wait_for_selector('[data-notification-bell][data-live="true"]', timeout=LIVE_TIMEOUT_MS)
    assert page.locator("[data-bell-count]").is_hidden()

    # when something notifies them
    with outside_playwright_loop():
        services.notification_send(recipient=member, kind="badge_earned")

    # then the bell counts it and a polite toast says so, without a reload
    page.wait_for_selector('[data-notification-bell][data-unread="1"]', timeout=LIVE_TIMEOUT_MS)
    assert page.locator("[data-bell-count]").inner_text() == "1"
    assert page.locator("[data-toast-region] .toast").count() == 1
    assert page.locator("[data-toast-region]").get_attribute("aria-live") == "polite"


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_the_messages_and_notifications_pages_pass_axe(
    new_context, live_server_url, axe_check, locale
):
    # given a member with a conversation and a notification
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    with outside_playwright_loop():
        services.message_send(thread=thread, sender=badr, content="مرحبا Amal")
        services.notification_send(recipient=amal, kind="badge_earned")
    page = new_context(amal, locale=locale).new_page()

    # when each page is opened, then axe finds no serious violation
    for path in ("me/messages/", f"me/messages/{thread.pk}/", "me/notifications/"):
        page.goto(f"{live_server_url}/{locale}/{path}")
        page.wait_for_selector(
            '[data-notification-bell][data-live="true"]', timeout=LIVE_TIMEOUT_MS
        )
        axe_check(page)
