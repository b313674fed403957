"""In a real browser: the badge gallery with a member's progress in English and Arabic, and the
profile's badge section, all passing axe."""

from __future__ import annotations

import pytest

from rewards import badges
from rewards.models import ActivityCounter, Counter
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import outside_playwright_loop
from tests.rewards.factories import badge_staff, make_badge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_sees_their_badges_and_progress_in_both_languages(new_context, axe_check):
    # given a member with 3 sessions taught (bronze earned) and a staff-awarded badge
    member = UserFactory(first_name="Huda", last_name="Salem")
    make_badge(slug="teacher", name_en="Teacher", name_ar="المعلّم", reward_silver=10)
    founders = make_badge(
        slug="founder",
        name_en="Founding member",
        name_ar="عضو مؤسس",
        counter="",
        threshold_bronze=None,
        threshold_silver=None,
        threshold_gold=None,
    )
    ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=3)
    with outside_playwright_loop():  # the awards' after-commit notifications use async_to_sync
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=3
        )
        badges.badge_award(user=member, badge=founders, by=badge_staff(), reason="Early")

    for lang, direction, name, label in (
        ("en", "ltr", "Teacher", "3 of 5 for Silver"),
        ("ar", "rtl", "المعلّم", None),
    ):
        page = new_context(member, locale=lang).new_page()

        # when the member opens the gallery
        page.goto(f"/{lang}/badges/")

        # then it reads in the language's direction, with a labelled progress bar per badge
        assert page.locator("html").get_attribute("dir") == direction
        assert name in page.locator("h2").all_inner_texts()
        bars = page.locator("progress")
        assert bars.count() == 2
        if label is not None:
            assert page.get_by_label(label).get_attribute("value") == "60"
        assert [v["id"] for v in axe_check(page) if v["impact"] in ("serious", "critical")] == []

        # and the public profile lists both badges
        page.goto(f"/{lang}/people/{member.pk}/")
        section = page.locator("section.profile-badges")
        assert section.locator("li").count() == 2
        assert [v["id"] for v in axe_check(page) if v["impact"] in ("serious", "critical")] == []
