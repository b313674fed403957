"""Authorization entries of the reviews routes (merged into tests/authz/matrix.py).

A member's published reviews are public; only the author edits a review (others get a 403: they
can see it), only the reviewee replies; seed 004's feedback list is for experts (the feedback on
their sessions) and staff (all of it).
"""

from __future__ import annotations

from typing import Any

from tests.authz.matrix import PASS, STAFF, Entry, public, signed_in, user_itself


def author_writes(role: str, relation: str) -> Any:
    """Anyone reads the published review; only its author changes it, others get a 403."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" else 403


def reviewee_replies(role: str, relation: str) -> Any:
    """Only the reviewee replies. An empty body is a 400 for anyone who may see the review, which
    says nothing about the reply; a valid body from someone else is a 403."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" else (400, 403)


def experts_and_staff(role: str, relation: str) -> Any:
    """Seed 004: friends (experts) see the feedback on them, staff see all; members get a 403."""
    if role == "anonymous":
        return 401
    return PASS if role == "expert" or role in STAFF else 403


def _completed_swap(requester, responder):
    from tests.community.reviews.factories import past_swap

    return past_swap(requester=requester, responder=responder)


def a_review_by_owner(owner, peer) -> dict[str, Any]:
    """A published review the owner wrote about the peer."""
    from tests.community.reviews.factories import review

    written = review(_completed_swap(owner, peer), owner, rating=4)
    return {"user_id": peer.pk, "pk": written.pk}


def a_review_of_owner(owner, peer) -> dict[str, Any]:
    """A published review the peer wrote about the owner."""
    from tests.community.reviews.factories import review

    written = review(_completed_swap(owner, peer), peer, rating=4)
    return {"user_id": owner.pk, "pk": written.pk}


ENTRIES: dict[str, Entry] = {
    # The caller's own reviews; POST reviews a swap of the caller's (an empty body is a 400).
    "review-list": Entry({"GET": signed_in, "POST": signed_in}, owned=False),
    "review-user-list": Entry({"GET": public}, build=user_itself, owned=False),
    "review-detail": Entry({"GET": public, "PATCH": author_writes}, build=a_review_by_owner),
    "review-reply": Entry({"POST": reviewee_replies}, build=a_review_of_owner),
    "feedback-list": Entry({"GET": experts_and_staff, "POST": signed_in}, owned=False),
}
