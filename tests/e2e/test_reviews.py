"""In a real browser: a member reviews a completed swap on its page, the review shows on the other
member's public profile, and both pages pass axe in English and Arabic."""

from __future__ import annotations

import pytest

from community.reviews.models import Review
from tests.accounts.factories import UserFactory
from tests.community.reviews.factories import past_swap
from tests.e2e.conftest import outside_playwright_loop
from tests.exchanges.factories import expert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def completed_swap(live_server_url):
    """A swap between Ann and the expert Omar that took place two days ago."""
    return past_swap(
        requester=UserFactory(first_name="Ann", last_name="Lee"),
        responder=expert(first_name="Omar", last_name="Haddad"),
        title="Arabic calligraphy",
    )


def test_a_member_reviews_a_completed_swap_and_it_shows_on_the_profile(
    new_context, axe_check, completed_swap
):
    # given Ann on the page of her completed swap
    page = new_context(completed_swap.requester).new_page()
    page.goto(f"/en/me/swaps/{completed_swap.pk}/")
    axe_check(page)

    # when she rates it 4, writes a comment, picks a tag and publishes
    page.check("input[name=rating][value='4']")
    page.fill("textarea[name=comment]", "Patient teacher, clear explanations.")
    page.check("input[name=tags][value='patient']")
    page.get_by_role("button", name="Publish the review").click()
    page.wait_for_url(f"**/en/me/swaps/{completed_swap.pk}/")

    # then the swap page shows her review
    assert "Your review" in page.locator("main").inner_text()
    review = Review.objects.get()
    assert (review.rating, review.tags) == (4, ["patient"])

    # and Omar's public profile shows it, with his rating, in both languages
    visitor = new_context().new_page()
    visitor.goto(f"/en/people/{completed_swap.responder_id}/")
    reviews = visitor.locator("#reviews").inner_text()
    assert "Patient teacher, clear explanations." in reviews
    assert "Rated 4.0 out of 5 from 1 review." in reviews
    axe_check(visitor)
    visitor.goto(f"/ar/people/{completed_swap.responder_id}/")
    assert visitor.locator("html").get_attribute("dir") == "rtl"
    assert "Patient teacher, clear explanations." in visitor.locator("#reviews").inner_text()
    axe_check(visitor)


def test_the_reviewee_replies_in_arabic(new_context, axe_check, completed_swap):
    # given Ann's review of Omar
    from community.reviews import services

    with outside_playwright_loop():  # the review's after-commit socket send uses async_to_sync
        review = services.review_create(
            reviewer=completed_swap.requester, swap_id=completed_swap.pk, rating=5, comment="Great"
        )
    page = new_context(completed_swap.responder, locale="ar").new_page()

    # when Omar opens the reply form from the swap page and replies
    page.goto(f"/ar/me/swaps/{completed_swap.pk}/")
    page.locator(f"a[href='/ar/me/reviews/{review.pk}/reply/']").click()
    axe_check(page)
    page.fill("textarea[name=reply]", "شكراً جزيلاً!")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"**/ar/me/swaps/{completed_swap.pk}/")

    # then the reply is stored and shown
    review.refresh_from_db()
    assert review.reply == "شكراً جزيلاً!"
    assert "شكراً جزيلاً!" in page.locator("main").inner_text()
