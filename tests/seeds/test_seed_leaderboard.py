"""Seeds 000 and 001, section G: ``GET leaderboard/``, "a sorted list of users based on their swap
activity or accumulated ratings", fed by what members really do (docs/api.md, "Leaderboard")."""

from __future__ import annotations

import pytest

from exchanges.models import Swap
from exchanges.services import swap_complete
from tests.community.reviews.factories import past_swap, review
from tests.seeds.helpers import body, items, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _table_board(settings):
    settings.LEADERBOARD_BACKEND = "table"


def completed(swap: Swap, capture) -> Swap:
    """Both parties mark the session complete; the leaderboard hears of it after commit."""
    with capture(execute=True):
        swap_complete(swap=swap, actor=swap.requester)
    with capture(execute=True):
        swap_complete(swap=swap, actor=swap.responder)
    swap.refresh_from_db()
    assert swap.status == Swap.Status.COMPLETED
    return swap


@pytest.mark.parametrize("path", ["leaderboard/", "leaderboard"])
def test_seed_000_ranks_the_top_skill_swappers(
    client_for, member, django_capture_on_commit_callbacks, path
):
    # given John learned in two completed sessions, each with a different expert
    first = completed(
        past_swap(status=Swap.Status.ACCEPTED, requester=member), django_capture_on_commit_callbacks
    )
    second = completed(
        past_swap(status=Swap.Status.ACCEPTED, requester=member, days_ago=3),
        django_capture_on_commit_callbacks,
    )

    # when John's client asks for the leaderboard, nobody having run a command
    response = client_for(member).get(url(path))

    # then John ranks first with two swaps, the experts after him by id, and John's own rank
    assert response.status_code == 200
    ranking = [(row["rank"], row["user"]["id"], row["score"]) for row in items(response)]
    assert ranking == [(1, member.pk, 2), (2, first.responder_id, 1), (3, second.responder_id, 1)]
    assert body(response)["me"] == {"rank": 1, "score": 2}
    assert (body(response)["metric"], body(response)["period"]) == ("swaps", "all")


def test_seed_001_ranks_by_accumulated_ratings(
    client_for, member, settings, django_capture_on_commit_callbacks
):
    # given one review is enough to be ranked, and John gave his teacher four stars
    settings.LEADERBOARD_RATING_MIN_REVIEWS = 1
    swap = past_swap(requester=member)
    with django_capture_on_commit_callbacks(execute=True):
        review(swap, rating=4)

    # when an anonymous client asks for this week's ranking by rating
    response = client_for(None).get(url("leaderboard/"), {"metric": "rating", "period": "week"})

    # then the teacher is ranked at 4.0
    assert response.status_code == 200
    assert [(row["user"]["id"], row["score"]) for row in items(response)] == [
        (swap.responder_id, 4.0)
    ]
    assert body(response)["me"] is None
