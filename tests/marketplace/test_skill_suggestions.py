"""Skill suggestions: the catalogue is not writable by members (docs/api.md, "Skill suggestions").

A name the catalogue does not know becomes a pending suggestion that only its author sees, left
out of catalogue lists, search and matching, until a moderator approves it in the Wagtail admin.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from marketplace import services
from marketplace.models import Match, Offer, Skill, UserSkill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, UserSkillFactory

pytestmark = pytest.mark.django_db
SPAM = "BUY CHEAP PILLS evil.example"


@pytest.fixture
def moderator_client(client):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    client.user = moderator
    return client


@pytest.fixture
def suggestion(auth_client):
    response = auth_client.post(
        "/api/v1/user-skills/",
        {"skill_name": SPAM, "proficiency_level": "expert"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Skill.objects.get(pk=response.json()["skill"])


def test_a_new_name_is_a_pending_suggestion_not_a_catalogue_skill(auth_client, suggestion):
    # then the row is pending, authored by the member, and the author sees their entry
    assert (suggestion.status, suggestion.suggested_by_id) == ("pending", auth_client.user.pk)
    mine = auth_client.get("/api/v1/user-skills/").json()["results"]
    assert [(row["skill_name"], row["skill_status"]) for row in mine] == [(SPAM, "pending")]


def test_a_pending_suggestion_is_invisible_to_others_and_in_search(
    auth_client, make_auth_client, api_client, suggestion
):
    # given another member
    other = make_auth_client(UserFactory())

    # when they read the author's skills, the catalogue and its search
    theirs = other.get("/api/v1/user-skills/", {"user": auth_client.user.pk}).json()
    row = UserSkill.objects.get(skill=suggestion)
    detail = other.get(f"/api/v1/user-skills/{row.pk}/")
    catalogue = api_client.get("/api/v1/skills/catalogue/").json()
    searched = api_client.get("/api/v1/skills/catalogue/", {"search": "cheap pills"}).json()
    by_id = api_client.get(f"/api/v1/skills/catalogue/{suggestion.pk}/")

    # then the suggestion is nowhere
    assert theirs["results"] == []
    assert detail.status_code == 404
    assert catalogue["results"] == []
    assert searched["results"] == []
    assert by_id.status_code == 404


def test_a_pending_suggestion_is_left_out_of_matching():
    # given A offers a suggestion B wants (same pending row), and nothing else in common
    a, b = UserFactory(), UserFactory()
    pending = services.skill_get_or_suggest(name="Underwater basket weaving", user=a)
    UserSkillFactory(user=a, skill=pending, direction="offered")
    UserSkillFactory(user=b, skill=pending, direction="wanted")

    # when A's matches are computed
    count = services.matches_recompute_for_user(user_id=a.pk)

    # then nobody is matched on it
    assert count == 0
    assert Match.objects.count() == 0


def test_offers_naming_a_new_skill_show_it_to_their_owner_only(
    auth_client, make_auth_client, api_client
):
    # given a catalogue skill with a category, and a name the catalogue does not know
    music = CategoryFactory(name_en="Music")
    guitar = SkillFactory(name_en="Guitar", category=music)

    # when a member offers both by name, with no category
    created = auth_client.post(
        "/api/v1/offers/",
        {"title": "Guitar and more", "offered_skills": ["guitar", SPAM]},
        format="json",
    )

    # then the category comes from Guitar, the owner sees both, others only Guitar
    assert created.status_code == 201, created.content
    offer_id = created.json()["id"]
    assert created.json()["category"]["id"] == music.pk
    assert [s["name"] for s in created.json()["offered_skills"]] == ["Guitar", SPAM]
    assert [s["status"] for s in created.json()["offered_skills"]] == ["approved", "pending"]
    public = api_client.get(f"/api/v1/offers/{offer_id}/").json()
    assert [s["id"] for s in public["offered_skills"]] == [guitar.pk]
    other = make_auth_client(UserFactory()).get(f"/api/v1/offers/{offer_id}/").json()
    assert [s["id"] for s in other["offered_skills"]] == [guitar.pk]
    assert api_client.get("/api/v1/offers/", {"search": "pills"}).json()["results"] == []
    assert [
        o["id"] for o in api_client.get("/api/v1/offers/", {"search": "guitar"}).json()["results"]
    ] == [offer_id]


def test_an_offer_of_only_new_names_needs_a_category(auth_client):
    response = auth_client.post(
        "/api/v1/offers/", {"title": "Spam", "offered_skills": [SPAM]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["category"]
    assert Offer.objects.count() == 0
    assert Skill.objects.count() == 0


def test_names_resolve_synonyms_and_arabic_case_insensitively():
    python = SkillFactory(name_en="Python", name_ar="بايثون", synonyms="py, Python3")

    found = [
        services.skill_get_or_suggest(name=name, user=None)
        for name in ("PYTHON", "بايثون", "python3", "  Py ")
    ]

    assert [skill.pk for skill in found] == [python.pk] * 4
    assert Skill.objects.count() == 1


def test_moderator_approves_a_suggestion_in_the_wagtail_admin(
    moderator_client, api_client, suggestion
):
    # given a category for it
    health = CategoryFactory(name_en="Health")
    url = reverse("marketplace_skill_suggestions:approve", args=[suggestion.pk])

    # when the moderator opens the queue and approves with a category and an Arabic name
    queue = moderator_client.get(reverse("marketplace_skill_suggestions:index"))
    response = moderator_client.post(
        url, {"name_en": "Pharmacy", "name_ar": "صيدلة", "category": health.pk}
    )

    # then it is a catalogue skill, listed publicly
    assert queue.status_code == 200
    assert SPAM in queue.content.decode()
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.category_id, suggestion.name_en, suggestion.name_ar) == (
        "approved",
        health.pk,
        "Pharmacy",
        "صيدلة",
    )
    listed = api_client.get("/api/v1/skills/catalogue/", {"search": "pharmacy"}).json()
    assert [row["id"] for row in listed["results"]] == [suggestion.pk]


def test_moderator_merges_a_suggestion_into_an_existing_skill(moderator_client, auth_client):
    # given a catalogue skill and a member's suggestion for the same thing
    guitar = SkillFactory(name_en="Guitar", synonyms="")
    suggested = services.skill_get_or_suggest(name="Acoustic guitar", user=auth_client.user)
    row = UserSkillFactory(user=auth_client.user, skill=suggested)

    # when the moderator merges it into Guitar
    response = moderator_client.post(
        reverse("marketplace_skill_suggestions:approve", args=[suggested.pk]),
        {"name_en": "Acoustic guitar", "merge_into": guitar.pk},
    )

    # then the member's entry follows, the name is a synonym, the suggestion is gone
    assert response.status_code == 302
    row.refresh_from_db()
    guitar.refresh_from_db()
    assert row.skill_id == guitar.pk
    assert guitar.synonyms == "Acoustic guitar"
    assert not Skill.objects.filter(pk=suggested.pk).exists()
    assert services.skill_get_or_suggest(name="acoustic GUITAR", user=None).pk == guitar.pk


def test_approval_without_a_category_is_refused_and_changes_nothing(moderator_client, suggestion):
    response = moderator_client.post(
        reverse("marketplace_skill_suggestions:approve", args=[suggestion.pk]),
        {"name_en": "Pills"},
    )

    assert response.status_code == 200  # the form again, with the error
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.name_en) == ("pending", SPAM)


def test_moderator_rejects_a_suggestion_and_the_name_is_refused_later(
    moderator_client, auth_client, suggestion
):
    # when the moderator rejects it
    response = moderator_client.post(
        reverse("marketplace_skill_suggestions:reject", args=[suggestion.pk]), {}
    )

    # then the author's entries using it are gone and the name cannot come back
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"
    assert UserSkill.objects.count() == 0
    again = auth_client.post(
        "/api/v1/user-skills/",
        {"skill_name": SPAM.lower(), "proficiency_level": "expert"},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()["error"]["fields"]) == ["skill_name"]
    assert UserSkill.objects.count() == 0


def test_members_cannot_reach_the_suggestion_screens(client, suggestion):
    member = UserFactory(is_staff=True)
    client.force_login(member)

    response = client.post(
        reverse("marketplace_skill_suggestions:approve", args=[suggestion.pk]),
        {"name_en": "x"},
    )

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"


def test_profile_skills_writer_sets_offered_skills_with_suggestions():
    # given a member who offers Guitar and wants Python
    member = UserFactory()
    guitar = SkillFactory(name_en="Guitar")
    python = SkillFactory(name_en="Python")
    UserSkillFactory(user=member, skill=guitar, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=member, skill=python, direction="wanted")

    # when the profile's skills are set to Guitar, Cooking (new) and Python
    services.profile_skills_apply(member, ["guitar", "Cooking", "Python"])

    # then Guitar keeps its level, Cooking is a pending suggestion, Python is offered too
    offered = UserSkill.objects.filter(user=member, direction="offered").order_by("id")
    assert [(r.skill.name_en, r.skill.status, r.proficiency_level) for r in offered] == [
        ("Guitar", "approved", "expert"),
        ("Cooking", "pending", "beginner"),
        ("Python", "approved", "beginner"),
    ]
    assert UserSkill.objects.filter(user=member, direction="wanted").count() == 1


def test_profile_skills_writer_is_registered_for_seed_000():
    from accounts import extensions

    writer = extensions.profile_writers()["skills"]
    field = writer.field()

    assert field.run_validation(["Py\u202ethon", "<b>Oud</b>"]) == ["Python", "<b>Oud</b>"]
