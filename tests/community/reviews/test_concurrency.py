"""The rating aggregate on real PostgreSQL: 10 reviews of one member at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from community.reviews import services
from community.reviews.models import Review
from core.exceptions import Conflict
from tests.accounts.factories import UserFactory
from tests.community.reviews.factories import past_swap
from tests.exchanges.factories import expert

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(workers: list[Callable[[], object]]) -> list[object]:
    """Start every worker at the same instant; return results (or the exception raised)."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_ten_concurrent_reviews_leave_an_exact_average_and_count():
    # given a member with 10 completed swaps, each with a different requester
    member = expert()
    swaps = [past_swap(requester=UserFactory(), responder=member) for _ in range(10)]
    ratings = [5, 4, 3, 5, 2, 1, 5, 4, 4, 3]

    # when the 10 requesters review the member at the same instant
    def write(swap, rating):
        return lambda: (
            services.review_create(reviewer=swap.requester, swap_id=swap.pk, rating=rating).pk
        )

    results = run_concurrently([write(s, r) for s, r in zip(swaps, ratings, strict=True)])

    # then every review counted, once
    assert [r for r in results if isinstance(r, Exception)] == []
    member.refresh_from_db()
    assert member.rating_count == 10
    assert member.rating_average == Decimal("3.60")
    assert Review.objects.filter(reviewee=member).count() == 10


def test_the_same_review_sent_ten_times_at_once_is_stored_once():
    # given
    swap = past_swap()

    # when the requester submits the review 10 times at once
    results = run_concurrently(
        [
            lambda: services.review_create(reviewer=swap.requester, swap_id=swap.pk, rating=5).pk
            for _ in range(10)
        ]
    )

    # then one was stored; the others were refused as already reviewed
    stored = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(stored) == 1
    assert len(refused) == 9
    assert {r.code for r in refused} == {"already_reviewed"}
    swap.responder.refresh_from_db()
    assert (swap.responder.rating_average, swap.responder.rating_count) == (Decimal("5.00"), 1)
