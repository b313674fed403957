"""Every non-trivial read of the billing app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import F, QuerySet, Sum

from billing.gateways import enabled_gateway_names, gateway
from billing.models import Package, Payment, Plan

if TYPE_CHECKING:
    from accounts.models import User


def packages_active() -> list[Package]:
    """The packages on sale, in their sort order (names in the active language)."""
    return list(Package.objects.filter(active=True).order_by("sort_order", "id"))


def plans_active() -> list[Plan]:
    """The premium plans on sale, in their sort order."""
    return list(Plan.objects.filter(active=True).order_by("sort_order", "id"))


def gateway_available_is(name: str) -> bool:
    """Whether ``name`` is enabled here and has its keys (no network call)."""
    try:
        return bool(gateway(name).available())
    except Exception:  # noqa: BLE001 - an absent or broken gateway module is simply unavailable
        return False


def gateway_options() -> list[dict[str, Any]]:
    """Every enabled gateway with whether it can take a payment now: ``{name, available}``."""
    return [
        {"name": name, "available": gateway_available_is(name)} for name in enabled_gateway_names()
    ]


def payments_of(*, user: User) -> QuerySet[Payment]:
    """The member's payments, newest first (one query per page)."""
    return Payment.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def payment_of(*, user: User, payment_id: int) -> Payment | None:
    """One of the member's own payments, or None (another member's is None too)."""
    return payments_of(user=user).filter(pk=payment_id).first()


def shortfalls_open() -> QuerySet[Payment]:
    """Payments whose refund or chargeback could not take every point back, not yet resolved."""
    return (
        Payment.objects.filter(shortfall_points__gt=0, shortfall_resolved_at__isnull=True)
        .select_related("user")
        .order_by("-updated_at", "-id")
    )


# --- activity recount (rewards.activity.register_recount; registered in apps.py) ---------------


def activity_points_bought() -> dict[int, int]:
    """Points credited by purchases less every refunded share (taken back or shortfall), by
    member, as ``services.webhooks`` counts them."""
    rows = (
        Payment.objects.filter(credited_at__isnull=False)
        .order_by()
        .values("user_id")
        .annotate(total=Sum(F("points") - F("points_reversed") - F("shortfall_points")))
    )
    return {row["user_id"]: row["total"] for row in rows}
