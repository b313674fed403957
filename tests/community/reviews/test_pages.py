"""The review pages: the profile's reviews, the swap page's form, edit and reply (no JavaScript)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.reviews.models import Review
from exchanges.models import Swap
from tests.community.reviews.factories import past_swap, review
from tests.exchanges.factories import expert

pytestmark = pytest.mark.django_db


def test_the_profile_shows_the_rating_and_the_reviews_paginated(client):
    # given a member with 12 reviews (10 a page)
    member = expert()
    for n in range(12):
        review(past_swap(responder=member), rating=5 if n % 2 else 4, comment=f"Comment {n}")

    # when
    first = client.get(f"/en/people/{member.pk}/")
    second = client.get(f"/en/people/{member.pk}/?reviews_page=2")

    # then
    assert first.status_code == 200
    page = first.content.decode()
    assert "Rated 4.5 out of 5 from 12 reviews." in page
    assert "Comment 11" in page
    assert "Comment 1<" not in page
    assert "reviews_page=2" in page
    assert "Comment 0" in second.content.decode()


def test_the_profile_runs_the_same_queries_for_1_or_12_reviews(client):
    # given
    few, many = expert(), expert()
    review(past_swap(responder=few))
    for _ in range(12):
        review(past_swap(responder=many))

    # when
    counts = []
    for member in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/en/people/{member.pk}/").status_code == 200
        counts.append(len(queries))

    # then
    assert counts[0] == counts[1]


def test_review_text_is_escaped_on_the_profile(client):
    member = expert()
    review(past_swap(responder=member), comment='<script>alert(1)</script><img onerror="x">')
    page = client.get(f"/en/people/{member.pk}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_member_reviews_a_completed_swap_from_its_page(client):
    # given
    swap = past_swap()
    client.force_login(swap.requester)
    detail = client.get(f"/en/me/swaps/{swap.pk}/")
    assert f'action="/en/me/reviews/new/{swap.pk}/"' in detail.content.decode()

    # when
    response = client.post(
        f"/en/me/reviews/new/{swap.pk}/",
        {"rating": "4", "comment": "Thank you!", "tags": ["helpful", "patient"]},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/en/me/swaps/{swap.pk}/"
    created = Review.objects.get()
    assert (created.rating, created.comment, created.tags) == (
        4,
        "Thank you!",
        ["helpful", "patient"],
    )
    page = client.get(f"/en/me/swaps/{swap.pk}/").content.decode()
    assert "Your review" in page
    assert "Thank you!" in page


def test_an_invalid_review_form_is_shown_again_and_changes_nothing(client):
    swap = past_swap()
    client.force_login(swap.requester)
    response = client.post(f"/ar/me/reviews/new/{swap.pk}/", {"rating": "9"})
    assert response.status_code == 400
    assert 'dir="rtl"' in response.content.decode()
    assert Review.objects.count() == 0


def test_a_swap_not_completed_has_no_review_form_and_refuses_a_post(client):
    swap = past_swap(status=Swap.Status.ACCEPTED)
    client.force_login(swap.requester)
    assert "/me/reviews/new/" not in client.get(f"/en/me/swaps/{swap.pk}/").content.decode()
    response = client.post(f"/en/me/reviews/new/{swap.pk}/", {"rating": "5"})
    assert response.status_code == 409
    assert "A swap can be reviewed once it is completed." in response.content.decode()
    assert Review.objects.count() == 0


def test_a_stranger_cannot_open_the_review_form(client):
    swap = past_swap()
    client.force_login(expert())
    assert client.get(f"/en/me/reviews/new/{swap.pk}/").status_code == 404
    assert client.post(f"/en/me/reviews/new/{swap.pk}/", {"rating": "5"}).status_code == 404
    assert Review.objects.count() == 0


def test_the_author_edits_the_review(client):
    swap = past_swap()
    written = review(swap, rating=5)
    client.force_login(swap.requester)
    response = client.post(
        f"/en/me/reviews/{written.pk}/edit/", {"rating": "3", "comment": "Changed my mind."}
    )
    assert response.status_code == 302
    written.refresh_from_db()
    assert (written.rating, written.comment) == (3, "Changed my mind.")


def test_the_reviewee_replies_from_the_swap_page(client):
    # given
    swap = past_swap()
    written = review(swap)
    client.force_login(swap.responder)
    page = client.get(f"/en/me/swaps/{swap.pk}/").content.decode()
    assert f"/en/me/reviews/{written.pk}/reply/" in page

    # when
    response = client.post(f"/en/me/reviews/{written.pk}/reply/", {"reply": "Glad it helped!"})

    # then
    assert response.status_code == 302
    written.refresh_from_db()
    assert written.reply == "Glad it helped!"
    assert "Glad it helped!" in client.get(f"/en/people/{swap.responder_id}/").content.decode()


def test_the_author_cannot_reply_to_their_own_review(client):
    swap = past_swap()
    written = review(swap)
    client.force_login(swap.requester)
    assert client.post(f"/en/me/reviews/{written.pk}/reply/", {"reply": "Hi"}).status_code == 404
    written.refresh_from_db()
    assert written.reply == ""


def test_my_reviews_page_lists_reviews_of_me(client):
    swap = past_swap()
    review(swap, comment="Lovely")
    client.force_login(swap.responder)
    response = client.get("/ar/me/reviews/")
    assert response.status_code == 200
    assert "Lovely" in response.content.decode()
