"""user-skills (seed 003): what members offer and want, one row per (user, skill, direction)."""

import pytest
from django.db import IntegrityError, transaction

from marketplace.cache import offers_cache_bump
from marketplace.models import Match, Skill, UserSkill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, UserSkillFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/user-skills/"


@pytest.fixture
def software():
    return CategoryFactory(
        name_en="Software Development", name_ar="تطوير البرمجيات", slug="software"
    )


@pytest.fixture
def python(software):
    return SkillFactory(name_en="Python", name_ar="بايثون", slug="python", category=software)


def test_add_a_skill_by_id(auth_client, python, software):
    response = auth_client.post(
        URL,
        {"skill": python.pk, "proficiency_level": "expert", "years_of_experience": 5},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in body if key not in {"id", "created_at", "updated_at"}} == {
        "user": auth_client.user.pk,
        "skill": python.pk,
        "skill_name": "Python",
        "skill_status": "approved",
        "category": software.pk,
        "category_name": "Software Development",
        "direction": "offered",
        "proficiency_level": "expert",
        "years_of_experience": 5,
    }


def test_seed_003_body_with_a_known_name_in_arabic(auth_client, python, software):
    response = auth_client.post(
        URL,
        {"category": software.pk, "skill_name": "بايثون", "proficiency_level": "intermediate"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["skill"] == python.pk
    assert Skill.objects.count() == 1


def test_seed_003_body_with_a_new_name_creates_a_pending_suggestion(auth_client, software):
    # when a member names a skill the catalogue does not know
    response = auth_client.post(
        URL,
        {"category": software.pk, "skill_name": "React", "proficiency_level": "expert"},
        format="json",
    )

    # then their user skill points at a pending suggestion they authored, nothing public
    assert response.status_code == 201
    assert response.json()["skill_name"] == "React"
    assert response.json()["skill_status"] == "pending"
    assert response.json()["category_name"] == "Software Development"
    skill = Skill.objects.get(slug="react")
    assert (skill.status, skill.suggested_by_id, skill.is_user_submitted) == (
        "pending",
        auth_client.user.pk,
        True,
    )


def test_a_new_name_without_a_category_is_a_suggestion_with_no_category(auth_client):
    response = auth_client.post(
        URL, {"skill_name": "Knitting", "proficiency_level": "beginner"}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["category"], response.json()["category_name"]) == (None, None)
    assert list(Skill.objects.values_list("name_en", "status", "category")) == [
        ("Knitting", "pending", None)
    ]


def test_a_skill_or_a_name_is_required(auth_client):
    response = auth_client.post(URL, {"proficiency_level": "beginner"}, format="json")

    assert response.status_code == 400
    assert "skill" in response.json()["error"]["fields"]


def test_unknown_proficiency_is_refused(auth_client, python):
    response = auth_client.post(
        URL, {"skill": python.pk, "proficiency_level": "guru"}, format="json"
    )

    assert response.status_code == 400
    assert "proficiency_level" in response.json()["error"]["fields"]


def test_one_row_per_skill_and_direction(auth_client, python):
    UserSkillFactory(user=auth_client.user, skill=python, direction="offered")

    duplicate = auth_client.post(
        URL, {"skill": python.pk, "proficiency_level": "expert"}, format="json"
    )
    wanted = auth_client.post(
        URL,
        {"skill": python.pk, "proficiency_level": "beginner", "direction": "wanted"},
        format="json",
    )

    assert duplicate.status_code == 400
    assert "skill" in duplicate.json()["error"]["fields"]
    assert wanted.status_code == 201
    assert UserSkill.objects.filter(user=auth_client.user).count() == 2


def test_the_database_enforces_one_row_per_skill_and_direction(python):
    user = UserFactory()
    UserSkill.objects.create(user=user, skill=python, direction="wanted")

    with pytest.raises(IntegrityError), transaction.atomic():
        UserSkill.objects.create(user=user, skill=python, direction="wanted")


def test_list_is_mine_by_default_and_anyones_on_request(auth_client, python):
    mine = UserSkillFactory(user=auth_client.user, skill=python)
    other = UserSkillFactory(skill=python)

    own = auth_client.get(URL).json()
    theirs = auth_client.get(URL, {"user": other.user_id}).json()

    assert [row["id"] for row in own["results"]] == [mine.pk]
    assert [row["id"] for row in theirs["results"]] == [other.pk]


def test_filters_direction_and_proficiency(auth_client, python, software):
    guitar = SkillFactory(name_en="Guitar")
    UserSkillFactory(user=auth_client.user, skill=python, proficiency_level="expert")
    wanted = UserSkillFactory(
        user=auth_client.user, skill=guitar, direction="wanted", proficiency_level="beginner"
    )

    body = auth_client.get(URL, {"direction": "wanted"}).json()
    by_level = auth_client.get(URL, {"proficiency_level": "expert"}).json()
    by_category = auth_client.get(URL, {"category": software.pk}).json()

    assert [row["id"] for row in body["results"]] == [wanted.pk]
    assert [row["skill_name"] for row in by_level["results"]] == ["Python"]
    assert [row["skill_name"] for row in by_category["results"]] == ["Python"]


def test_owner_patches_and_deletes(auth_client, python):
    row = UserSkillFactory(user=auth_client.user, skill=python, proficiency_level="beginner")

    patched = auth_client.patch(
        f"{URL}{row.pk}/",
        {"proficiency_level": "advanced", "years_of_experience": 3},
        format="json",
    )
    deleted = auth_client.delete(f"{URL}{row.pk}")

    assert patched.status_code == 200
    assert patched.json()["proficiency_level"] == "advanced"
    assert deleted.status_code == 204
    assert not UserSkill.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_members_skill_is_404_on_write_and_unchanged(auth_client, python, method):
    row = UserSkillFactory(skill=python, proficiency_level="beginner")

    response = getattr(auth_client, method)(
        f"{URL}{row.pk}/", {"proficiency_level": "expert"}, format="json"
    )

    assert response.status_code == 404
    row.refresh_from_db()
    assert row.proficiency_level == "beginner"


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_adding_a_skill_recomputes_matches_after_commit(
    auth_client, python, django_capture_on_commit_callbacks
):
    UserSkillFactory(skill=python, direction="wanted")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        auth_client.post(URL, {"skill": python.pk, "proficiency_level": "expert"}, format="json")

    # the rescoring, and the public pages' cache bump (marketplace/cache.py)
    assert [c for c in callbacks if c is not offers_cache_bump] == [callbacks[-1]]
    assert offers_cache_bump in callbacks
    match = Match.objects.get()
    assert auth_client.user.pk in (match.user_a_id, match.user_b_id)


def test_list_query_count_does_not_grow(auth_client, django_assert_max_num_queries):
    for _ in range(15):
        UserSkillFactory(user=auth_client.user)

    # the authenticated user, their subscription facts (billing, cold cache), the count, the page
    with django_assert_max_num_queries(4):
        response = auth_client.get(URL, {"page_size": 15})

    assert len(response.json()["results"]) == 15
