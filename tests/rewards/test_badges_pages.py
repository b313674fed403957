"""The badge gallery (/en/badges/, /ar/badges/) and the profile's badge section."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from rewards import badges
from rewards.models import ActivityCounter, Counter
from tests.accounts.factories import UserFactory
from tests.rewards.factories import badge_staff, make_badge

pytestmark = pytest.mark.django_db


def test_the_gallery_lists_active_badges_and_invites_visitors_to_sign_in(client):
    # given
    make_badge(slug="teacher", name_en="Teacher", description_en="Teach sessions.", reward_gold=20)
    make_badge(slug="retired", name_en="Retired", active=False)

    # when
    response = client.get("/en/badges/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Teacher" in html
    assert "Retired" not in html
    assert "+20 points" in html
    assert "Sign in to see your progress." in html
    assert "<progress" not in html
    assert ' style="' not in html
    assert html.count("<h1") == 1


def test_a_member_sees_labelled_progress_bars(client):
    # given a member with 3 sessions taught, holding bronze
    member = UserFactory()
    make_badge(slug="teacher", name_en="Teacher")
    ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=3)
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=3
    )
    client.force_login(member)

    # when
    html = client.get("/en/badges/").content.decode()

    # then
    badge_id = member.badge_awards.get().badge_id
    assert f'<label for="progress-{badge_id}">3 of 5 for Silver</label>' in html
    assert f'<progress id="progress-{badge_id}" max="100" value="60">' in html
    assert "Badges you hold: 1 of 1." in html


def test_the_gallery_in_arabic_is_right_to_left_with_arabic_names(client):
    make_badge(slug="teacher", name_en="Teacher", name_ar="المعلّم")

    html = client.get("/ar/badges/").content.decode()

    assert 'dir="rtl"' in html
    assert "المعلّم" in html
    assert "Teacher" not in html


def test_the_gallery_runs_constant_queries(client, django_assert_num_queries):
    # given a signed-in member and two badges
    member, staff = UserFactory(), badge_staff()
    first = make_badge(slug="a")
    make_badge(slug="b")
    badges.badge_award(user=member, badge=first, by=staff, reason="Test")
    client.force_login(member)
    client.get("/en/badges/")
    with CaptureQueriesContext(connection) as baseline:
        client.get("/en/badges/")
    count = len(baseline.captured_queries)

    # when six more badges exist, some held
    for number in range(6):
        badge = make_badge(slug=f"more-{number}")
        if number % 2:
            badges.badge_award(user=member, badge=badge, by=staff, reason="Test")

    # then
    with django_assert_num_queries(count):
        client.get("/en/badges/")


def test_the_profile_shows_the_members_badges_at_their_highest_tier(client):
    # given
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher", name_en="Teacher")
    badges.badge_award(user=member, badge=badge, by=staff, reason="One")
    badges.badge_award(user=member, badge=badge, by=staff, reason="Two")

    # when
    html = client.get(f"/en/people/{member.pk}/").content.decode()

    # then
    assert 'id="badges-heading"' in html
    assert "Teacher" in html
    assert '<span class="badge tier-silver">Silver</span>' in html
    assert html.count("tier-bronze") == 0


def test_the_gallery_is_named_rewards_badges():
    with translation.override("ar"):
        assert reverse("rewards:badges") == "/ar/badges/"
