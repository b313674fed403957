"""A review that becomes visible feeds its reviewee's counters; a rating edit adjusts them."""

from __future__ import annotations

import pytest

from community.reviews import selectors, services
from exchanges.models import Swap
from rewards.models import ActivityCounter, ActivityEvent
from tests.community.reviews.factories import past_swap, review

pytestmark = pytest.mark.django_db


def counters(user) -> dict[str, int]:
    return dict(ActivityCounter.objects.filter(user=user).values_list("counter", "value"))


def test_a_published_review_counts_once_for_the_reviewee_and_its_edits_adjust():
    # given a five-star review of a completed swap
    swap = past_swap()
    written = review(swap, rating=5)
    assert counters(swap.responder) == {
        "reviews_received": 1,
        "rating_points": 5,
        "high_reviews": 1,
    }

    # when the author lowers it to three (crossing four), then raises it to four
    services.review_update(review=written, actor=swap.requester, rating=3)
    services.review_update(review=written, actor=swap.requester, rating=4)
    services.review_update(review=written, actor=swap.requester, rating=4)  # no change

    # then
    assert counters(swap.responder) == {
        "reviews_received": 1,
        "rating_points": 4,
        "high_reviews": 1,
    }
    assert ActivityEvent.objects.filter(user=swap.responder).count() == 7
    assert counters(swap.requester) == {}


def test_a_held_review_counts_only_when_released_and_once():
    # given a disputed swap reviewed at two stars, edited to three while held
    swap = past_swap(status=Swap.Status.DISPUTED)
    held = review(swap, rating=2)
    services.review_update(review=held, actor=swap.requester, rating=3)
    assert counters(swap.responder) == {}

    # when the dispute ends and the sweep runs twice
    Swap.objects.filter(pk=swap.pk).update(status=Swap.Status.REFUNDED)
    assert services.reviews_release() == 1
    assert services.reviews_release() == 0

    # then
    assert counters(swap.responder) == {"reviews_received": 1, "rating_points": 3}
    event = ActivityEvent.objects.get(user=swap.responder, counter="reviews_received")
    held.refresh_from_db()
    assert (event.source, event.occurred_at) == (f"review:{held.pk}", held.published_at)


def test_the_recount_providers_count_published_reviews_at_their_current_rating():
    # given
    swap = past_swap()
    written = review(swap, rating=5)
    services.review_update(review=written, actor=swap.requester, rating=3)
    review(swap, swap.responder, rating=4)
    review(past_swap(status=Swap.Status.DISPUTED, responder=swap.responder), rating=1)  # held

    # when / then
    assert selectors.activity_reviews_received() == {swap.responder_id: 1, swap.requester_id: 1}
    assert selectors.activity_rating_points() == {swap.responder_id: 3, swap.requester_id: 4}
    assert selectors.activity_high_reviews() == {swap.requester_id: 1}
