"""The demo ledger: realistic history, idempotent, and it balances."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts import demo as accounts_demo
from demo.context import DemoContext
from rewards import demo
from rewards.models import AccountKind, LedgerAccount, Transfer

pytestmark = pytest.mark.django_db


def seeded_context(users: int = 8) -> DemoContext:
    context = DemoContext(users=users, stdout=StringIO())
    accounts_demo.seed(context)
    demo.seed(context)
    return context


def test_demo_wallets_have_bonus_grants_and_tips(settings):
    settings.POINTS_SIGNUP_BONUS = 1

    context = seeded_context()

    members = context.objects["members"]
    wallets = LedgerAccount.objects.filter(kind=AccountKind.WALLET, user__in=members)
    assert wallets.count() == 8
    assert Transfer.objects.filter(reason="signup_bonus").count() == 8
    assert Transfer.objects.filter(reason="staff_grant").count() == 4
    assert Transfer.objects.filter(reason="tip").count() >= 5
    assert not wallets.filter(balance__lt=0).exists()
    assert sum(wallets.values_list("balance", flat=True)) == 8 + 20 + 10 + 15 + 5
    call_command("ledger_audit", stdout=StringIO())


def test_demo_twice_moves_nothing_new():
    context = seeded_context()
    transfers = Transfer.objects.count()
    balances = dict(LedgerAccount.objects.values_list("pk", "balance"))

    again = DemoContext(users=8, stdout=StringIO(), objects=context.objects)
    demo.seed(again)

    assert again.created == {}
    assert Transfer.objects.count() == transfers
    assert dict(LedgerAccount.objects.values_list("pk", "balance")) == balances
