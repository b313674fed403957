"""Seeds 000 and 001, section G: ``GET achievements/`` (available badges and the user's progress)
and ``POST achievements/`` (award or update badges), as their clients send them (docs/api.md,
"Achievements")."""

from __future__ import annotations

import pytest

from rewards import badges
from rewards.models import ActivityCounter, BadgeAward, Counter
from tests.rewards.factories import make_badge
from tests.seeds.helpers import items, snapshot, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["achievements/", "achievements"])
def test_seed_000_lists_available_badges_with_the_users_progress(client_for, member, path):
    # given John taught two sessions towards a badge whose bronze needs one and silver five
    make_badge(slug="teacher", name_en="Teacher", description_en="Teach sessions.")
    ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=2)
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=2
    )

    # when John's client asks for the achievements
    response = client_for(member).get(url(path))

    # then every badge comes with its criteria and John's progress indicators
    assert response.status_code == 200
    (badge,) = items(response)
    assert (badge["slug"], badge["name"], badge["description"]) == (
        "teacher",
        "Teacher",
        "Teach sessions.",
    )
    assert badge["criteria"] == "Sessions taught: Bronze at 1, Silver at 5, Gold at 10"
    assert (badge["value"], badge["earned_tier"], badge["next_threshold"], badge["percent"]) == (
        2,
        "bronze",
        5,
        40,
    )


def test_seed_001_staff_award_a_badge_and_the_user_sees_it(client_for, member, staff):
    # given
    make_badge(slug="mentor", name_en="Mentor", reward_bronze=5)

    # when the admin's client awards it
    response = client_for(staff).post(
        url("achievements/"),
        {"user_id": member.pk, "badge": "mentor", "reason": "Mentored the newcomers"},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    assert (response.json()["badge"]["slug"], response.json()["tier"]) == ("mentor", "bronze")
    (badge,) = items(client_for(member).get(url("achievements/")))
    assert (badge["earned"], badge["earned_tier"]) == (True, "bronze")


def test_seed_001_a_member_cannot_award_themselves_and_nothing_changes(client_for, member):
    # given
    make_badge(slug="mentor")
    before = snapshot(BadgeAward)

    # when
    response = client_for(member).post(
        url("achievements/"),
        {"user_id": member.pk, "badge": "mentor", "reason": "Me"},
        format="json",
    )

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot(BadgeAward) == before
