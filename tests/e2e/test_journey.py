"""The acceptance journey of the public site (issue 13, "Acceptance"), as a new member lives it.

Open /ar/, find an expert's offer by an Arabic word with a typo, sign up through the real form,
request the swap; the expert accepts in another browser; both chat (each sees the other's
message arrive live); both join the call page and the peer connection reaches ``connected``.

Everything goes through the pages: elements are found by role and label, with the labels
translated by Django's own catalogues (``ar``), so the test follows the translations as they
are merged. A failing step says which one and leaves screenshots under var/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import User
from exchanges.models import Swap
from marketplace.models import OfferMode
from tests.e2e.conftest import DEMO_PASSWORD
from tests.marketplace.factories import SlotFactory, make_expert, make_offer

pytestmark = pytest.mark.e2e

# 00:00 to 00:00 is the whole day (an end at midnight means 24:00), so a session starting a few
# minutes from now is bookable at any hour, also across midnight.
ALL_DAY = (dt.time(0, 0), dt.time(0, 0))

OFFER_TITLE = "دروس برمجة بلغة بايثون للمبتدئين"
# "برمجة" typed with ه for ة: the most common Arabic spelling slip (docs/api.md, search).
TYPO_QUERY = "برمجه"
NEW_MEMBER_EMAIL = "learner@example.test"
LIVE_TIMEOUT_MS = 10_000
CALL_TIMEOUT_MS = 30_000


def ar(text: str) -> str:
    """``text`` as the Arabic pages show it (Django's catalogues, including allauth's)."""
    with translation.override("ar"):
        return translation.gettext(text)


def signup_labels() -> dict[str, str]:
    """The Arabic labels of allauth's sign-up form fields, from the form itself."""
    from allauth.account.forms import SignupForm

    with translation.override("ar"):
        form = SignupForm()
        return {name: str(form.fields[name].label) for name in ("email", "password1", "password2")}


def label_pattern(label: str) -> re.Pattern[str]:
    """A field's label as rendered, with or without the form's trailing colon."""
    return re.compile(rf"^\s*{re.escape(label)}\s*:?\s*$")


class Journey:
    """Names the step in progress; a failure says which step and screenshots every page."""

    def __init__(self, screenshot: Any) -> None:
        self.screenshot = screenshot
        self.pages: dict[str, Any] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            for who, page in self.pages.items():
                # a failed screenshot must not hide the failure
                with suppress(Exception):
                    self.screenshot(page, f"journey-failed-{who}")
            where = ", ".join(f"{who} at {page.url}" for who, page in self.pages.items())
            pytest.fail(
                f"journey step failed: {name}\n  pages: {where}\n  {type(error).__name__}: {error}",
                pytrace=False,
            )


@pytest.fixture
def expert_offer(live_server_url):
    """An expert with an Arabic offer, free every day, so a call can be booked for right now."""
    expert = make_expert(
        User.objects.create_user(
            email="salma@example.test",
            password=DEMO_PASSWORD,
            first_name="سلمى",
            last_name="الخبيرة",
        )
    )
    for day in range(7):
        SlotFactory(user=expert, day_of_week=day, start_time=ALL_DAY[0], end_time=ALL_DAY[1])
    offer = make_offer(
        owner=expert,
        title=OFFER_TITLE,
        description="أساسيات البرمجة خطوة بخطوة، في جلسات فيديو قصيرة.",
        mode=OfferMode.ONLINE,
        language="ar",
        price_points=0,
    )
    return expert, offer


def test_a_new_member_finds_requests_chats_and_calls(
    new_context, live_server_url, expert_offer, screenshot
):
    expert, offer = expert_offer
    journey = Journey(screenshot)
    learner = new_context(locale="ar").new_page()
    journey.pages["learner"] = learner

    with journey.step("open /ar/ and search the offers with a typo"):
        learner.goto("/ar/")
        assert learner.locator("html").get_attribute("dir") == "rtl"
        learner.get_by_role("navigation", name=ar("Main")).get_by_role(
            "link", name=ar("Offers"), exact=True
        ).click()
        learner.get_by_label(ar("Search offers")).fill(TYPO_QUERY)
        learner.get_by_label(ar("Search offers")).press("Enter")
        learner.get_by_role("link", name=OFFER_TITLE).first.click()
        learner.wait_for_url(re.compile(rf"/ar/offers/{offer.pk}/"))

    with journey.step("ask for a swap: the site asks to sign in, then sign up"):
        learner.get_by_role("link", name=ar("Request a swap")).click()
        learner.wait_for_url(re.compile(r"/ar/accounts/login/"))
        # the sign-in page's own sign-up link keeps ?next= (the header's does not)
        learner.get_by_role("main").locator("a[href*='/accounts/signup/']").first.click()
        learner.wait_for_url(re.compile(r"/ar/accounts/signup/"))
        labels = signup_labels()
        learner.get_by_label(label_pattern(labels["email"])).fill(NEW_MEMBER_EMAIL)
        learner.get_by_label(label_pattern(labels["password1"])).fill(DEMO_PASSWORD)
        learner.get_by_label(label_pattern(labels["password2"])).fill(DEMO_PASSWORD)
        learner.get_by_role("main").get_by_role("button", name=ar("Sign Up")).click()
        learner.wait_for_load_state()
        assert "/accounts/signup/" not in learner.url, "the sign-up form was refused"
        if "confirm-email" in learner.url:
            # Verification is mandatory in this configuration: follow the mail's link.
            link = re.search(r"https?://\S+/confirm-email/\S+", mail.outbox[-1].body)
            assert link, "no verification link in the mail"
            learner.goto(link.group(0))
            learner.get_by_role("button").first.click()
        assert User.objects.filter(email=NEW_MEMBER_EMAIL).exists()

    with journey.step("request the swap for the next minutes, as a video session"):
        learner.goto(f"/ar/offers/{offer.pk}/")
        learner.get_by_role("link", name=ar("Request a swap")).click()
        learner.wait_for_url(re.compile(r"/ar/me/swaps/new/"))
        start = timezone.now().astimezone(dt.UTC) + dt.timedelta(minutes=5)
        learner.get_by_label(label_pattern(ar("Start"))).fill(start.strftime("%Y-%m-%dT%H:%M"))
        learner.get_by_label(ar("Message to the teacher")).fill("مرحباً، أود أن أبدأ اليوم.")
        learner.get_by_role("button", name=ar("Send request")).click()
        learner.wait_for_url(re.compile(r"/ar/me/swaps/\d+/$"))
        swap = Swap.objects.get(requester__email=NEW_MEMBER_EMAIL, offer=offer)
        assert swap.status == Swap.Status.PENDING

    expert_page = new_context(expert, locale="ar").new_page()
    journey.pages["expert"] = expert_page

    with journey.step("the expert accepts in another browser"):
        expert_page.goto("/ar/me/swaps/?role=responder")
        expert_page.get_by_role("link", name=swap.title).first.click()
        expert_page.wait_for_url(re.compile(rf"/ar/me/swaps/{swap.pk}/"))
        expert_page.get_by_role("button", name=ar("Accept"), exact=True).click()
        expert_page.wait_for_load_state()
        swap.refresh_from_db()
        assert swap.status == Swap.Status.ACCEPTED

    with journey.step("the learner writes to the expert from the swap page"):
        learner.goto(f"/ar/me/swaps/{swap.pk}/")
        message_link = learner.locator(f"a[href*='/me/messages/new/?to={expert.pk}']")
        assert message_link.count() > 0, (
            "the swap page has no link to message the other party "
            f"(expected an <a> to /ar/me/messages/new/?to={expert.pk})"
        )
        message_link.first.click()
        learner.get_by_label(ar("Your message")).fill("السلام عليكم، هل الموعد مناسب؟")
        learner.get_by_role("button", name=ar("Send"), exact=True).click()
        learner.wait_for_url(re.compile(r"/ar/me/messages/\d+/"))

    with journey.step("the expert opens the conversation and answers; the learner sees it live"):
        expert_page.goto("/ar/me/messages/")
        expert_page.locator("a.thread-link").first.click()
        expert_page.wait_for_url(re.compile(r"/ar/me/messages/\d+/"))
        history = expert_page.get_by_role("list", name=ar("Messages"))
        history.get_by_text("هل الموعد مناسب؟").wait_for()
        expert_page.get_by_label(ar("Your message")).fill("نعم، أراك بعد قليل!")
        expert_page.get_by_role("button", name=ar("Send"), exact=True).click()
        learner.get_by_role("list", name=ar("Messages")).get_by_text("أراك بعد قليل").wait_for(
            timeout=LIVE_TIMEOUT_MS
        )

    with journey.step("the learner answers; the expert sees it live"):
        learner.get_by_label(ar("Your message")).fill("شكراً!")
        learner.get_by_role("button", name=ar("Send"), exact=True).click()
        history.get_by_text("شكراً!").wait_for(timeout=LIVE_TIMEOUT_MS)

    with journey.step("both join the call and the peer connection reaches 'connected'"):
        for page in (learner, expert_page):
            page.goto(f"/ar/me/swaps/{swap.pk}/")
            page.get_by_role("button", name=ar("Join the call")).click()
            page.wait_for_url(re.compile(r"/ar/calls/\d+/"))
        for page in (learner, expert_page):
            page.locator("[data-connection-state='connected']").wait_for(
                state="attached", timeout=CALL_TIMEOUT_MS
            )
