"""Template tags that show reviews on other apps' pages without those apps importing reviews.

``{% profile_reviews member %}`` on the public profile (marketplace's template) and
``{% swap_reviews swap user %}`` on the swap page (exchanges' template).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Paginator

from community.reviews import selectors, services
from community.reviews.forms import ReviewForm
from community.reviews.models import Review

register = template.Library()

PROFILE_PAGE_SIZE = 10
PAGE_PARAM = "reviews_page"


@register.inclusion_tag("community/reviews/_profile_reviews.html", takes_context=True)
def profile_reviews(context: template.Context, member: Any) -> dict[str, Any]:
    """A member's rating summary and published reviews, ``?reviews_page=`` paginated.

    ``member.rating_count`` is the number of published reviews (kept in the same transaction as
    they change), so a member without reviews costs no query and one with reviews two: the page
    and the breakdown. Held reviews are published by the beat sweep and the API's reads.
    """
    request = context.get("request")
    summary: dict[str, Any] = {"member": member, "page": None, "reviews": [], "breakdown": {}}
    if not member.rating_count:
        return summary
    reviews = Review.objects.filter(
        reviewee_id=member.pk, status=Review.Status.PUBLISHED
    ).select_related("reviewer", "reviewee")
    paginator = Paginator(reviews.order_by("-created_at", "-id"), PROFILE_PAGE_SIZE)
    paginator.__dict__["count"] = member.rating_count  # cached_property: spares a COUNT query
    number = request.GET.get(PAGE_PARAM) if request is not None else None
    page = paginator.get_page(number)
    return {
        **summary,
        "page": page,
        "reviews": list(page.object_list),
        "breakdown": selectors.rating_breakdown(reviewee_id=member.pk),
        "page_param": PAGE_PARAM,
    }


@register.inclusion_tag("community/reviews/_swap_reviews.html", takes_context=True)
def swap_reviews(context: template.Context, swap: Any, user: Any) -> dict[str, Any]:
    """Both reviews of a swap for one of its parties, and the review form when it is their turn."""
    reviews = selectors.swap_reviews(swap_id=swap.pk)
    mine = next((r for r in reviews if r.reviewer_id == user.pk), None)
    theirs = next((r for r in reviews if r.reviewee_id == user.pk and r.is_published), None)
    can_review = mine is None and services.review_refusal(swap=swap, reviewer=user) is None
    return {
        "swap": swap,
        "mine": mine,
        "theirs": theirs,
        "can_review": can_review,
        "can_edit": mine is not None and services.review_can_edit(review=mine, user=user),
        "can_reply": theirs is not None and theirs.replied_at is None,
        "form": ReviewForm() if can_review else None,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.simple_tag
def stars(rating: int) -> str:
    """``★★★★☆`` for 4 (decorative: templates give the number in words beside it)."""
    rating = max(0, min(5, int(rating or 0)))
    return "★" * rating + "☆" * (5 - rating)
