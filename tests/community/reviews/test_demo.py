"""The demo's reviews: both parties of completed swaps, in English and Arabic; disputes held."""

from __future__ import annotations

import io

import pytest

from community.reviews import demo
from community.reviews.models import Review
from demo.context import DemoContext
from exchanges.models import Swap
from tests.community.reviews.factories import past_swap

pytestmark = pytest.mark.django_db


def test_demo_reviews_completed_swaps_in_both_languages_and_holds_the_disputed_one():
    # given two completed swaps and a disputed one between demo members, and a pending one
    done = past_swap()
    also_done = past_swap(requester=done.responder, responder=done.requester)
    disputed = past_swap(requester=done.requester, status=Swap.Status.DISPUTED)
    pending = past_swap(requester=done.requester, status=Swap.Status.PENDING)
    members = [done.requester, done.responder, disputed.responder, pending.responder]
    context = DemoContext(users=4, stdout=io.StringIO(), objects={"members": members})

    # when seeded twice
    demo.seed(context)
    demo.seed(context)

    # then
    assert Review.objects.filter(swap=done).count() == 2
    assert Review.objects.filter(swap=also_done).count() == 2
    assert list(Review.objects.filter(swap=disputed).values_list("status", flat=True)) == ["held"]
    assert Review.objects.filter(swap=pending).count() == 0
    assert context.created == {"reviews": 5}
    comments = " ".join(Review.objects.values_list("comment", flat=True))
    assert "جلسة" in comments or "طالب" in comments
    assert "session" in comments.lower()
