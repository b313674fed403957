"""Roles: Django groups with explicit permissions (created by migration 0005).

A user's role is derived from their groups, highest first: admin (the "Administrators" group or a
superuser), moderator (Wagtail's "Moderators" group, seed 004's "manager"), expert ("Experts",
seed 004's "friend": may sell paid sessions), member ("Members", and anyone in no role group).

Code decides what a user may do with ``user.has_perm(...)`` on the permissions below, never by
comparing role names; the role is only a label for people and filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Expert")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Administrator")


# Group names. "Moderators" is the group Wagtail itself creates for page moderation, so the
# moderator role and Wagtail's moderation workflow are the same people.
GROUP_NAMES: dict[str, str] = {
    Role.MEMBER: "Members",
    Role.EXPERT: "Experts",
    Role.MODERATOR: "Moderators",
    Role.ADMIN: "Administrators",
}
ROLE_GROUP_NAMES = frozenset(GROUP_NAMES.values())

# Highest first: a user in several role groups has the highest of them.
PRECEDENCE = [Role.ADMIN, Role.MODERATOR, Role.EXPERT, Role.MEMBER]

# Seed 004 calls experts "friends" and moderators "managers"; filters accept both spellings.
ALIASES = {"friend": Role.EXPERT, "manager": Role.MODERATOR, "user": Role.MEMBER}


class Perm:
    """Permission names ("app_label.codename") the roles carry."""

    VIEW_USER = "accounts.view_user"
    CHANGE_USER = "accounts.change_user"
    SUSPEND_USER = "accounts.suspend_user"
    ASSIGN_ROLE = "accounts.assign_role"
    SELL_PAID_SESSIONS = "accounts.sell_paid_sessions"
    ACCESS_ADMIN = "wagtailadmin.access_admin"


# What each role group holds (migration 0005 creates exactly this). Members hold no model
# permission: what a member may do with their own objects is decided by object ownership.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MEMBER: [],
    Role.EXPERT: [Perm.SELL_PAID_SESSIONS],
    Role.MODERATOR: [Perm.ACCESS_ADMIN, Perm.VIEW_USER, Perm.SUSPEND_USER],
    Role.ADMIN: [
        Perm.ACCESS_ADMIN,
        Perm.VIEW_USER,
        "accounts.add_user",
        Perm.CHANGE_USER,
        "accounts.delete_user",
        Perm.SUSPEND_USER,
        Perm.ASSIGN_ROLE,
        Perm.SELL_PAID_SESSIONS,
    ],
}

# Roles whose holders work in the Wagtail admin (is_staff follows the role).
STAFF_ROLES = frozenset({Role.MODERATOR, Role.ADMIN})


def role_group(role: Role) -> Group:
    """The group of ``role``; recreated with its permissions if it went missing.

    Migration 0005 creates the groups. A database flushed after migrating (test runs with
    transactional tests, a restored dump without auth data) loses them, and every sign-up would
    then fail, so they are put back here, exactly as the migration made them.
    """
    group, created = Group.objects.get_or_create(name=GROUP_NAMES[role])
    if created:
        for perm in ROLE_PERMISSIONS[role]:
            app_label, codename = perm.split(".", 1)
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
    return group


def parse_role(value: str) -> Role | None:
    """``"expert"``, ``"friend"``, ``"Expert"`` → ``Role.EXPERT``; None when unknown."""
    value = (value or "").strip().lower()
    if value in ALIASES:
        return ALIASES[value]
    try:
        return Role(value)
    except ValueError:
        return None


def _in_group(name: str) -> Exists:
    from accounts.models import User

    return Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=name))


def role_expression() -> Case:
    """SQL for a user's role, so lists can filter and show it without a query per row."""
    return Case(
        When(Q(is_superuser=True) | _in_group(GROUP_NAMES[Role.ADMIN]), then=Value(Role.ADMIN)),
        When(_in_group(GROUP_NAMES[Role.MODERATOR]), then=Value(Role.MODERATOR)),
        When(_in_group(GROUP_NAMES[Role.EXPERT]), then=Value(Role.EXPERT)),
        default=Value(Role.MEMBER),
        output_field=models.CharField(),
    )


def with_role(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.annotate(role_name=role_expression())


def role_of(user: User) -> Role:
    """The user's role: from the ``role_name`` annotation when present, else from their groups."""
    annotated = getattr(user, "role_name", None)
    if annotated:
        return Role(annotated)
    if user.is_superuser:
        return Role.ADMIN
    if user.pk is None:
        return Role.MEMBER
    names = {group.name for group in user.groups.all()}
    for role in PRECEDENCE:
        if GROUP_NAMES[role] in names:
            return role
    return Role.MEMBER
