"""Ledger test helpers: points only ever enter a wallet through the services."""

from __future__ import annotations

from accounts.models import User
from rewards.models import LedgerAccount
from rewards.services import points_grant
from tests.accounts.factories import UserFactory


def granter() -> User:
    """A staff member allowed to grant points (a superuser has every permission).

    Fetched when it exists: the factory would reset its password and log its sessions out.
    """
    existing = User.objects.filter(email="granter@example.test").first()
    return existing or UserFactory(email="granter@example.test", is_staff=True, is_superuser=True)


def funded_user(points: int, **fields) -> User:
    """A member whose wallet received ``points`` through a staff grant."""
    user = UserFactory(**fields)
    if points:
        points_grant(user=user, amount=points, reason="test funding", granted_by=granter())
    return user


def balances() -> dict[int, int]:
    """Every account's cached balance by id: refusals must leave this dict unchanged."""
    return dict(LedgerAccount.objects.values_list("pk", "balance"))


# --- badges (rewards/badges.py) -------------------------------------------------------------------


def make_badge(**fields):
    """An active badge on ``sessions_taught`` with bronze 1, silver 5, gold 10 by default."""
    from rewards.models import BadgeDefinition, Counter

    number = BadgeDefinition.objects.count() + 1
    values = {
        "slug": f"badge-{number}",
        "name_en": f"Badge {number}",
        "name_ar": f"وسام {number}",
        "description_en": "Awarded for teaching.",
        "counter": Counter.SESSIONS_TAUGHT,
        "threshold_bronze": 1,
        "threshold_silver": 5,
        "threshold_gold": 10,
        "sort_order": number,
    }
    values.update(fields)
    return BadgeDefinition.objects.create(**values)


def badge_staff():
    """A staff member of the administrator role (may award and revoke badges)."""
    from accounts.roles import Role
    from tests.accounts.factories import user_with_role

    return user_with_role(Role.ADMIN, is_staff=True)
