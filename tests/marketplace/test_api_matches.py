"""matches/ (seed 004): reciprocal matches with a score and its reasons; answers; staff tools."""

import pytest
from django.contrib.auth.models import Group

from marketplace import services
from marketplace.models import Match, MatchStatus
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import SkillFactory, UserSkillFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/matches/"


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def pair(user):
    """``user`` offers Python (expert) to ``friend``, who offers guitar (advanced) back."""
    friend = UserFactory(first_name="Sarah", last_name="")
    python = SkillFactory(name_en="Python", name_ar="بايثون", slug="python")
    guitar = SkillFactory(name_en="Guitar", name_ar="الجيتار", slug="guitar")
    UserSkillFactory(user=user, skill=python, direction="offered", proficiency_level="expert")
    UserSkillFactory(user=user, skill=guitar, direction="wanted")
    UserSkillFactory(user=friend, skill=guitar, direction="offered", proficiency_level="advanced")
    UserSkillFactory(user=friend, skill=python, direction="wanted")
    services.matches_recompute_for_user(user_id=user.pk)
    return friend


def test_list_my_matches_with_score_and_reasons(auth_client, pair):
    response = auth_client.get(URL)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["friend"] == {"id": pair.pk, "name": "Sarah", "avatar": None}
    assert row["status"] == "pending"
    assert row["my_response"] == "pending"
    assert row["compatibility_score"] == Match.objects.get().compatibility_score
    reasons = {reason["code"]: reason for reason in row["reasons"]}
    assert list(reasons)[:2] == ["you_offer_they_want", "they_offer_you_want"]
    assert reasons["you_offer_they_want"]["points"] == 30.0
    assert reasons["you_offer_they_want"]["label"] == "You offer what they want"
    assert reasons["you_offer_they_want"]["skills"] == [
        {
            "id": reasons["you_offer_they_want"]["skills"][0]["id"],
            "slug": "python",
            "name": "Python",
            "proficiency": "expert",
        }
    ]
    assert reasons["they_offer_you_want"]["points"] == 22.5
    assert set(reasons) == {
        "you_offer_they_want",
        "they_offer_you_want",
        "rating",
        "shared_language",
        "availability",
        "distance",
    }


def test_the_other_member_sees_the_reasons_from_their_side_in_arabic(make_auth_client, pair):
    body = make_auth_client(pair).get(URL, HTTP_ACCEPT_LANGUAGE="ar").json()

    reasons = {reason["code"]: reason for reason in body["results"][0]["reasons"]}
    assert reasons["you_offer_they_want"]["skills"][0]["name"] == "الجيتار"
    assert reasons["they_offer_you_want"]["skills"][0]["name"] == "بايثون"


def test_filters_and_ordering(auth_client, user):
    low, high = UserFactory(), UserFactory()
    for other, score in ((low, 40), (high, 80)):
        a, b = sorted((user.pk, other.pk))
        Match.objects.create(user_a_id=a, user_b_id=b, compatibility_score=score)
    a, b = sorted((user.pk, low.pk))
    Match.objects.filter(user_a_id=a, user_b_id=b).update(status=MatchStatus.DECLINED)
    Match.objects.create(
        user_a=UserFactory(), user_b=UserFactory(), compatibility_score=99
    )  # not mine

    def friends(**params):
        return [row["friend"]["id"] for row in auth_client.get(URL, params).json()["results"]]

    assert friends() == [high.pk, low.pk]
    assert friends(ordering="compatibility_score") == [low.pk, high.pk]
    assert friends(compatibility_score_min=50) == [high.pk]
    assert friends(status="declined") == [low.pk]
    assert friends(status="pending") == [high.pk]
    assert auth_client.get(URL, {"status": "maybe"}).status_code == 400


def test_accept_then_both_accept(auth_client, make_auth_client, pair):
    match = Match.objects.get()

    first = auth_client.post(f"{URL}{match.pk}/accept")
    second = make_auth_client(pair).post(f"{URL}{match.pk}/accept")

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["my_response"]) == ("pending", "accepted")
    assert second.json()["status"] == "accepted"
    assert second.json()["their_response"] == "accepted"


def test_decline_is_final(auth_client, pair):
    match = Match.objects.get()

    declined = auth_client.post(f"{URL}{match.pk}/decline")
    again = auth_client.post(f"{URL}{match.pk}/accept")

    assert declined.json()["status"] == "declined"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    match.refresh_from_db()
    assert match.status == "declined"


def test_answering_twice_is_a_conflict(auth_client, pair):
    match = Match.objects.get()
    auth_client.post(f"{URL}{match.pk}/accept")

    assert auth_client.post(f"{URL}{match.pk}/accept").status_code == 409


def test_outsiders_cannot_see_or_answer(make_auth_client, pair):
    match = Match.objects.get()
    stranger = make_auth_client(UserFactory())

    assert stranger.get(f"{URL}{match.pk}/").status_code == 404
    assert stranger.post(f"{URL}{match.pk}/accept").status_code == 404
    match.refresh_from_db()
    assert (match.a_response, match.b_response) == ("pending", "pending")


def test_staff_create_and_delete_matches(make_auth_client, staff):
    a, b = UserFactory(), UserFactory()
    client = make_auth_client(staff)

    created = client.post(URL, {"user_a": b.pk, "user_b": a.pk}, format="json")
    duplicate = client.post(URL, {"user_a": a.pk, "user_b": b.pk}, format="json")
    self_match = client.post(URL, {"user_a": a.pk, "user_b": a.pk}, format="json")
    missing = client.post(URL, {"user_a": a.pk, "user_b": 999999}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["created_by_staff"] is True
    assert duplicate.status_code == 409
    assert self_match.status_code == 400
    assert missing.status_code == 400
    match = Match.objects.get()
    assert (match.user_a_id, match.user_b_id, match.created_by_id) == (a.pk, b.pk, staff.pk)
    assert client.get(URL, {"user": a.pk}).json()["count"] == 1
    assert client.get(URL).json()["count"] == 0  # the staff member's own matches
    assert client.delete(f"{URL}{match.pk}/").status_code == 204
    assert not Match.objects.exists()


def test_members_cannot_list_other_members_matches(auth_client, pair):
    stranger = UserFactory()

    assert auth_client.get(URL, {"user": stranger.pk}).json()["count"] == 0
    assert auth_client.get(URL, {"user": pair.pk}).json()["count"] == 1  # theirs with me


def test_members_cannot_create_or_delete_matches(auth_client, make_auth_client, pair):
    match = Match.objects.get()

    created = auth_client.post(URL, {"user_a": pair.pk, "user_b": UserFactory().pk}, format="json")
    deleted = auth_client.delete(f"{URL}{match.pk}/")

    assert created.status_code == 403
    assert deleted.status_code == 403
    assert Match.objects.count() == 1


def test_list_query_count_does_not_grow(auth_client, user, django_assert_max_num_queries):
    for _ in range(12):
        other = UserFactory()
        a, b = sorted((user.pk, other.pk))
        Match.objects.create(user_a_id=a, user_b_id=b, compatibility_score=50)

    # the authenticated user, their subscription facts (billing, cold cache), their permissions
    # (view_match), the count, the page
    with django_assert_max_num_queries(6):
        response = auth_client.get(URL, {"page_size": 12})

    assert response.json()["count"] == 12
