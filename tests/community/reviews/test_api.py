"""The reviews API: create (canonical and seed 003's body), public lists, edit, reply, feedback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.roles import Role
from community.reviews.models import Review
from exchanges.models import Swap
from tests.accounts.factories import UserFactory, user_with_role
from tests.community.reviews.factories import past_swap, review
from tests.exchanges.factories import expert

pytestmark = pytest.mark.django_db
S = Swap.Status


def in_arabic(msgid: str) -> str:
    """The catalogue's Arabic for ``msgid`` (locale/pending/h2.json until the lead merges it)."""
    with translation.override("ar"):
        return translation.gettext(msgid)


def test_post_reviews_creates_a_review_in_the_canonical_shape(make_auth_client):
    # given
    swap = past_swap()
    client = make_auth_client(swap.requester)

    # when
    response = client.post(
        "/api/v1/reviews/",
        {"swap_id": swap.pk, "rating": 5, "comment": "<b>Great</b>", "tags": ["helpful"]},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    created = Review.objects.get()
    assert body["id"] == created.pk
    assert body["swap_id"] == swap.pk
    assert body["reviewer_id"] == swap.requester_id
    assert body["reviewee_id"] == swap.responder_id
    assert body["reviewee_name"] == swap.responder.public_name
    assert (body["rating"], body["comment"], body["tags"]) == (5, "<b>Great</b>", ["helpful"])
    assert (body["status"], body["reply"], body["replied_at"]) == ("published", "", None)
    assert set(body) == {
        "id",
        "swap_id",
        "reviewer_id",
        "reviewer_name",
        "reviewee_id",
        "reviewee_name",
        "rating",
        "comment",
        "tags",
        "reply",
        "replied_at",
        "status",
        "created_at",
        "edited_at",
        "editable_until",
    }


def test_an_unknown_field_is_a_400_naming_it(make_auth_client):
    swap = past_swap()
    response = make_auth_client(swap.requester).post(
        "/api/v1/reviews/", {"swap_id": swap.pk, "rating": 5, "stars": 5}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"stars": ["This field is not known."]}
    assert Review.objects.count() == 0


def test_swap_id_and_meeting_id_together_are_refused(make_auth_client):
    swap = past_swap()
    response = make_auth_client(swap.requester).post(
        "/api/v1/reviews/",
        {"swap_id": swap.pk, "meeting_id": swap.pk, "rating": 5},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["meeting_id"]
    assert Review.objects.count() == 0


def test_a_second_review_is_a_409_in_arabic(make_auth_client):
    # given
    swap = past_swap()
    review(swap)
    client = make_auth_client(swap.requester)

    # when
    response = client.post(
        "/api/v1/reviews/",
        {"swap_id": swap.pk, "rating": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    # then
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_reviewed"
    assert error["message"] == in_arabic("You have already reviewed this swap.")
    assert response["Content-Language"] == "ar"
    assert Review.objects.count() == 1


def test_a_swap_not_completed_is_a_409_and_a_strangers_swap_a_404(make_auth_client):
    # given
    pending = past_swap(status=S.ACCEPTED)
    other = past_swap()

    # when
    client = make_auth_client(pending.requester)
    not_done = client.post("/api/v1/reviews/", {"swap_id": pending.pk, "rating": 5}, format="json")
    not_mine = client.post("/api/v1/reviews/", {"swap_id": other.pk, "rating": 5}, format="json")

    # then
    assert not_done.status_code == 409
    assert not_done.json()["error"]["code"] == "swap_not_completed"
    assert not_done.json()["error"]["current_status"] == "accepted"
    assert not_mine.status_code == 404
    assert Review.objects.count() == 0


def test_a_members_reviews_are_public_and_paginated(api_client):
    # given a member with 3 published reviews and a held one
    member = expert()
    for rating in (5, 4, 3):
        review(past_swap(responder=member), rating=rating)
    review(past_swap(responder=member, status=S.DISPUTED), rating=1)

    # when an anonymous visitor reads them, two at a time
    response = api_client.get(f"/api/v1/reviews/{member.pk}/?page_size=2&ordering=rating")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["rating"] for row in body["results"]] == [3, 4]
    assert body["next"] is not None


def test_the_public_list_runs_the_same_queries_for_any_number_of_reviews(api_client):
    # given two members with 1 and 6 reviews
    few, many = expert(), expert()
    review(past_swap(responder=few))
    for _ in range(6):
        review(past_swap(responder=many))

    # when
    counts = []
    for member in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(f"/api/v1/reviews/{member.pk}/").status_code == 200
        counts.append(len(queries))

    # then
    assert counts[0] == counts[1]


def test_reviews_of_an_unknown_or_suspended_member_are_a_404(api_client):
    suspended = UserFactory(is_active=False)
    assert api_client.get("/api/v1/reviews/999999/").status_code == 404
    assert api_client.get(f"/api/v1/reviews/{suspended.pk}/").status_code == 404


def test_filters_rating_min_and_date_after(api_client):
    member = expert()
    for rating in (5, 2):
        review(past_swap(responder=member), rating=rating)
    response = api_client.get(f"/api/v1/reviews/{member.pk}/?rating_min=4&date_after=2020-01-01")
    assert [row["rating"] for row in response.json()["results"]] == [5]
    too_far = api_client.get(f"/api/v1/reviews/{member.pk}/?date_after=9999-12-31")
    assert too_far.status_code == 400
    assert list(too_far.json()["error"]["fields"]) == ["date_after"]


def test_a_resolved_dispute_publishes_its_held_review_when_the_list_is_read(api_client):
    # given a held review whose dispute was resolved since
    swap = past_swap(status=S.DISPUTED)
    review(swap, rating=4)
    Swap.objects.filter(pk=swap.pk).update(status=S.COMPLETED)

    # when
    response = api_client.get(f"/api/v1/reviews/{swap.responder_id}/")

    # then
    assert response.json()["count"] == 1
    swap.responder.refresh_from_db()
    assert (swap.responder.rating_average, swap.responder.rating_count) == (Decimal("4.00"), 1)


def test_my_reviews_list_holds_what_i_wrote_and_received(make_auth_client):
    # given
    me = expert()
    wrote = review(past_swap(requester=me))
    received = review(past_swap(responder=me))
    held_of_me = review(past_swap(responder=me, status=S.DISPUTED))
    review(past_swap())  # someone else's

    # when
    client = make_auth_client(me)
    everything = client.get("/api/v1/reviews/").json()
    written = client.get("/api/v1/reviews/?role=reviewer").json()

    # then
    assert {row["id"] for row in everything["results"]} == {wrote.pk, received.pk}
    assert held_of_me.pk not in {row["id"] for row in everything["results"]}
    assert [row["id"] for row in written["results"]] == [wrote.pk]


def test_the_author_edits_and_a_stranger_cannot(make_auth_client):
    # given
    swap = past_swap()
    written = review(swap, rating=5)
    path = f"/api/v1/reviews/{swap.responder_id}/{written.pk}/"

    # when
    refused = make_auth_client(swap.responder).patch(path, {"rating": 1}, format="json")
    edited = make_auth_client(swap.requester).patch(
        path, {"rating": 4, "review_text": "Good."}, format="json"
    )

    # then
    assert refused.status_code == 403
    assert edited.status_code == 200
    assert (edited.json()["rating"], edited.json()["comment"]) == (4, "Good.")
    swap.responder.refresh_from_db()
    assert swap.responder.rating_average == Decimal("4.00")


def test_the_reviewee_replies_once_through_the_api(make_auth_client):
    # given
    swap = past_swap()
    written = review(swap)
    path = f"/api/v1/reviews/{swap.responder_id}/{written.pk}/reply"
    client = make_auth_client(swap.responder)

    # when
    first = client.post(path, {"reply": "Thanks!"}, format="json")
    second = client.post(path, {"reply": "Again"}, format="json")
    by_author = make_auth_client(swap.requester).post(path, {"reply": "Me"}, format="json")

    # then
    assert first.status_code == 200
    assert first.json()["reply"] == "Thanks!"
    assert second.status_code == 409
    assert by_author.status_code == 403
    written.refresh_from_db()
    assert written.reply == "Thanks!"


def test_a_held_review_is_visible_to_its_author_only(make_auth_client, api_client):
    swap = past_swap(status=S.DISPUTED)
    held = review(swap)
    path = f"/api/v1/reviews/{swap.responder_id}/{held.pk}/"
    assert make_auth_client(swap.requester).get(path).json()["status"] == "held"
    assert make_auth_client(swap.responder).get(path).status_code == 404
    assert api_client.get(path).status_code == 404


def test_feedback_get_is_for_experts_their_own_and_staff_all(make_auth_client):
    # given an expert reviewed twice, another member reviewed once
    friend = expert()
    mine = [review(past_swap(responder=friend), rating=r) for r in (5, 3)]
    others = review(past_swap(), rating=4)
    member = UserFactory()
    staff = user_with_role(Role.MODERATOR, is_staff=True)

    # when
    as_friend = make_auth_client(friend).get("/api/v1/feedback/?rating_min=4")
    as_staff = make_auth_client(staff).get("/api/v1/feedback/")
    as_member = make_auth_client(member).get("/api/v1/feedback/")

    # then
    assert [row["id"] for row in as_friend.json()["results"]] == [mine[0].pk]
    assert {row["id"] for row in as_staff.json()["results"]} == {*(r.pk for r in mine), others.pk}
    assert as_member.status_code == 403


def test_feedback_filters_by_session(make_auth_client):
    friend = expert()
    first = review(past_swap(responder=friend))
    review(past_swap(responder=friend))
    response = make_auth_client(friend).get(f"/api/v1/feedback/?session_id={first.swap_id}")
    assert [row["session_id"] for row in response.json()["results"]] == [first.swap_id]


def test_a_meeting_shows_its_published_reviews_in_seed_003_shape(make_auth_client):
    # given
    swap = past_swap()
    written = review(swap, rating=5, comment="Excellent session, very helpful!")

    # when
    response = make_auth_client(swap.requester).get(f"/api/v1/meetings/{swap.pk}/")

    # then
    assert response.json()["reviews"] == [
        {
            "id": written.pk,
            "reviewer_id": swap.requester_id,
            "reviewer_name": swap.requester.public_name,
            "reviewee_id": swap.responder_id,
            "reviewee_name": swap.responder.public_name,
            "rating": 5,
            "review_text": "Excellent session, very helpful!",
            "created_at": response.json()["reviews"][0]["created_at"],
        }
    ]


def test_ids_beyond_any_integer_column_are_a_404(api_client, make_auth_client):
    huge = "9" * 25
    assert api_client.get(f"/api/v1/reviews/{huge}/").status_code == 404
    assert api_client.get(f"/api/v1/reviews/{huge}/{huge}/").status_code == 404
    reply = make_auth_client(UserFactory()).post(
        f"/api/v1/reviews/{huge}/{huge}/reply", {"reply": "x"}, format="json"
    )
    assert reply.status_code == 404
