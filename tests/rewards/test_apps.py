"""rewards plugs into accounts through accounts.extensions (registered in AppConfig.ready)."""

from __future__ import annotations

import pytest

from accounts import extensions
from rewards.models import LedgerAccount, Transfer
from rewards.services import escrow_hold, points_transfer
from tests.accounts.factories import UserFactory
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


def test_user_created_hook_opens_the_wallet_and_grants_the_signup_bonus(settings):
    settings.POINTS_SIGNUP_BONUS = 2
    member = UserFactory()

    extensions.user_created(member)
    extensions.user_created(member)

    assert LedgerAccount.objects.get(user=member).balance == 2
    assert Transfer.objects.filter(reason="signup_bonus").count() == 1


def test_points_balance_provider_reads_the_wallet():
    member = funded_user(7)

    assert extensions.points_balance(member) == 7
    assert extensions.points_balance(UserFactory()) == 0


def test_export_section_lists_balance_and_history():
    member, other = funded_user(9), funded_user(0, display_name="Other")
    points_transfer(source=member, target=other, amount=2, reason="tip", reference="swap:5")
    escrow_hold(user=member, amount=3, reference="swap:6", idempotency_key="h")

    points = extensions.export_sections(member)["points"]

    assert points["balance"] == 4
    assert points["held_in_escrow"] == 3
    assert [(t["type"], t["amount"], t["reason"]) for t in points["transactions"]] == [
        ("debit", 3, "swap_escrow"),
        ("debit", 2, "tip"),
        ("credit", 9, "staff_grant"),
    ]
    tip = points["transactions"][1]
    assert tip["counterparty"] == {"kind": "user", "user_id": other.pk, "name": "Other"}
    assert tip["related_swap_id"] == 5
    assert tip["balance_after"] == 7
