"""As a new member would: complete a swap through the API, then see the badge and the rank change,
with nobody running a command (docs/api.md, "Achievements" and "Leaderboard")."""

from __future__ import annotations

import pytest

from exchanges.models import Swap
from rewards.models import Counter
from tests.community.reviews.factories import past_swap
from tests.rewards.factories import make_badge
from tests.seeds.helpers import body, items, url

pytestmark = pytest.mark.django_db


def test_completing_a_swap_earns_the_badge_and_a_rank_without_any_command(
    client_for, member, django_capture_on_commit_callbacks
):
    # given a badge for a first session learned, and an accepted session of the new member
    badge = make_badge(slug="first-lesson", counter=Counter.SESSIONS_LEARNED, reward_bronze=3)
    swap = past_swap(status=Swap.Status.ACCEPTED, requester=member)
    learner, teacher = client_for(member), client_for(swap.responder)
    before = body(learner.get(url("leaderboard/")))["me"]

    # when both of them mark it complete, as their clients do (effects run after each commit)
    for client in (learner, teacher):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url(f"swaps/{swap.pk}/complete"), {}, format="json")
        assert response.status_code == 200, response.content

    # then the learner holds the badge's bronze tier, with its reward, and ranks first
    swap.refresh_from_db()
    assert swap.status == Swap.Status.COMPLETED
    (row,) = [item for item in items(learner.get(url("achievements/"))) if item["id"] == badge.pk]
    assert (row["value"], row["earned_tier"], row["earned"]) == (1, "bronze", True)
    assert before is None
    board = body(learner.get(url("leaderboard/")))
    assert board["me"] == {"rank": 1, "score": 1}
    assert body(learner.get(url("points/balance")))["balance"] >= 3
