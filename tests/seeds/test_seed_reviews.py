"""Reviews as the seed clients send them: 000/001 ``reviews/``, 002's averages, 003's
``meeting_id``/``reviewee_id``/``review_text`` body and 004's ``feedback/`` (docs/api.md, seeds).

Bodies are sent exactly as the documents write them; only the ids are the ones this database gave.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from community.reviews.models import Review
from exchanges.models import Swap
from tests.community.reviews.factories import past_swap, review
from tests.exchanges.factories import expert
from tests.seeds.helpers import error_fields, items, snapshot, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(db):
    return expert(first_name="Jane", last_name="Smith")


def test_seed_003_creates_a_review_and_gets_its_own_shape_back(client_for, member, jane):
    # given John's completed meeting with the expert Jane
    meeting = past_swap(requester=member, responder=jane)

    # when John sends seed 003's body
    response = client_for(member).post(
        url("reviews/"),
        {
            "meeting_id": meeting.pk,
            "reviewee_id": jane.pk,
            "rating": 5,
            "review_text": "Excellent session, very helpful!",
        },
        format="json",
    )

    # then the answer is seed 003's review
    assert response.status_code == 201, response.json()
    created = Review.objects.get()
    assert response.json() == {
        "id": created.pk,
        "meeting_id": meeting.pk,
        "reviewer_id": member.pk,
        "reviewer_name": "John Doe",
        "reviewee_id": jane.pk,
        "reviewee_name": "Jane Smith",
        "rating": 5,
        "review_text": "Excellent session, very helpful!",
        "created_at": response.json()["created_at"],
    }
    # and the meeting detail lists it, as seed 003's meeting shows its reviews
    detail = client_for(member).get(url(f"meetings/{meeting.pk}/")).json()
    assert [row["review_text"] for row in detail["reviews"]] == ["Excellent session, very helpful!"]


def test_seed_003_with_the_wrong_reviewee_is_a_400_and_changes_nothing(client_for, member, jane):
    meeting = past_swap(requester=member, responder=jane)
    before = snapshot(Review)

    response = client_for(member, language="ar").post(
        url("reviews/"),
        {"meeting_id": meeting.pk, "reviewee_id": member.pk, "rating": 5, "review_text": "Me!"},
        format="json",
    )

    assert response.status_code == 400
    assert list(error_fields(response)) == ["reviewee_id"]
    assert response["Content-Language"] == "ar"
    assert snapshot(Review) == before


def test_seed_003_on_a_meeting_not_completed_is_a_409(client_for, member, jane):
    meeting = past_swap(requester=member, responder=jane, status=Swap.Status.ACCEPTED)

    response = client_for(member).post(
        url("reviews/"),
        {"meeting_id": meeting.pk, "reviewee_id": jane.pk, "rating": 5, "review_text": "Soon"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "swap_not_completed"
    assert Review.objects.count() == 0


def test_seed_004_submits_feedback_and_the_friend_views_it_filtered(client_for, member, jane):
    # given a completed session of the member with the friend Jane
    session = past_swap(requester=member, responder=jane)

    # when the member sends seed 004's body
    sent = client_for(member).post(
        url("feedback/"),
        {
            "session_id": session.pk,
            "rating": 5,
            "comment": "Excellent session, very helpful!",
            "categories": ["helpful", "professional", "engaging"],
        },
        format="json",
    )

    # then
    assert sent.status_code == 201, sent.json()
    assert sent.json()["session_id"] == session.pk
    assert sent.json()["categories"] == ["helpful", "professional", "engaging"]
    assert Review.objects.get().tags == ["helpful", "professional", "engaging"]

    # and Jane (a friend) reads it with seed 004's filters
    today = timezone.now().date().isoformat()
    listed = client_for(jane).get(
        url("feedback/"),
        {"session_id": session.pk, "rating_min": 5, "date_after": "2020-01-01"},
    )
    assert [row["comment"] for row in items(listed)] == ["Excellent session, very helpful!"]
    later = client_for(jane).get(url("feedback/"), {"date_after": f"{today}T23:59:59Z"})
    assert items(later) == []
    # a plain member may not view feedback (seed 004: friends and admins)
    assert client_for(member).get(url("feedback/")).status_code == 403


def test_seed_004_unknown_category_is_a_400_naming_categories(client_for, member, jane):
    session = past_swap(requester=member, responder=jane)
    response = client_for(member).post(
        url("feedback/"),
        {"session_id": session.pk, "rating": 5, "comment": "ok", "categories": ["rude"]},
        format="json",
    )
    assert response.status_code == 400
    assert list(error_fields(response)) == ["categories.0"]
    assert Review.objects.count() == 0


def test_seeds_000_and_001_review_after_a_swap_and_read_a_users_reviews(client_for, member, jane):
    # given
    swap = past_swap(requester=member, responder=jane)

    # when (seed 000/001: reviewer is the caller, reviewee the other party, rating and comments)
    created = client_for(member).post(
        url("reviews/"), {"swap_id": swap.pk, "rating": 4, "comment": "Good"}, format="json"
    )
    listed = client_for(None).get(url(f"reviews/{jane.pk}/"))

    # then
    assert created.status_code == 201
    assert [(row["rating"], row["comment"]) for row in items(listed)] == [(4, "Good")]


def test_seed_002_ratings_with_averages_on_the_profile(client_for, member, jane):
    # given Jane reviewed 5 and 4 in two swaps
    review(past_swap(requester=member, responder=jane), member, rating=5)
    review(past_swap(responder=jane), rating=4)

    # when
    profile = client_for(member).get(url(f"users/{jane.pk}/")).json()

    # then the average is calculated
    assert (profile["rating_average"], profile["rating_count"]) == ("4.50", 2)
