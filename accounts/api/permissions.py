"""Permissions of the accounts API, decided by Django permissions, never by role names.

Who may act on whom: a holder of ``suspend_user`` may suspend members and experts; suspending
someone who may suspend others (a moderator) takes ``assign_role`` (an admin); superusers are
touched only by superusers; nobody acts on their own account here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Q
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.models import User
from accounts.roles import Perm


def holds_permission(user: User, perm: str) -> bool:
    """Whether ``user`` holds ``perm`` through their groups or directly, active or not.

    ``user.has_perm`` answers False for every inactive account, which would make a suspended
    moderator look like a member to the checks below.
    """
    if user.is_superuser:
        return True
    app_label, codename = perm.split(".", 1)
    return Permission.objects.filter(
        Q(group__user=user) | Q(user=user),
        content_type__app_label=app_label,
        codename=codename,
    ).exists()


class _HasPerm(BasePermission):
    perm: str = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.perm))


class CanViewUsers(_HasPerm):
    """Staff screens listing every account (moderators, admins)."""

    perm = Perm.VIEW_USER


class CanSuspendUser(_HasPerm):
    """Suspend or reactivate another account that ranks below the caller."""

    perm = Perm.SUSPEND_USER

    def has_object_permission(self, request: Request, view: Any, obj: User) -> bool:
        actor = request.user
        if obj.pk == actor.pk:
            return False
        if obj.is_superuser and not actor.is_superuser:
            return False
        if holds_permission(obj, Perm.SUSPEND_USER):
            return actor.has_perm(Perm.ASSIGN_ROLE)
        return True


class CanAssignRole(_HasPerm):
    """Change another account's role (admins); superusers only by superusers."""

    perm = Perm.ASSIGN_ROLE

    def has_object_permission(self, request: Request, view: Any, obj: User) -> bool:
        actor = request.user
        if obj.pk == actor.pk:
            return False
        return not obj.is_superuser or actor.is_superuser


class CanSellPaidSessions(_HasPerm):
    """Experts (seed 004's "friends") may sell sessions for points; for other apps' views."""

    perm = Perm.SELL_PAID_SESSIONS
