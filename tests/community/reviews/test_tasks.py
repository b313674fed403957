"""The beat task that publishes held reviews, the notification kind, the data export section."""

from __future__ import annotations

import pytest

from accounts import extensions
from community.reviews.models import Review
from community.reviews.tasks import reviews_release_task
from exchanges.models import Swap
from messaging import notification_kinds
from tests.community.reviews.factories import past_swap, review

pytestmark = pytest.mark.django_db


def test_review_received_is_registered_by_reviews_in_its_api_place():
    spec = notification_kinds.get("review_received")
    assert (spec.module, spec.order, spec.provisional) == (
        "community.reviews.notifications",
        300,
        False,
    )
    assert (spec.in_app, spec.email) == (True, True)


def test_the_beat_task_publishes_reviews_of_resolved_disputes_once():
    # given a held review whose swap is no longer disputed, and one still disputed
    resolved = past_swap(status=Swap.Status.DISPUTED)
    held = review(resolved)
    still = review(past_swap(status=Swap.Status.DISPUTED))
    Swap.objects.filter(pk=resolved.pk).update(status=Swap.Status.COMPLETED)

    # when the task runs twice
    first, second = reviews_release_task.delay().get(), reviews_release_task.delay().get()

    # then
    assert (first, second) == (1, 0)
    statuses = dict(Review.objects.values_list("pk", "status"))
    assert statuses == {held.pk: "published", still.pk: "held"}


def test_the_data_export_holds_the_reviews_written_and_received():
    swap = past_swap()
    written = review(swap, rating=4, comment="Nice")
    export = extensions.export_sections(swap.requester)["reviews"]
    assert [row["id"] for row in export["written"]] == [written.pk]
    assert export["received"] == []
