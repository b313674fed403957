"""Public profiles, the staff user list, suspension and roles."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.roles import Role
from tests.accounts.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _state(user) -> tuple:
    fresh = User.objects.get(pk=user.pk)
    return (
        fresh.is_active,
        fresh.suspended_at,
        fresh.suspension_reason,
        fresh.is_staff,
        fresh.is_superuser,
        sorted(fresh.groups.values_list("name", flat=True)),
    )


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, email="admin@example.test")


@pytest.fixture
def moderator(db):
    return user_with_role(Role.MODERATOR, email="moderator@example.test")


# --- public profile ----------------------------------------------------------------------------


def test_public_profile_shows_public_fields_only(auth_client):
    other = user_with_role(
        Role.EXPERT,
        email="expert@example.test",
        phone="+201001234567",
        display_name="Chef Karim",
        city="Alexandria",
        country="EG",
    )

    response = auth_client.get(f"/api/v1/users/{other.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "username",
        "public_name",
        "display_name",
        "first_name",
        "avatar",
        "banner",
        "bio",
        "city",
        "country",
        "languages",
        "time_zone",
        "interests",
        "role",
        "rating_average",
        "rating_count",
        "date_joined",
        "created_at",
        "sections",
    }
    assert body["public_name"] == "Chef Karim"
    assert body["role"] == "expert"
    assert "email" not in body
    assert "phone" not in body


def test_public_profile_without_trailing_slash(auth_client):
    other = UserFactory()

    assert auth_client.get(f"/api/v1/users/{other.pk}").status_code == 200


def test_public_profile_of_a_suspended_or_unknown_user_is_404(auth_client):
    suspended = UserFactory(is_active=False)

    assert auth_client.get(f"/api/v1/users/{suspended.pk}/").status_code == 404
    response = auth_client.get("/api/v1/users/999999/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_public_profile_needs_authentication(api_client, user):
    assert api_client.get(f"/api/v1/users/{user.pk}/").status_code == 401


# --- staff list --------------------------------------------------------------------------------


def test_user_list_is_for_staff_only(auth_client, api_client):
    assert api_client.get("/api/v1/users/").status_code == 401
    response = auth_client.get("/api/v1/users/")
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    expert = user_with_role(Role.EXPERT)
    expert_client = auth_client.__class__()
    expert_client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(expert).access_token}"
    )
    assert expert_client.get("/api/v1/admin/users/").status_code == 403


def test_user_list_filters_by_role_with_seed_aliases(make_auth_client, moderator, admin):
    # given
    expert = user_with_role(Role.EXPERT, email="expert@example.test")
    member = user_with_role(Role.MEMBER, email="member@example.test")
    no_group = UserFactory(email="legacy@example.test")
    superuser = UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    client = make_auth_client(moderator)

    def emails(query):
        response = client.get(f"/api/v1/users/?{query}")
        assert response.status_code == 200
        return sorted(row["email"] for row in response.json()["results"])

    # then
    assert emails("role=expert") == [expert.email]
    assert emails("role=friend") == [expert.email]
    assert emails("role=manager") == [moderator.email]
    assert emails("role=admin") == sorted([admin.email, superuser.email])
    assert emails("role=member") == sorted([member.email, no_group.email])


def test_user_list_filters_by_status_and_searches(make_auth_client, admin):
    suspended = UserFactory(email="quiet@example.test", first_name="Yara")
    User.objects.filter(pk=suspended.pk).update(
        is_active=False, suspended_at="2026-01-01T00:00:00Z"
    )
    deleted = UserFactory(email="deleted-9@deleted.invalid")
    User.objects.filter(pk=deleted.pk).update(is_active=False, deleted_at="2026-01-02T00:00:00Z")
    UserFactory(email="yasmin@example.test", first_name="Yasmin", city="Tunis")
    client = make_auth_client(admin)

    suspended_rows = client.get("/api/v1/users/?status=suspended").json()["results"]
    deleted_rows = client.get("/api/v1/admin/users/?status=deleted").json()["results"]
    found = client.get("/api/v1/users/?search=tunis").json()["results"]

    assert [row["email"] for row in suspended_rows] == ["quiet@example.test"]
    assert suspended_rows[0]["status"] == "suspended"
    assert [row["email"] for row in deleted_rows] == ["deleted-9@deleted.invalid"]
    assert [row["email"] for row in found] == ["yasmin@example.test"]


def test_user_list_refuses_unknown_filters(make_auth_client, admin):
    response = make_auth_client(admin).get("/api/v1/users/?role=wizard&status=asleep")

    assert response.status_code == 400
    assert set(_error(response)["fields"]) == {"role", "status"}


def test_user_list_is_paginated_with_a_constant_query_count(
    make_auth_client, admin, django_assert_max_num_queries
):
    for index in range(30):
        user_with_role(Role.EXPERT if index % 2 else Role.MEMBER)
    client = make_auth_client(admin)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/users/?page_size=25&ordering=email")

    body = response.json()
    assert body["count"] == 31
    assert len(body["results"]) == 25
    assert body["results"][0]["role"] in {"member", "expert", "admin"}


def test_staff_detail_shows_account_state(make_auth_client, moderator):
    target = UserFactory()

    response = make_auth_client(moderator).get(f"/api/v1/admin/users/{target.pk}/")

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["email"] == target.email


def test_staff_detail_is_403_for_members(auth_client, user):
    assert auth_client.get(f"/api/v1/admin/users/{user.pk}/").status_code == 403


# --- suspension --------------------------------------------------------------------------------


def test_moderator_suspends_a_member_whose_tokens_stop_at_once(make_auth_client, moderator):
    # given a member signed in with a live access and refresh token
    member = user_with_role(Role.MEMBER)
    member_client = make_auth_client(member)
    refresh = str(RefreshToken.for_user(member))
    assert member_client.get("/api/v1/auth/profile").status_code == 200

    # when
    response = make_auth_client(moderator).post(
        f"/api/v1/users/{member.pk}/suspend", {"reason": "Spam in the forums"}, format="json"
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "suspended"
    assert body["suspension_reason"] == "Spam in the forums"
    assert body["is_active"] is False
    assert member_client.get("/api/v1/auth/profile").status_code == 401
    assert member_client.post("/api/v1/auth/refresh", {"refresh": refresh}).status_code == 401
    assert not OutstandingToken.objects.filter(user=member, blacklistedtoken__isnull=True).exists()


def test_reactivate_lifts_the_suspension(make_auth_client, moderator):
    member = UserFactory()
    client = make_auth_client(moderator)
    client.post(f"/api/v1/users/{member.pk}/suspend", {"reason": "x"})

    response = client.post(f"/api/v1/users/{member.pk}/reactivate")

    assert response.status_code == 200
    fresh = User.objects.get(pk=member.pk)
    assert (fresh.is_active, fresh.suspended_at, fresh.suspension_reason) == (True, None, "")
    # A token's `iat` has whole seconds, so one issued in the suspension's own second counts as
    # older (accounts.authentication); a member signs in again at least a second later.
    User.objects.filter(pk=member.pk).update(
        tokens_valid_after=fresh.tokens_valid_after - dt.timedelta(seconds=1)
    )
    assert make_auth_client(member).get("/api/v1/auth/profile").status_code == 200


def test_suspending_twice_or_reactivating_an_active_user_is_409(make_auth_client, moderator):
    member = UserFactory()
    client = make_auth_client(moderator)
    client.post(f"/api/v1/users/{member.pk}/suspend", {"reason": "x"})

    twice = client.post(f"/api/v1/users/{member.pk}/suspend", {"reason": "again"})
    other = UserFactory()
    not_suspended = client.post(f"/api/v1/users/{other.pk}/reactivate")

    assert twice.status_code == not_suspended.status_code == 409
    assert _error(twice) == {
        "code": "conflict",
        "message": "This account is already suspended.",
        "fields": {},
    }
    assert User.objects.get(pk=member.pk).suspension_reason == "x"


def test_suspend_requires_a_reason(make_auth_client, moderator):
    member = UserFactory()
    before = _state(member)

    response = make_auth_client(moderator).post(f"/api/v1/users/{member.pk}/suspend", {})

    assert response.status_code == 400
    assert _error(response)["fields"] == {"reason": ["This field is required."]}
    assert _state(member) == before


def test_members_cannot_suspend_anyone(auth_client):
    other = UserFactory()
    before = _state(other)

    response = auth_client.post(f"/api/v1/users/{other.pk}/suspend", {"reason": "x"})

    assert response.status_code == 403
    assert _state(other) == before


def test_moderators_cannot_suspend_moderators_admins_or_themselves(
    make_auth_client, moderator, admin
):
    peer = user_with_role(Role.MODERATOR)
    client = make_auth_client(moderator)
    for target in (peer, admin, moderator):
        before = _state(target)
        response = client.post(f"/api/v1/users/{target.pk}/suspend", {"reason": "x"})
        assert response.status_code == 403
        assert _state(target) == before


def test_admins_may_suspend_moderators_but_not_superusers(make_auth_client, moderator, admin):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = make_auth_client(admin)

    assert client.post(f"/api/v1/users/{moderator.pk}/suspend", {"reason": "x"}).status_code == 200
    before = _state(superuser)
    assert client.post(f"/api/v1/users/{superuser.pk}/suspend", {"reason": "x"}).status_code == 403
    assert _state(superuser) == before


def test_suspend_unknown_user_is_404_for_staff(make_auth_client, moderator):
    response = make_auth_client(moderator).post("/api/v1/users/999999/suspend", {"reason": "x"})

    assert response.status_code == 404


# --- roles -------------------------------------------------------------------------------------


def test_admin_promotes_a_member_to_expert_and_to_moderator(make_auth_client, admin):
    member = user_with_role(Role.MEMBER)
    Group.objects.get(name="Editors").user_set.add(member)
    client = make_auth_client(admin)

    expert = client.post(f"/api/v1/users/{member.pk}/role", {"role": "expert"}, format="json")
    assert expert.status_code == 200
    assert expert.json()["role"] == "expert"
    fresh = User.objects.get(pk=member.pk)
    assert sorted(fresh.groups.values_list("name", flat=True)) == ["Editors", "Experts"]
    assert fresh.has_perm("accounts.sell_paid_sessions")

    moderator = client.post(f"/api/v1/users/{member.pk}/role", {"role": "moderator"})
    assert moderator.json()["role"] == "moderator"
    assert moderator.json()["is_staff"] is True
    fresh = User.objects.get(pk=member.pk)
    assert sorted(fresh.groups.values_list("name", flat=True)) == ["Editors", "Moderators"]
    assert not fresh.has_perm("accounts.sell_paid_sessions")
    assert fresh.has_perm("accounts.suspend_user")


def test_moderators_cannot_change_roles(make_auth_client, moderator):
    member = user_with_role(Role.MEMBER)
    before = _state(member)

    response = make_auth_client(moderator).post(
        f"/api/v1/users/{member.pk}/role", {"role": "admin"}
    )

    assert response.status_code == 403
    assert _state(member) == before


def test_admins_cannot_change_their_own_role_or_a_superusers(make_auth_client, admin):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client = make_auth_client(admin)

    for target in (admin, superuser):
        before = _state(target)
        assert client.post(f"/api/v1/users/{target.pk}/role", {"role": "member"}).status_code == 403
        assert _state(target) == before


def test_role_must_be_known(make_auth_client, admin):
    member = UserFactory()

    response = make_auth_client(admin).post(f"/api/v1/users/{member.pk}/role", {"role": "king"})

    assert response.status_code == 400
    assert _error(response)["fields"] == {"role": ['"king" is not a valid choice.']}
