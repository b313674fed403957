"""The Wagtail admin's reviews screen: moderators list and inspect, nobody edits there."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.accounts.factories import user_with_role
from tests.community.reviews.factories import past_swap, review

pytestmark = pytest.mark.django_db


def test_a_moderator_lists_and_inspects_reviews_held_ones_included(client):
    # given a published and a held review
    published = review(past_swap(), comment="Visible")
    held = review(past_swap(status="disputed"), comment="Waiting")
    client.force_login(user_with_role(Role.MODERATOR, is_staff=True))

    # when
    listing = client.get("/admin/community_reviews/")
    inspect = client.get(f"/admin/community_reviews/inspect/{held.pk}/")

    # then
    assert listing.status_code == 200
    page = listing.content.decode()
    assert published.reviewer.public_name in page
    assert held.reviewer.public_name in page
    assert inspect.status_code == 200
    assert "Waiting" in inspect.content.decode()


def test_nobody_edits_a_review_in_the_admin(client):
    written = review(past_swap(), rating=5)
    client.force_login(user_with_role(Role.ADMIN, is_staff=True))
    response = client.post(
        f"/admin/community_reviews/edit/{written.pk}/", {"rating": "1", "comment": "x"}
    )
    assert response.status_code in (302, 403)
    written.refresh_from_db()
    assert written.rating == 5


def test_a_member_cannot_open_the_admin_screen(client):
    client.force_login(user_with_role(Role.MEMBER))
    assert client.get("/admin/community_reviews/").status_code == 302
