"""Badges earned by counters: thresholds and tiers, once, the reward through the ledger, the
notification, staff award and revocation (rewards/badges.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import ModelLogEntry

from core.exceptions import Forbidden, ValidationFailed
from messaging.models import Notification
from rewards import badges
from rewards.models import ActivityCounter, BadgeAward, Counter, LedgerAccount, Reason, Transfer
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.rewards.factories import badge_staff, balances, make_badge

pytestmark = pytest.mark.django_db


def _held(user) -> list[tuple[str, str]]:
    return sorted(
        BadgeAward.objects.filter(user=user, revoked_at__isnull=True).values_list(
            "badge__slug", "tier"
        )
    )


def test_crossing_the_bronze_threshold_awards_bronze_only():
    # given
    member = UserFactory()
    make_badge(slug="teacher")

    # when
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
    )

    # then
    assert _held(member) == [("teacher", "bronze")]
    assert BadgeAward.objects.get().counter_value == 1


def test_crossing_two_tiers_at_once_awards_both():
    # given
    member = UserFactory()
    make_badge(slug="teacher")

    # when
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=6
    )

    # then
    assert _held(member) == [("teacher", "bronze"), ("teacher", "silver")]


def test_a_value_inside_a_tier_or_a_decrease_awards_nothing_and_revokes_nothing():
    # given a member holding bronze
    member = UserFactory()
    make_badge(slug="teacher")
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
    )

    # when the counter moves inside the tier, repeats, then goes down
    for old, new in ((1, 4), (1, 1), (4, 0)):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=old, new=new
        )

    # then
    assert _held(member) == [("teacher", "bronze")]


def test_a_second_crossing_of_a_held_tier_awards_it_once():
    # given
    member = UserFactory()
    make_badge(slug="teacher")
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
    )

    # when a correction took the counter back and it crosses again
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
    )

    # then
    assert BadgeAward.objects.count() == 1


def test_inactive_badges_and_other_counters_award_nothing():
    # given
    member = UserFactory()
    make_badge(slug="retired", active=False)
    make_badge(slug="learner", counter=Counter.SESSIONS_LEARNED)
    make_badge(
        slug="staff-only",
        counter="",
        threshold_bronze=None,
        threshold_silver=None,
        threshold_gold=None,
    )

    # when
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=20
    )

    # then
    assert _held(member) == []


def test_the_reward_is_paid_once_through_the_ledger_and_the_member_is_notified(
    django_capture_on_commit_callbacks,
):
    # given a badge whose bronze pays 5 points
    member = UserFactory(language="en")
    make_badge(slug="teacher", name_en="Teacher", reward_bronze=5)
    before = wallet_balance(user=member)

    # when the counter crosses bronze and the commit runs the task
    with django_capture_on_commit_callbacks(execute=True):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
        )
    award = BadgeAward.objects.get()
    # and a redelivered task runs again
    badges.badge_award_effects_task(award.pk)

    # then
    assert wallet_balance(user=member) == before + 5
    reward = Transfer.objects.get(reason=Reason.BADGE_REWARD)
    assert reward.idempotency_key == f"badge-award:{award.pk}"
    assert reward.description == "Badge: Teacher (Bronze)"
    notification = Notification.objects.get(recipient=member, kind="badge_earned")
    assert notification.body == "You earned the “Teacher (Bronze)” badge."
    assert (notification.related_type, notification.related_id) == ("badge_award", award.pk)
    out = StringIO()
    call_command("ledger_audit", stdout=out)
    assert "Ledger OK." in out.getvalue()


def test_the_notification_is_in_the_members_language(django_capture_on_commit_callbacks):
    # given
    member = UserFactory(language="ar")
    make_badge(slug="teacher", name_en="Teacher", name_ar="المعلّم")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
        )

    # then
    body = Notification.objects.get(recipient=member).body
    assert "المعلّم" in body
    assert "Teacher" not in body


def test_staff_award_a_staff_only_badge_with_a_reason_and_it_is_logged(
    django_capture_on_commit_callbacks,
):
    # given
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(
        slug="founder",
        counter="",
        threshold_bronze=None,
        threshold_silver=None,
        threshold_gold=None,
        reward_bronze=3,
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        award = badges.badge_award(user=member, badge=badge, by=staff, reason=" Early member ")

    # then
    assert (award.tier, award.awarded_by, award.reason) == ("bronze", staff, "Early member")
    assert Transfer.objects.get(reason=Reason.BADGE_REWARD).initiated_by == staff
    entry = ModelLogEntry.objects.get(action=badges.LOG_AWARD)
    assert (entry.object_id, entry.user_id, entry.data["reason"]) == (
        str(award.pk),
        staff.pk,
        "Early member",
    )


def test_staff_award_defaults_to_the_next_tier_and_refuses_a_held_one():
    # given a member holding bronze
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher")
    badges.badge_award(user=member, badge=badge, by=staff, reason="Workshop")

    # when
    second = badges.badge_award(user=member, badge=badge, by=staff, reason="Series")
    with pytest.raises(badges.BadgeAlreadyHeld):
        badges.badge_award(user=member, badge=badge, tier="silver", by=staff, reason="Again")

    # then
    assert second.tier == "silver"
    assert _held(member) == [("teacher", "bronze"), ("teacher", "silver")]


def test_a_member_may_not_award_and_nothing_changes():
    # given
    member, other = UserFactory(), UserFactory()
    badge = make_badge(slug="teacher", reward_bronze=5)
    before = balances()

    # when / then
    with pytest.raises(Forbidden):
        badges.badge_award(user=other, badge=badge, by=member, reason="I like them")
    assert BadgeAward.objects.count() == 0
    assert balances() == before
    assert ModelLogEntry.objects.filter(action=badges.LOG_AWARD).count() == 0


def test_an_award_needs_a_reason_and_a_tier_the_badge_defines():
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher", threshold_gold=None)

    with pytest.raises(ValidationFailed) as no_reason:
        badges.badge_award(user=member, badge=badge, by=staff, reason="  ")
    with pytest.raises(ValidationFailed) as no_gold:
        badges.badge_award(user=member, badge=badge, tier="gold", by=staff, reason="Why not")

    assert list(no_reason.value.fields) == ["reason"]
    assert list(no_gold.value.fields) == ["tier"]
    assert BadgeAward.objects.count() == 0


def test_revocation_takes_the_reward_back_and_the_tier_can_be_earned_again(
    django_capture_on_commit_callbacks,
):
    # given a member who earned bronze and its 5 points
    member, staff = UserFactory(), badge_staff()
    make_badge(slug="teacher", reward_bronze=5)
    start = wallet_balance(user=member)
    with django_capture_on_commit_callbacks(execute=True):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
        )
    award = BadgeAward.objects.get()

    # when staff revoke it
    revoked = badges.badge_revoke(award=award, by=staff, reason="Counted by mistake")

    # then
    assert (revoked.revoked_by, revoked.revoke_reason) == (staff, "Counted by mistake")
    assert revoked.revoked_at is not None
    assert _held(member) == []
    assert wallet_balance(user=member) == start
    entry = ModelLogEntry.objects.get(action=badges.LOG_REVOKE)
    assert entry.data == {"reason": "Counted by mistake", "tier": "bronze", "reward_reversed": True}
    with pytest.raises(badges.BadgeNotHeld):
        badges.badge_revoke(award=award, by=staff, reason="Twice")
    # and crossing again awards a new live bronze
    badges.badges_on_counter_changed(
        user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
    )
    assert _held(member) == [("teacher", "bronze")]
    call_command("ledger_audit", stdout=StringIO())


def test_a_revocation_before_the_effects_ran_pays_nothing(django_capture_on_commit_callbacks):
    # given an award whose after-commit effects have not run yet
    member, staff = UserFactory(), badge_staff()
    make_badge(slug="teacher", reward_bronze=5)
    with django_capture_on_commit_callbacks(execute=False):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
        )
    award = BadgeAward.objects.get()
    badges.badge_revoke(award=award, by=staff, reason="Wrong member")

    # when the task finally runs
    badges.badge_award_effects_task(award.pk)

    # then
    assert not Transfer.objects.filter(reason=Reason.BADGE_REWARD).exists()
    assert not Notification.objects.filter(recipient=member).exists()


def test_recent_badges_are_live_ones_newest_first():
    member, staff = UserFactory(), badge_staff()
    first = make_badge(slug="first")
    second = make_badge(slug="second")
    old = badges.badge_award(user=member, badge=first, by=staff, reason="One")
    new = badges.badge_award(user=member, badge=second, by=staff, reason="Two")
    gone = badges.badge_award(user=member, badge=second, by=staff, reason="Three")
    badges.badge_revoke(award=gone, by=staff, reason="Undo")

    recent = badges.badges_recent(user_id=member.pk)

    assert [award.pk for award in recent] == [new.pk, old.pk]
    assert recent[0].badge.slug == "second"


def test_the_profile_section_lists_the_highest_tier_of_each_badge(django_assert_num_queries):
    member, staff = UserFactory(), badge_staff()
    badge = make_badge(slug="teacher")
    badges.badge_award(user=member, badge=badge, by=staff, reason="One")
    badges.badge_award(user=member, badge=badge, by=staff, reason="Two")

    with django_assert_num_queries(1):
        section = badges.badges_profile_section(member)

    assert [(row["slug"], row["tier"]) for row in section] == [("teacher", "silver")]
    assert section[0]["icon"].endswith("rewards/badges/medal.svg")


def test_ledger_accounts_of_a_reward_are_the_staff_grants_source_and_the_wallet(
    django_capture_on_commit_callbacks,
):
    member = UserFactory()
    make_badge(slug="teacher", reward_bronze=2)

    with django_capture_on_commit_callbacks(execute=True):
        badges.badges_on_counter_changed(
            user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, old=0, new=1
        )

    reward = Transfer.objects.get(reason=Reason.BADGE_REWARD)
    kinds = sorted(
        LedgerAccount.objects.filter(entries__transfer=reward).values_list("kind", flat=True)
    )
    assert kinds == ["staff_grants", "wallet"]


def test_recording_activity_earns_the_badge_once_with_its_reward(
    django_capture_on_commit_callbacks,
):
    # given a badge whose bronze needs two sessions taught and pays 3 points
    from rewards.activity import activity_record

    member = UserFactory()
    make_badge(
        slug="teacher",
        threshold_bronze=2,
        threshold_silver=None,
        threshold_gold=None,
        reward_bronze=3,
    )
    before = wallet_balance(user=member)

    # when two swaps are recorded, the second one twice (a retry)
    with django_capture_on_commit_callbacks(execute=True):
        for source in ("swap:1:taught", "swap:2:taught", "swap:2:taught"):
            activity_record(user_id=member.pk, counter=Counter.SESSIONS_TAUGHT, source=source)

    # then
    assert _held(member) == [("teacher", "bronze")]
    assert BadgeAward.objects.get().counter_value == 2
    assert wallet_balance(user=member) == before + 3


def test_a_badge_defined_later_is_backfilled_to_members_already_past_its_tiers(
    django_capture_on_commit_callbacks,
):
    # given members whose counters moved before the badge existed, one already holding bronze
    ahead, behind, holder = UserFactory(), UserFactory(), UserFactory()
    for member, value in ((ahead, 6), (behind, 0), (holder, 2)):
        ActivityCounter.objects.create(user=member, counter=Counter.SESSIONS_TAUGHT, value=value)
    badge = make_badge(slug="teacher")
    badges.badge_award(user=holder, badge=badge, by=badge_staff(), reason="Early")

    # when it is backfilled twice
    with django_capture_on_commit_callbacks(execute=True):
        first = badges.badge_backfill(badge_id=badge.pk, batch_size=1)
    second = badges.badge_backfill(badge_id=badge.pk)

    # then
    assert (first, second) == (2, 0)
    assert _held(ahead) == [("teacher", "bronze"), ("teacher", "silver")]
    assert _held(behind) == []
    assert _held(holder) == [("teacher", "bronze")]
