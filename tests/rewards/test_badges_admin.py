"""The Wagtail admin of badges: administrators edit definitions, staff award and revoke through
the services (audit log), members are refused."""

from __future__ import annotations

import pytest
from wagtail.models import ModelLogEntry

from accounts.roles import Role
from rewards import badges
from rewards.models import ActivityCounter, BadgeAward, BadgeDefinition, Counter
from tests.accounts.factories import UserFactory, user_with_role
from tests.rewards.factories import badge_staff, make_badge

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_a_bilingual_badge_and_it_is_backfilled(
    client, django_capture_on_commit_callbacks
):
    # given a member who already taught three sessions
    client.force_login(badge_staff())
    member = UserFactory()
    ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=3)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/badges/new/",
            {
                "slug": "mentor",
                "name_en": "Mentor",
                "name_ar": "المرشد",
                "description_en": "Guides newcomers.",
                "description_ar": "يرشد الأعضاء الجدد.",
                "icon": "star",
                "counter": "sessions_taught",
                "threshold_bronze": "2",
                "threshold_silver": "6",
                "threshold_gold": "",
                "reward_bronze": "5",
                "reward_silver": "10",
                "reward_gold": "0",
                "active": "on",
                "sort_order": "1",
            },
        )

    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    badge = BadgeDefinition.objects.get(slug="mentor")
    assert (badge.name_en, badge.name_ar, badge.threshold_silver) == ("Mentor", "المرشد", 6)
    assert list(member.badge_awards.values_list("tier", flat=True)) == ["bronze"]


def test_thresholds_must_rise_and_a_counter_badge_needs_bronze(client):
    client.force_login(badge_staff())
    base = {
        "slug": "bad",
        "name_en": "Bad",
        "icon": "star",
        "counter": "sessions_taught",
        "reward_bronze": "0",
        "reward_silver": "0",
        "reward_gold": "0",
        "sort_order": "1",
    }

    falling = client.post(
        "/admin/badges/new/", {**base, "threshold_bronze": "5", "threshold_silver": "3"}
    )
    no_bronze = client.post("/admin/badges/new/", {**base, "threshold_bronze": ""})

    assert falling.status_code == 200
    assert no_bronze.status_code == 200
    assert not BadgeDefinition.objects.exists()


def test_a_moderator_awards_and_revokes_through_the_admin(client):
    # given
    moderator = user_with_role(Role.MODERATOR, is_staff=True)
    member = UserFactory(email="amal@example.test")
    badge = make_badge(slug="teacher")
    client.force_login(moderator)

    # when
    listing = client.get("/admin/badge_awards/")
    awarded = client.post(
        "/admin/badge_awards/award/",
        {"email": "amal@example.test", "badge": badge.pk, "tier": "", "reason": "Workshop"},
    )
    award = BadgeAward.objects.get()
    revoked = client.post(f"/admin/badge_awards/revoke/{award.pk}/", {"reason": "Mistake"})

    listed = client.get("/admin/badge_awards/")
    inspected = client.get(f"/admin/badge_awards/inspect/{award.pk}/")

    # then
    assert listing.status_code == 200
    assert (awarded.status_code, revoked.status_code) == (302, 302)
    assert (listed.status_code, inspected.status_code) == (200, 200)
    award.refresh_from_db()
    assert (award.user, award.awarded_by, award.revoked_by) == (member, moderator, moderator)
    assert list(ModelLogEntry.objects.order_by("id").values_list("action", flat=True)) == [
        badges.LOG_AWARD,
        badges.LOG_REVOKE,
    ]


def test_moderators_may_not_edit_definitions_and_members_see_nothing(client):
    # given
    badge = make_badge(slug="teacher")
    moderator = user_with_role(Role.MODERATOR, is_staff=True)
    member = UserFactory()

    # when
    client.force_login(moderator)
    moderator_edit = client.get(f"/admin/badges/edit/{badge.pk}/")
    moderator_list = client.get("/admin/badges/")
    client.force_login(member)
    member_award = client.post(
        "/admin/badge_awards/award/",
        {"email": member.email, "badge": badge.pk, "reason": "Me"},
    )

    # then
    assert moderator_list.status_code == 200
    assert moderator_edit.status_code in (302, 403)
    assert member_award.status_code in (302, 403)
    assert BadgeAward.objects.count() == 0
