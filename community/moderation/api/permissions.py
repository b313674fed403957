"""Who may use the staff endpoints: Django permissions, never role names."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.roles import Perm

HANDLE_TICKETS = "community_moderation.change_ticket"


class _HasPerm(BasePermission):
    perm = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.perm))


class CanHandleTickets(_HasPerm):
    """Moderators and administrators (migration 0002 grants the permission to both groups)."""

    perm = HANDLE_TICKETS


class CanViewUsers(_HasPerm):
    """Staff lists of members (seed 004's admin/friends/)."""

    perm = Perm.VIEW_USER
