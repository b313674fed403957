"""The call page connects two browsers whoever joins first, and again after either reloads."""

from __future__ import annotations

import pytest

from exchanges import services
from exchanges.models import Swap
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import outside_playwright_loop
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.e2e

CONNECT_TIMEOUT_MS = 20_000
CONNECTED = '[data-call-page][data-connection-state="connected"]'


def _call():
    # Services broadcast after commit through async_to_sync: not on Playwright's loop.
    with outside_playwright_loop():
        swap = services.swap_create(
            requester=UserFactory(first_name="Amal"),
            responder=expert(first_name="Badr"),
            scheduled_start=at(0.1),
            title="Oud basics",
        )
        services.swap_accept(swap=swap, actor=swap.responder)
        call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    return call, Swap.objects.get(pk=swap.pk)


def _open(new_context, live_server_url, user, call_id, errors):
    page = new_context(user).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{live_server_url}/en/calls/{call_id}/")
    return page


def _both_connected(*pages) -> None:
    for page in pages:
        page.wait_for_selector(CONNECTED, timeout=CONNECT_TIMEOUT_MS)


@pytest.mark.parametrize("first", ["requester", "responder"])
def test_the_call_connects_whoever_joins_first(new_context, live_server_url, first):
    # given an open call of an accepted swap
    call, swap = _call()
    errors: list[str] = []
    first_user, second_user = (
        (swap.requester, swap.responder)
        if first == "requester"
        else (swap.responder, swap.requester)
    )

    # when one participant joins, waits, and then the other joins
    early = _open(new_context, live_server_url, first_user, call.pk, errors)
    early.wait_for_selector('[data-call-state="waiting"]', timeout=CONNECT_TIMEOUT_MS)
    late = _open(new_context, live_server_url, second_user, call.pk, errors)

    # then both peer connections reach "connected", with no signalling error on the way
    _both_connected(early, late)
    assert [e for e in errors if "remote description was null" in e] == []
    assert early.locator("[data-call-status]").inner_text() == "Connected"


def test_the_call_page_passes_axe_in_arabic(new_context, live_server_url, axe_check):
    call, swap = _call()
    page = new_context(swap.requester, locale="ar").new_page()

    page.goto(f"{live_server_url}/ar/calls/{call.pk}/")
    page.wait_for_selector('[data-call-state="waiting"]', timeout=CONNECT_TIMEOUT_MS)

    assert page.locator("html").get_attribute("dir") == "rtl"
    axe_check(page)


def test_the_call_connects_again_after_either_side_reloads(new_context, live_server_url):
    call, swap = _call()
    errors: list[str] = []
    amal = _open(new_context, live_server_url, swap.requester, call.pk, errors)
    badr = _open(new_context, live_server_url, swap.responder, call.pk, errors)
    _both_connected(amal, badr)

    # when Badr reloads, then Amal reloads
    badr.reload()
    _both_connected(amal, badr)
    amal.reload()

    # then they are connected again each time
    _both_connected(amal, badr)
    assert [e for e in errors if "remote description was null" in e] == []


def test_hanging_up_ends_the_call_for_both(new_context, live_server_url):
    call, swap = _call()
    errors: list[str] = []
    amal = _open(new_context, live_server_url, swap.requester, call.pk, errors)
    badr = _open(new_context, live_server_url, swap.responder, call.pk, errors)
    _both_connected(amal, badr)

    amal.get_by_role("button", name="Hang up").click()

    for page in (amal, badr):
        page.wait_for_selector('[data-call-state="ended"]', timeout=CONNECT_TIMEOUT_MS)
    assert badr.locator("[data-call-status]").inner_text() == "The call has ended."
    call.refresh_from_db()
    assert call.status == "ended"
