"""Wagtail user screens: admins edit profile, role and suspension; moderators look and suspend."""

import pytest
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.roles import Role
from tests.accounts.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = user_with_role(Role.ADMIN, email="admin@example.test")
    client.force_login(admin)
    client.user = admin
    return client


@pytest.fixture
def moderator_client(client):
    moderator = user_with_role(Role.MODERATOR, email="moderator@example.test")
    client.force_login(moderator)
    client.user = moderator
    return client


def _edit_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "first_name": user.first_name or "First",
        "last_name": user.last_name or "Last",
        "display_name": user.display_name,
        "phone": user.phone,
        "city": user.city,
        "country": user.country,
        "latitude": "",
        "longitude": "",
        "bio": user.bio,
        "languages": "[]",
        "language": user.language,
        "time_zone": user.time_zone,
        "interests": "{}",
        "role": user.role,
        "suspension_reason": user.suspension_reason,
        "password1": "",
        "password2": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_lists_users_with_role_and_status(admin_client):
    user_with_role(Role.EXPERT, email="expert@example.test")

    response = admin_client.get("/admin/users/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "expert@example.test" in content
    assert "Expert" in content
    assert "Role" in content


def test_admin_edits_profile_fields_and_role(admin_client):
    member = user_with_role(Role.MEMBER, email="member@example.test", first_name="Ali")

    response = admin_client.post(
        f"/admin/users/edit/{member.pk}/",
        _edit_form(
            member,
            display_name="Ali the Baker",
            city="Beirut",
            country="LB",
            languages='["ar", "fr"]',
            interests='{"interests": ["bread"], "communication_style": "casual"}',
            role="expert",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert (member.display_name, member.city, member.country) == ("Ali the Baker", "Beirut", "LB")
    assert member.languages == ["ar", "fr"]
    assert member.role == "expert"
    assert member.has_perm("accounts.sell_paid_sessions")


def test_admin_suspends_through_the_form_and_tokens_are_revoked(admin_client):
    member = user_with_role(Role.MEMBER, email="member@example.test")
    RefreshToken.for_user(member)

    response = admin_client.post(
        f"/admin/users/edit/{member.pk}/",
        _edit_form(member, suspended="on", suspension_reason="Fraudulent listings"),
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.is_active, member.suspension_reason) == (False, "Fraudulent listings")
    assert member.suspended_at is not None
    assert not OutstandingToken.objects.filter(user=member, blacklistedtoken__isnull=True).exists()

    admin_client.post(f"/admin/users/edit/{member.pk}/", _edit_form(member, suspended=None))
    member.refresh_from_db()
    assert (member.is_active, member.suspended_at) == (True, None)


def test_suspension_needs_a_reason_in_the_form(admin_client):
    member = UserFactory()

    response = admin_client.post(
        f"/admin/users/edit/{member.pk}/", _edit_form(member, suspended="on", suspension_reason="")
    )

    assert response.status_code == 200
    assert User.objects.get(pk=member.pk).is_active is True


def test_admin_form_refuses_invalid_profile_values(admin_client):
    member = UserFactory()
    before = User.objects.get(pk=member.pk).country

    response = admin_client.post(
        f"/admin/users/edit/{member.pk}/",
        _edit_form(member, country="ZZ", languages='["klingon"]', time_zone="Nowhere/City"),
    )

    assert response.status_code == 200
    assert User.objects.get(pk=member.pk).country == before


def test_admin_creates_a_user_with_a_role(admin_client):
    response = admin_client.post(
        "/admin/users/new/",
        _edit_form(
            User(email="new@example.test", first_name="New", last_name="Person"),
            role="moderator",
            password1="a-long-passphrase-42",
            password2="a-long-passphrase-42",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new@example.test")
    assert created.role == "moderator"
    assert created.is_staff is True


def test_moderator_sees_users_and_their_details_but_cannot_edit(moderator_client):
    member = user_with_role(Role.MEMBER, email="member@example.test", city="Oran")

    listing = moderator_client.get("/admin/users/")
    inspect = moderator_client.get(f"/admin/users/inspect/{member.pk}/")
    edit = moderator_client.get(f"/admin/users/edit/{member.pk}/")
    post = moderator_client.post(
        f"/admin/users/edit/{member.pk}/", _edit_form(member, role="admin")
    )

    assert listing.status_code == 200
    assert "member@example.test" in listing.content.decode()
    assert inspect.status_code == 200
    assert "Oran" in inspect.content.decode()
    assert edit.status_code in (302, 403)
    assert post.status_code in (302, 403)
    assert User.objects.get(pk=member.pk).role == "member"


def test_moderator_suspends_and_reactivates_a_member_in_the_admin(moderator_client):
    member = user_with_role(Role.MEMBER, email="member@example.test")

    listing = moderator_client.get("/admin/users/").content.decode()
    page = moderator_client.get(f"/admin/accounts/users/{member.pk}/suspend/")
    suspended = moderator_client.post(
        f"/admin/accounts/users/{member.pk}/suspend/", {"reason": "Harassment"}
    )

    assert f"/admin/accounts/users/{member.pk}/suspend/" in listing
    assert page.status_code == 200
    assert suspended.status_code == 302
    member.refresh_from_db()
    assert (member.is_active, member.suspension_reason) == (False, "Harassment")

    reactivated = moderator_client.post(f"/admin/accounts/users/{member.pk}/reactivate/")
    assert reactivated.status_code == 302
    member.refresh_from_db()
    assert member.is_active is True


def test_moderator_cannot_suspend_an_admin_in_the_admin(moderator_client):
    admin = user_with_role(Role.ADMIN, email="boss@example.test")

    response = moderator_client.post(
        f"/admin/accounts/users/{admin.pk}/suspend/", {"reason": "coup"}
    )

    assert response.status_code in (302, 403)
    assert User.objects.get(pk=admin.pk).is_active is True


def test_members_do_not_reach_the_admin(client):
    member = user_with_role(Role.MEMBER)
    client.force_login(member)

    assert client.get("/admin/users/").status_code == 302
    assert client.post(
        f"/admin/accounts/users/{member.pk}/suspend/", {"reason": "x"}
    ).status_code in (302, 403)
    assert User.objects.get(pk=member.pk).is_active is True


def test_role_groups_are_not_offered_as_plain_groups(admin_client):
    member = UserFactory()

    content = admin_client.get(f"/admin/users/edit/{member.pk}/").content.decode()

    editors = Group.objects.get(name="Editors")
    experts = Group.objects.get(name="Experts")
    assert f'value="{editors.pk}"' in content
    assert f'name="groups" value="{experts.pk}"' not in content


def test_deleting_in_the_admin_anonymises_and_keeps_the_row(admin_client):
    member = user_with_role(Role.MEMBER, email="leaving@example.test", city="Sfax")

    page = admin_client.get(f"/admin/users/delete/{member.pk}/")
    response = admin_client.post(f"/admin/users/delete/{member.pk}/")

    assert page.status_code == 200
    assert response.status_code == 302
    gone = User.objects.get(pk=member.pk)
    assert (gone.email, gone.city, gone.is_active) == (
        f"deleted-{member.pk}@deleted.invalid",
        "",
        False,
    )
    assert gone.deleted_at is not None
