"""Every non-trivial read of reviews: ``review_list`` / ``review_get`` and the profile summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum

from community.reviews.models import Review
from core.exceptions import NotFound

if TYPE_CHECKING:
    from accounts.models import User

VIEW_ALL = "community_reviews.view_review"


def _rows(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.select_related("reviewer", "reviewee", "swap")


def reviews_staff(user: object) -> bool:
    """Whether ``user`` sees every review, held ones included (moderators, admins)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_ALL))  # type: ignore[attr-defined]


def review_list_public(*, reviewee_id: int) -> QuerySet[Review]:
    """The published reviews of an active member, newest first; a 404 for anyone else."""
    from accounts.models import User

    if not User.objects.filter(pk=reviewee_id, is_active=True).exists():
        raise NotFound()
    return _rows(Review.objects.filter(reviewee_id=reviewee_id, status=Review.Status.PUBLISHED))


def review_list_own(*, user: User) -> QuerySet[Review]:
    """Reviews ``user`` wrote (held ones too) or received (published only)."""
    return _rows(
        Review.objects.filter(Q(reviewer=user) | Q(reviewee=user, status=Review.Status.PUBLISHED))
    )


def feedback_list(*, user: User) -> QuerySet[Review]:
    """Seed 004's feedback: staff see every review; anyone else the published reviews of them."""
    if reviews_staff(user):
        return _rows(Review.objects.all())
    return _rows(Review.objects.filter(reviewee=user, status=Review.Status.PUBLISHED))


def review_get(*, viewer: object, reviewee_id: int, review_id: int) -> Review:
    """One review of ``reviewee_id``: published, or the viewer's own, or any for staff; else 404."""
    review = _rows(Review.objects.filter(pk=review_id, reviewee_id=reviewee_id)).first()
    if review is None:
        raise NotFound()
    if review.is_published and review.reviewee.is_active:
        return review
    if getattr(viewer, "pk", None) == review.reviewer_id or reviews_staff(viewer):
        return review
    raise NotFound()


def swap_reviews(*, swap_id: int) -> list[Review]:
    """Both reviews of a swap (held ones too: the swap page shows them to its parties only)."""
    return list(_rows(Review.objects.filter(swap_id=swap_id)).order_by("created_at", "id"))


def swap_reviews_seed003(swap_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Seed 003's ``reviews`` of meetings (exchanges' hook): published reviews, one query."""
    found: dict[int, list[dict[str, Any]]] = {}
    reviews = _rows(
        Review.objects.filter(swap_id__in=swap_ids, status=Review.Status.PUBLISHED)
    ).order_by("created_at", "id")
    for review in reviews:
        # The meeting's own reviews in seed 003's meeting detail carry no meeting_id.
        row = review_seed003(review)
        del row["meeting_id"]
        found.setdefault(review.swap_id, []).append(row)
    return found


def review_seed003(review: Review) -> dict[str, Any]:
    """A review in seed 003's shape."""
    return {
        "id": review.pk,
        "meeting_id": review.swap_id,
        "reviewer_id": review.reviewer_id,
        "reviewer_name": review.reviewer.public_name,
        "reviewee_id": review.reviewee_id,
        "reviewee_name": review.reviewee.public_name,
        "rating": review.rating,
        "review_text": review.comment,
        "created_at": review.created_at,
    }


def rating_breakdown(*, reviewee_id: int) -> dict[int, int]:
    """How many published reviews of the member gave each rating, 5 to 1 (one query)."""
    from django.db.models import Count

    counts = dict(
        Review.objects.filter(reviewee_id=reviewee_id, status=Review.Status.PUBLISHED)
        .values_list("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    return {stars: counts.get(stars, 0) for stars in range(5, 0, -1)}


# --- activity recount (rewards.activity.register_recount; registered in apps.py) ---------------
# The true totals of what ``services._activity_on_published`` / ``_activity_on_rating_changed``
# count: the reviewee's published reviews at their current rating.


def _published_by_reviewee(aggregate: Count | Sum, **filters: Any) -> dict[int, int]:
    rows = (
        Review.objects.filter(status=Review.Status.PUBLISHED, **filters)
        .order_by()
        .values_list("reviewee_id")
        .annotate(total=aggregate)
    )
    return dict(rows.values_list("reviewee_id", "total"))


def activity_reviews_received() -> dict[int, int]:
    """Published reviews by reviewee."""
    return _published_by_reviewee(Count("id"))


def activity_rating_points() -> dict[int, int]:
    """Stars of the published reviews by reviewee."""
    return _published_by_reviewee(Sum("rating"))


def activity_high_reviews() -> dict[int, int]:
    """Published reviews of four stars or more by reviewee."""
    from community.reviews.services import HIGH_RATING

    return _published_by_reviewee(Count("id"), rating__gte=HIGH_RATING)
