"""Every write of reviews: ``review_<action>(*, ...)`` under ``transaction.atomic``.

Lock order, always: the reviewee's user row (``FOR NO KEY UPDATE``: only the rating columns
change), then the review row. The reviewee's ``rating_average`` and ``rating_count`` are recomputed
from their published reviews while that lock is held, in the same transaction as the review, so
concurrent reviews of one member never lose a count (docs/architecture.md, lock order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from community.reviews.models import Review, Tag
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from core.text import text_clean
from exchanges.models import Swap
from rewards.activity import ActivityRecord, activity_record_many
from rewards.models import Counter

S = Swap.Status
# A session that took place: completed, or resolved after a dispute (either way the members met).
REVIEWABLE = frozenset({S.COMPLETED, S.REFUNDED})
# Reviewed now, published when the dispute is resolved.
HELD_WHILE = frozenset({S.DISPUTED})
COMMENT_MAX = 4000
RATING_MIN, RATING_MAX = 1, 5
# From this rating a review counts as a high review (rewards' ``high_reviews`` counter).
HIGH_RATING = 4
TWO_PLACES = Decimal("0.01")


def _rating(value: int, *, field: str = "rating") -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not RATING_MIN <= value <= RATING_MAX
    ):
        raise ValidationFailed(fields={field: [_("Give a rating from 1 to 5.")]})
    return value


def _comment(value: str, *, field: str = "comment") -> str:
    text = text_clean(value or "").strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(
            fields={field: [_("Write at most %(max)d characters.") % {"max": COMMENT_MAX}]}
        )
    return text


def _tags(values: Iterable[str], *, field: str = "tags") -> list[str]:
    wanted = list(dict.fromkeys(values))
    unknown = [tag for tag in wanted if tag not in Tag.values]
    if unknown:
        raise ValidationFailed(
            fields={field: [_("Unknown tag: %(tag)s") % {"tag": ", ".join(map(str, unknown))}]}
        )
    # Stored in the vocabulary's order, whatever the client's.
    return [tag for tag in Tag.values if tag in wanted]


def _public_pages_changed() -> None:
    """Anonymous profile and offer pages show ratings and reviews: drop their cached copies."""
    from marketplace.cache import offers_cache_bump

    transaction.on_commit(offers_cache_bump)


def _lock_user(user_id: int) -> User:
    return User.objects.select_for_update(no_key=True).get(pk=user_id)


def user_rating_recompute(*, user_id: int) -> tuple[Decimal, int]:
    """Recompute a member's rating from their published reviews.

    Call while holding the member's user row lock (``_lock_user``), inside the review's
    transaction: the aggregate then sees every committed review and none can slip in between.
    """
    totals = Review.objects.filter(reviewee_id=user_id, status=Review.Status.PUBLISHED).aggregate(
        average=Avg("rating"), count=Count("id")
    )
    count = int(totals["count"] or 0)
    average = (
        Decimal(str(totals["average"])).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        if count
        else Decimal("0.00")
    )
    User.objects.filter(pk=user_id).update(rating_average=average, rating_count=count)
    _public_pages_changed()
    return average, count


def _activity_on_published(review: Review) -> None:
    """Count a review that became visible for its reviewee (source ``review:<id>``, once).

    Reviews received, the stars and, from four stars, a high review. Called last in the
    transaction: the counters come after the reviewee's user row and the review.
    """
    source = f"review:{review.pk}"
    at = review.published_at
    records = [
        ActivityRecord(review.reviewee_id, Counter.REVIEWS_RECEIVED, source, 1, at),
        ActivityRecord(review.reviewee_id, Counter.RATING_POINTS, source, review.rating, at),
    ]
    if review.rating >= HIGH_RATING:
        records.append(ActivityRecord(review.reviewee_id, Counter.HIGH_REVIEWS, source, 1, at))
    activity_record_many(records)


def _activity_on_rating_changed(review: Review, *, old: int) -> None:
    """Adjust the reviewee's stars (and high reviews when the rating crosses four) after an edit
    of a published review; the edit's time names it (``review:<id>:rating:<edited_at>``)."""
    source = f"review:{review.pk}:rating:{review.edited_at:%Y%m%dT%H%M%S.%f}"
    records = [
        ActivityRecord(
            review.reviewee_id, Counter.RATING_POINTS, source, review.rating - old, review.edited_at
        )
    ]
    crossed = (review.rating >= HIGH_RATING) - (old >= HIGH_RATING)
    if crossed:
        records.append(
            ActivityRecord(
                review.reviewee_id, Counter.HIGH_REVIEWS, source, crossed, review.edited_at
            )
        )
    activity_record_many(records)


def _notify_received(review: Review) -> None:
    from messaging.services.notifications import notification_send

    notification_send(
        recipient=review.reviewee,
        kind="review_received",
        context={"other_name": review.reviewer.public_name, "rating": review.rating},
        related_type="review",
        related_id=review.pk,
    )


def review_refusal(*, swap: Swap, reviewer: User) -> str | None:
    """Why ``reviewer`` may not review ``swap`` now (status only), or None."""
    if not swap.is_party(reviewer):
        return _("Only the two parties of a swap can review it.")
    if swap.status not in REVIEWABLE | HELD_WHILE:
        return _("A swap can be reviewed once it is completed.")
    return None


@transaction.atomic
def review_create(
    *,
    reviewer: User,
    swap_id: int,
    rating: int,
    comment: str = "",
    tags: Iterable[str] = (),
    reviewee_id: int | None = None,
    field_names: dict[str, str] | None = None,
) -> Review:
    """Review the other party of a completed swap, once per swap and direction.

    A swap the reviewer is not a party of is a 404. A swap that is not completed is a 409
    (``swap_not_completed``); a second review of the same swap by the same member is a 409
    (``already_reviewed``). A review of a disputed swap is stored ``held`` and published by
    ``reviews_release`` when the dispute is resolved. Locks the reviewee's user row, then
    recomputes their rating and notifies them (``review_received``) when the review is published.
    ``field_names`` renames fields in errors (a seed's body: ``{"swap_id": "meeting_id"}``).
    """
    names = field_names or {}
    rating = _rating(rating, field=names.get("rating", "rating"))
    comment = _comment(comment, field=names.get("comment", "comment"))
    tag_list = _tags(tags, field=names.get("tags", "tags"))

    swap = (
        Swap.objects.select_related("requester", "responder")
        .filter(Q(requester=reviewer) | Q(responder=reviewer), pk=swap_id)
        .first()
    )
    if swap is None:
        raise NotFound(_("No swap of yours has this id."))
    reviewee = cast(User, swap.other_party(reviewer))
    if reviewee_id is not None and reviewee_id != reviewee.pk:
        raise ValidationFailed(
            fields={
                names.get("reviewee_id", "reviewee_id"): [
                    _("The reviewee must be the other party of the swap.")
                ]
            }
        )
    reason = review_refusal(swap=swap, reviewer=reviewer)
    if reason is not None:
        raise Conflict(reason, code="swap_not_completed", extra={"current_status": swap.status})

    _lock_user(reviewee.pk)
    if Review.objects.filter(swap=swap, reviewer=reviewer).exists():
        raise Conflict(_("You have already reviewed this swap."), code="already_reviewed")
    held = swap.status in HELD_WHILE
    now = timezone.now()
    try:
        with transaction.atomic():
            review = Review.objects.create(
                swap=swap,
                reviewer=reviewer,
                reviewee=reviewee,
                rating=rating,
                comment=comment,
                tags=tag_list,
                status=Review.Status.HELD if held else Review.Status.PUBLISHED,
                published_at=None if held else now,
            )
    except IntegrityError:
        raise Conflict(_("You have already reviewed this swap."), code="already_reviewed") from None
    if not held:
        user_rating_recompute(user_id=reviewee.pk)
        _activity_on_published(review)
        _notify_received(review)
    return review


def review_editable_until(review: Review) -> dt.datetime:
    return review.created_at + dt.timedelta(days=settings.REVIEW_EDIT_DAYS)


def review_can_edit(*, review: Review, user: object, now: dt.datetime | None = None) -> bool:
    return getattr(user, "pk", None) == review.reviewer_id and (
        now or timezone.now()
    ) < review_editable_until(review)


@transaction.atomic
def review_update(
    *,
    review: Review,
    actor: User,
    rating: int | None = None,
    comment: str | None = None,
    tags: Iterable[str] | None = None,
) -> Review:
    """Edit one's own review within ``REVIEW_EDIT_DAYS`` of writing it.

    Someone else's review is a 403; after the window a 409 (``edit_window_closed``). Locks the
    reviewee's user row, then the review; a changed rating of a published review recomputes the
    reviewee's rating in the same transaction.
    """
    if actor.pk != review.reviewer_id:
        raise Forbidden(_("Only the author of a review can edit it."))
    new_rating = None if rating is None else _rating(rating)
    new_comment = None if comment is None else _comment(comment)
    new_tags = None if tags is None else _tags(tags)

    _lock_user(review.reviewee_id)
    review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
    now = timezone.now()
    if now >= review_editable_until(review):
        raise Conflict(
            _("A review can be edited for %(days)d days after it was written.")
            % {"days": settings.REVIEW_EDIT_DAYS},
            code="edit_window_closed",
        )
    changed: list[str] = []
    old_rating = review.rating
    if new_rating is not None and new_rating != review.rating:
        review.rating = new_rating
        changed.append("rating")
    if new_comment is not None and new_comment != review.comment:
        review.comment = new_comment
        changed.append("comment")
    if new_tags is not None and new_tags != review.tags:
        review.tags = new_tags
        changed.append("tags")
    if changed:
        review.edited_at = now
        review.save(update_fields=[*changed, "edited_at"])
        if "rating" in changed and review.is_published:
            user_rating_recompute(user_id=review.reviewee_id)
            _activity_on_rating_changed(review, old=old_rating)
        elif review.is_published:
            _public_pages_changed()
    return review


@transaction.atomic
def review_reply(*, review: Review, actor: User, reply: str) -> Review:
    """The reviewee answers a published review of them, once.

    Someone else is a 403; a held review is a 404 (the reviewee cannot see it yet); a second
    reply is a 409 (``already_replied``). Locks the review row.
    """
    if actor.pk != review.reviewee_id:
        raise Forbidden(_("Only the member who was reviewed can reply."))
    text = _comment(reply, field="reply")
    if not text:
        raise ValidationFailed(fields={"reply": [_("Write a reply.")]})
    review = Review.objects.select_for_update(no_key=True).get(pk=review.pk)
    if not review.is_published:
        raise NotFound()
    if review.replied_at is not None:
        raise Conflict(_("You have already replied to this review."), code="already_replied")
    review.reply = text
    review.replied_at = timezone.now()
    review.save(update_fields=["reply", "replied_at"])
    _public_pages_changed()
    return review


def reviews_release(*, reviewee_id: int | None = None) -> int:
    """Publish the held reviews whose swap is no longer in dispute; return how many.

    Run by Celery beat (``reviews_release_task``) and before a member's reviews are listed, so a
    resolved dispute shows its reviews even where beat does not run. Each review is published in
    its own transaction: the reviewee's user row is locked, the review moves ``held → published``
    by a conditional UPDATE (two concurrent sweeps publish it once), the rating is recomputed and
    the reviewee notified.
    """
    held = Review.objects.filter(status=Review.Status.HELD).exclude(swap__status__in=HELD_WHILE)
    if reviewee_id is not None:
        held = held.filter(reviewee_id=reviewee_id)
    published = 0
    for review_id, user_id in held.order_by("reviewee_id", "id").values_list("id", "reviewee_id"):
        with transaction.atomic():
            _lock_user(user_id)
            moved = Review.objects.filter(pk=review_id, status=Review.Status.HELD).update(
                status=Review.Status.PUBLISHED, published_at=timezone.now()
            )
            if not moved:
                continue
            user_rating_recompute(user_id=user_id)
            review = Review.objects.select_related("reviewer", "reviewee").get(pk=review_id)
            _activity_on_published(review)
            _notify_received(review)
            published += 1
    return published


def reviews_export(user: User) -> dict[str, list[dict]]:
    """The reviews ``user`` wrote and received, for their data export."""

    def rows(reviews) -> list[dict]:
        return [
            {
                "id": review.pk,
                "swap_id": review.swap_id,
                "reviewer_id": review.reviewer_id,
                "reviewee_id": review.reviewee_id,
                "rating": review.rating,
                "comment": review.comment,
                "tags": review.tags,
                "reply": review.reply,
                "status": review.status,
                "created_at": review.created_at.isoformat(),
            }
            for review in reviews
        ]

    return {
        "written": rows(Review.objects.filter(reviewer=user).order_by("id")),
        "received": rows(Review.objects.filter(reviewee=user).order_by("id")),
    }
