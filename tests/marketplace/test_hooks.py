"""What marketplace registers with accounts: rescoring on profile changes, removal, export."""

import pytest
from django.db import transaction

from accounts import extensions
from marketplace.cache import offers_cache_bump
from marketplace.models import AvailabilitySlot, Match, Offer, UserSkill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SkillFactory, SlotFactory, UserSkillFactory, make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    python = SkillFactory()
    a = UserFactory(languages=["en"])
    b = UserFactory(languages=["ar"])
    UserSkillFactory(user=a, skill=python, direction="offered")
    UserSkillFactory(user=b, skill=python, direction="wanted")
    return a, b


def _language_points() -> float:
    match = Match.objects.get()
    return {r["code"]: r for r in match.reasons}["shared_language"]["points"]


def test_a_language_change_rescores_after_commit_not_before(
    pair, django_capture_on_commit_callbacks
):
    a, b = pair
    from marketplace.services import matches_recompute_for_user

    matches_recompute_for_user(user_id=a.pk)
    assert _language_points() == 0.0

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        b.languages = ["ar", "en"]
        b.save(update_fields=["languages"])
        extensions.profile_changed(b, {"languages"})
        assert _language_points() == 0.0  # nothing runs inside the request's transaction
    # the rescoring, and the public pages' cache bump (a profile shows the languages)
    rescoring = [c for c in callbacks if c is not offers_cache_bump]
    assert len(rescoring) == 1
    assert offers_cache_bump in callbacks

    rescoring[0]()
    assert _language_points() == 10.0


def test_unrelated_profile_changes_do_not_rescore(pair, django_capture_on_commit_callbacks):
    a, _ = pair

    with django_capture_on_commit_callbacks() as callbacks:
        extensions.profile_changed(a, {"bio", "avatar"})

    # only the public pages' cache bump: the profile page shows the bio and avatar
    assert callbacks == [offers_cache_bump]


def test_account_deletion_takes_the_member_off_the_market(pair):
    a, b = pair
    offer = make_offer(owner=a)
    SlotFactory(user=a)
    from marketplace.services import matches_recompute_for_user

    matches_recompute_for_user(user_id=a.pk)

    extensions.user_deleted(a)

    offer.refresh_from_db()
    assert offer.status == "removed"
    assert not Match.objects.exists()
    assert not AvailabilitySlot.objects.filter(user=a).exists()
    assert not UserSkill.objects.filter(user=a).exists()
    assert Offer.objects.filter(pk=offer.pk).exists()


def test_data_export_section(pair):
    a, _ = pair
    make_offer(owner=a, title="Exported offer")

    section = extensions.export_sections(a)["marketplace"]

    assert [row["title"] for row in section["offers"]] == ["Exported offer"]
    assert [row["direction"] for row in section["skills"]] == ["offered"]


def test_profile_shows_offered_and_wanted_skills(make_auth_client):
    # given a member who offers Python and wants Guitar
    member = UserFactory()
    python, guitar = SkillFactory(name_en="Python"), SkillFactory(name_en="Guitar")
    UserSkill.objects.create(
        user=member, skill=python, direction="offered", proficiency_level="expert"
    )
    UserSkill.objects.create(
        user=member, skill=guitar, direction="wanted", proficiency_level="beginner"
    )

    # when anyone reads the public profile
    body = make_auth_client(UserFactory()).get(f"/api/v1/users/{member.pk}/").json()

    # then both lists are there
    skills = body["sections"]["skills"]
    assert [(row["skill_name"], row["proficiency_level"]) for row in skills["offered"]] == [
        ("Python", "expert")
    ]
    assert [(row["skill_name"], row["proficiency_level"]) for row in skills["wanted"]] == [
        ("Guitar", "beginner")
    ]
