"""Roles are groups with explicit permissions; a user's role is derived from their groups."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role, parse_role, role_group, with_role
from accounts.services import user_role_set
from tests.accounts.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def _permissions(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


@pytest.mark.parametrize("role", list(Role))
def test_each_role_group_holds_at_least_its_explicit_permissions(role):
    group = role_group(role)

    assert group.name == GROUP_NAMES[role]
    # other apps add their own permissions to these groups (the ledger, moderation …)
    assert set(ROLE_PERMISSIONS[role]) <= _permissions(group)


def test_role_permissions_are_what_the_roles_may_do():
    member = user_with_role(Role.MEMBER)
    expert = user_with_role(Role.EXPERT)
    moderator = user_with_role(Role.MODERATOR)
    admin = user_with_role(Role.ADMIN)

    assert not member.has_perm("accounts.sell_paid_sessions")
    assert expert.has_perm("accounts.sell_paid_sessions")
    assert not expert.has_perm("accounts.view_user")
    assert moderator.has_perm("accounts.view_user")
    assert moderator.has_perm("accounts.suspend_user")
    assert not moderator.has_perm("accounts.assign_role")
    assert not moderator.has_perm("accounts.change_user")
    assert moderator.has_perm("wagtailadmin.access_admin")
    assert admin.has_perm("accounts.assign_role")
    assert admin.has_perm("accounts.change_user")
    assert admin.has_perm("accounts.sell_paid_sessions")


def test_role_is_the_highest_of_the_role_groups():
    user = UserFactory()
    user.groups.add(role_group(Role.EXPERT), role_group(Role.MODERATOR))

    assert user.role == "moderator"


def test_no_group_means_member_and_superuser_means_admin():
    assert UserFactory().role == "member"
    assert UserFactory(is_superuser=True).role == "admin"


def test_sql_role_matches_the_python_role():
    users = [
        UserFactory(),
        user_with_role(Role.EXPERT),
        user_with_role(Role.MODERATOR),
        user_with_role(Role.ADMIN),
        UserFactory(is_superuser=True),
    ]
    expert_and_moderator = user_with_role(Role.EXPERT)
    expert_and_moderator.groups.add(role_group(Role.MODERATOR))
    users.append(expert_and_moderator)

    annotated = {user.pk: user.role_name for user in with_role(type(users[0]).objects.all())}

    assert annotated == {user.pk: user.role for user in users}


def test_role_set_keeps_other_groups_and_sets_staff():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Editors"))

    user_role_set(user=user, role=Role.MODERATOR)
    user.refresh_from_db()
    assert sorted(user.groups.values_list("name", flat=True)) == ["Editors", "Moderators"]
    assert user.is_staff is True

    user_role_set(user=user, role=Role.MEMBER)
    user.refresh_from_db()
    assert sorted(user.groups.values_list("name", flat=True)) == ["Editors", "Members"]
    assert user.is_staff is True  # still an editor


def test_demoting_a_superuser_drops_superuser_status():
    user = UserFactory(is_superuser=True, is_staff=True)

    user_role_set(user=user, role=Role.EXPERT)

    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff, user.role) == (False, False, "expert")


@pytest.mark.parametrize(
    ("value", "role"),
    [
        ("expert", Role.EXPERT),
        ("Friend", Role.EXPERT),
        ("manager", Role.MODERATOR),
        ("admin", Role.ADMIN),
        ("user", Role.MEMBER),
        ("wizard", None),
        ("", None),
    ],
)
def test_parse_role_accepts_seed_004_names(value, role):
    assert parse_role(value) == role


def test_a_lost_role_group_is_recreated_with_its_permissions():
    Group.objects.filter(name="Experts").delete()

    group = role_group(Role.EXPERT)

    assert _permissions(group) == {"accounts.sell_paid_sessions"}
