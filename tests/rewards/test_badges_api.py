"""``achievements/``: badges with the caller's progress, and staff award and revoke (docs/api.md,
"Achievements")."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from rewards import badges
from rewards.models import ActivityCounter, BadgeAward, Counter
from tests.accounts.factories import UserFactory
from tests.conftest import bearer
from tests.rewards.factories import badge_staff, balances, make_badge

pytestmark = pytest.mark.django_db
URL = "/api/v1/achievements/"


def _client(user=None, language: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=bearer(user))
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_anonymous_callers_get_every_active_badge_without_progress():
    # given
    make_badge(slug="teacher", name_en="Teacher", reward_silver=10)
    make_badge(slug="retired", active=False)

    # when
    response = _client().get(URL)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["slug"] == "teacher"
    assert row["name"] == "Teacher"
    assert row["counter"] == "sessions_taught"
    assert row["criteria"] == "Sessions taught: Bronze at 1, Silver at 5, Gold at 10"
    assert [(t["tier"], t["threshold"], t["reward"], t["earned_at"]) for t in row["tiers"]] == [
        ("bronze", 1, 0, None),
        ("silver", 5, 10, None),
        ("gold", 10, 0, None),
    ]
    assert (row["value"], row["earned"], row["next_threshold"], row["percent"]) == (
        None,
        None,
        None,
        None,
    )


def test_a_member_sees_their_progress_towards_the_next_tier():
    # given a member with 3 sessions taught who holds bronze
    member = UserFactory()
    make_badge(slug="teacher")
    ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=3)
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=3
    )

    # when
    (row,) = _client(member).get(URL).json()["results"]

    # then
    assert row["value"] == 3
    assert row["earned"] is True
    assert row["earned_tier"] == "bronze"
    assert (row["next_tier"], row["next_threshold"], row["percent"]) == ("silver", 5, 60)
    assert row["tiers"][0]["earned_at"] is not None
    assert row["tiers"][1]["earned_at"] is None


def test_names_follow_the_request_language():
    make_badge(slug="teacher", name_en="Teacher", name_ar="المعلّم")

    (row,) = _client(language="ar").get(URL).json()["results"]

    assert row["name"] == "المعلّم"


def test_the_list_runs_constant_queries(django_assert_num_queries):
    # given a member holding one of two badges
    member, staff = UserFactory(), badge_staff()
    client = _client(member)
    for number in range(2):
        badge = make_badge(slug=f"b{number}")
    badges.badge_award(user=member, badge=badge, by=staff, reason="Test")
    client.get(URL)  # warms the caller's cached reads (subscription, throttles)

    # when / then: the caller, count, page, counters, awards
    with django_assert_num_queries(5):
        client.get(URL)
    # and with four more badges, two more held, the same
    for number in range(2, 6):
        badge = make_badge(slug=f"b{number}")
        if number % 2:
            badges.badge_award(user=member, badge=badge, by=staff, reason="Test")
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert response.json()["count"] == 6


def test_staff_award_a_badge_by_slug_and_revoke_it():
    # given
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher", reward_bronze=4)
    client = _client(staff)

    # when
    awarded = client.post(
        URL,
        {"user_id": member.pk, "badge": "teacher", "action": "award", "reason": "Workshop"},
        format="json",
    )
    revoked = client.post(
        URL,
        {"user_id": member.pk, "badge": str(badge.pk), "action": "revoke", "reason": "Mistake"},
        format="json",
    )

    # then
    assert awarded.status_code == 201, awarded.json()
    body = awarded.json()
    award = BadgeAward.objects.get()
    assert body["id"] == award.pk
    assert (body["action"], body["user_id"], body["tier"], body["reward"]) == (
        "award",
        member.pk,
        "bronze",
        4,
    )
    assert body["badge"]["slug"] == "teacher"
    assert (body["awarded_by_id"], body["reason"], body["revoked_at"]) == (
        staff.pk,
        "Workshop",
        None,
    )
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["revoke_reason"] == "Mistake"
    assert revoked.json()["revoked_by_id"] == staff.pk
    assert BadgeAward.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_member_gets_a_403_in_their_language_and_nothing_changes():
    # given
    member, other = UserFactory(), UserFactory()
    make_badge(slug="teacher", reward_bronze=4)
    before = balances()

    # when
    response = _client(member, language="ar").post(
        URL,
        {"user_id": other.pk, "badge": "teacher", "action": "award", "reason": "Friend"},
        format="json",
    )

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert response["Content-Language"] == "ar"
    assert BadgeAward.objects.count() == 0
    assert balances() == before


def test_anonymous_post_is_a_401():
    make_badge(slug="teacher")

    response = _client().post(URL, {"user_id": 1, "badge": "teacher", "reason": "x"}, format="json")

    assert response.status_code == 401
    assert BadgeAward.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"badge": "teacher", "reason": "x", "colour": "red"}, "colour"),
        ({"badge": "nope", "reason": "x"}, "badge"),
        ({"badge": "teacher", "reason": "x", "tier": "platinum"}, "tier"),
        ({"badge": "teacher", "reason": "x", "action": "melt"}, "action"),
        ({"badge": "teacher", "reason": ""}, "reason"),
    ],
)
def test_invalid_bodies_are_a_400_naming_the_field(payload, field):
    # given
    member, staff = UserFactory(), badge_staff()
    make_badge(slug="teacher")

    # when
    response = _client(staff).post(URL, {"user_id": member.pk, **payload}, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert BadgeAward.objects.count() == 0


def test_an_unknown_member_is_a_400_and_a_held_tier_a_409():
    member, staff = UserFactory(), badge_staff()
    make_badge(slug="teacher")
    client = _client(staff)
    body = {"badge": "teacher", "tier": "bronze", "reason": "x"}

    missing = client.post(URL, {"user_id": 999_999_999, **body}, format="json")
    first = client.post(URL, {"user_id": member.pk, **body}, format="json")
    again = client.post(URL, {"user_id": member.pk, **body}, format="json")
    not_held = client.post(
        URL,
        {
            "user_id": member.pk,
            "badge": "teacher",
            "tier": "gold",
            "action": "revoke",
            "reason": "x",
        },
        format="json",
    )

    assert list(missing.json()["error"]["fields"]) == ["user_id"]
    assert first.status_code == 201
    assert (again.status_code, again.json()["error"]["code"]) == (409, "badge_already_held")
    assert (not_held.status_code, not_held.json()["error"]["code"]) == (409, "badge_not_held")
    assert BadgeAward.objects.count() == 1


def test_the_public_profile_shows_the_members_badges():
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher", name_en="Teacher")
    badges.badge_award(user=member, badge=badge, by=staff, reason="Workshop")

    body = _client(UserFactory()).get(f"/api/v1/users/{member.pk}/").json()

    assert [(row["slug"], row["name"], row["tier"]) for row in body["sections"]["badges"]] == [
        ("teacher", "Teacher", "bronze")
    ]


def test_search_and_ordering_narrow_and_sort_the_list():
    make_badge(slug="teacher", name_en="Teacher", name_ar="المعلّم")
    make_badge(slug="learner", name_en="Learner")

    found = _client().get(URL, {"search": "المعلّم"}).json()["results"]
    ordered = _client().get(URL, {"ordering": "slug"}).json()["results"]

    assert [row["slug"] for row in found] == ["teacher"]
    assert [row["slug"] for row in ordered] == ["learner", "teacher"]
