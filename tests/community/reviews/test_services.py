"""Review services: eligibility, the held state of disputed swaps, edits, replies, the aggregate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from community.reviews import services
from community.reviews.models import Review
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from exchanges.models import Swap
from exchanges.services import swap_resolve_dispute
from messaging.models import Notification
from tests.accounts.factories import UserFactory, user_with_role
from tests.community.reviews.factories import past_swap, review

pytestmark = pytest.mark.django_db
S = Swap.Status


def _rating(user) -> tuple[Decimal, int]:
    user.refresh_from_db()
    return user.rating_average, user.rating_count


def test_a_party_of_a_completed_swap_reviews_the_other_party():
    # given
    swap = past_swap()

    # when
    created = services.review_create(
        reviewer=swap.requester,
        swap_id=swap.pk,
        rating=4,
        comment="Clear\u202e and patient",
        tags=["patient", "helpful", "patient"],
    )

    # then
    assert created.reviewee_id == swap.responder_id
    assert created.status == Review.Status.PUBLISHED
    assert created.comment == "Clear and patient"
    assert created.tags == ["helpful", "patient"]
    assert _rating(swap.responder) == (Decimal("4.00"), 1)
    notification = Notification.objects.get(recipient=swap.responder, kind="review_received")
    assert notification.related_id == created.pk
    assert notification.data == {"other_name": swap.requester.public_name, "rating": 4}


def test_both_parties_review_each_other_once():
    # given
    swap = past_swap()

    # when
    review(swap, swap.requester, rating=5)
    review(swap, swap.responder, rating=3)

    # then
    assert _rating(swap.responder) == (Decimal("5.00"), 1)
    assert _rating(swap.requester) == (Decimal("3.00"), 1)


def test_the_average_is_exact_over_several_reviews():
    # given a member reviewed 5, 4 and 4 in three swaps
    member = UserFactory()
    for rating in (5, 4, 4):
        review(past_swap(responder=member), rating=rating)

    # then
    assert _rating(member) == (Decimal("4.33"), 3)


def test_someone_who_is_not_a_party_gets_a_404_and_nothing_changes():
    # given
    swap = past_swap()
    stranger = UserFactory()

    # when / then
    with pytest.raises(NotFound):
        review(swap, stranger)
    assert Review.objects.count() == 0
    assert _rating(swap.responder) == (Decimal("0.00"), 0)


@pytest.mark.parametrize("status", [S.PENDING, S.ACCEPTED, S.REJECTED, S.CANCELLED])
def test_a_swap_that_did_not_complete_cannot_be_reviewed(status):
    # given
    swap = past_swap(status=status)

    # when / then
    with pytest.raises(Conflict) as refused:
        review(swap)
    assert refused.value.code == "swap_not_completed"
    assert refused.value.extra == {"current_status": status}
    assert Review.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_second_review_of_the_same_swap_is_refused():
    # given
    swap = past_swap()
    first = review(swap, rating=5)

    # when / then
    with pytest.raises(Conflict) as refused:
        review(swap, rating=1)
    assert refused.value.code == "already_reviewed"
    assert list(Review.objects.values_list("pk", "rating")) == [(first.pk, 5)]
    assert _rating(swap.responder) == (Decimal("5.00"), 1)


def test_the_reviewee_named_must_be_the_other_party():
    # given
    swap = past_swap()

    # when / then
    with pytest.raises(ValidationFailed) as refused:
        services.review_create(
            reviewer=swap.requester, swap_id=swap.pk, rating=5, reviewee_id=swap.requester_id
        )
    assert list(refused.value.fields) == ["reviewee_id"]
    assert Review.objects.count() == 0


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_a_rating_outside_1_to_5_is_refused(rating):
    swap = past_swap()
    with pytest.raises(ValidationFailed) as refused:
        review(swap, rating=rating)
    assert list(refused.value.fields) == ["rating"]
    assert Review.objects.count() == 0


def test_an_unknown_tag_is_refused():
    swap = past_swap()
    with pytest.raises(ValidationFailed) as refused:
        services.review_create(reviewer=swap.requester, swap_id=swap.pk, rating=5, tags=["rude"])
    assert list(refused.value.fields) == ["tags"]
    assert Review.objects.count() == 0


def test_a_review_of_a_disputed_swap_is_held_until_the_dispute_is_resolved():
    # given a disputed swap reviewed by its requester
    swap = past_swap(status=S.DISPUTED)
    held = review(swap, rating=2)
    assert held.status == Review.Status.HELD
    assert _rating(swap.responder) == (Decimal("0.00"), 0)
    assert Notification.objects.filter(kind="review_received").count() == 0

    # when the sweep runs while the dispute is open, nothing moves
    assert services.reviews_release() == 0

    # when a moderator resolves it and the sweep runs (twice)
    moderator = user_with_role(Role.ADMIN, is_staff=True)
    swap_resolve_dispute(swap=swap, moderator=moderator, outcome="refunded")
    assert services.reviews_release() == 1
    assert services.reviews_release() == 0

    # then the review is public, counted and notified once
    held.refresh_from_db()
    assert held.status == Review.Status.PUBLISHED
    assert held.published_at is not None
    assert _rating(swap.responder) == (Decimal("2.00"), 1)
    assert Notification.objects.filter(kind="review_received").count() == 1


def test_the_author_edits_within_the_window_and_the_rating_follows():
    # given
    swap = past_swap()
    written = review(swap, rating=5)

    # when
    edited = services.review_update(
        review=written, actor=swap.requester, rating=3, comment="Better on second thought."
    )

    # then
    assert (edited.rating, edited.comment) == (3, "Better on second thought.")
    assert edited.edited_at is not None
    assert _rating(swap.responder) == (Decimal("3.00"), 1)


def test_nobody_else_edits_a_review():
    swap = past_swap()
    written = review(swap, rating=5)
    with pytest.raises(Forbidden):
        services.review_update(review=written, actor=swap.responder, rating=1)
    written.refresh_from_db()
    assert (written.rating, written.edited_at) == (5, None)


def test_a_review_cannot_be_edited_after_the_window(settings):
    # given a review written 8 days ago with a 7-day window
    settings.REVIEW_EDIT_DAYS = 7
    swap = past_swap(days_ago=10)
    written = review(swap, rating=5)
    Review.objects.filter(pk=written.pk).update(created_at=timezone.now() - dt.timedelta(days=8))

    # when / then
    with pytest.raises(Conflict) as refused:
        services.review_update(review=written, actor=swap.requester, rating=1)
    assert refused.value.code == "edit_window_closed"
    written.refresh_from_db()
    assert written.rating == 5
    assert _rating(swap.responder) == (Decimal("5.00"), 1)


def test_the_reviewee_replies_once():
    # given
    swap = past_swap()
    written = review(swap)

    # when
    replied = services.review_reply(review=written, actor=swap.responder, reply="Thank you!")

    # then
    assert replied.reply == "Thank you!"
    assert replied.replied_at is not None
    with pytest.raises(Conflict) as refused:
        services.review_reply(review=written, actor=swap.responder, reply="Again")
    assert refused.value.code == "already_replied"
    written.refresh_from_db()
    assert written.reply == "Thank you!"


def test_only_the_reviewee_replies():
    swap = past_swap()
    written = review(swap)
    with pytest.raises(Forbidden):
        services.review_reply(review=written, actor=swap.requester, reply="Me too")
    written.refresh_from_db()
    assert (written.reply, written.replied_at) == ("", None)


def test_a_held_review_cannot_be_answered_yet():
    swap = past_swap(status=S.DISPUTED)
    held = review(swap)
    with pytest.raises(NotFound):
        services.review_reply(review=held, actor=swap.responder, reply="Hm")
    held.refresh_from_db()
    assert held.reply == ""
