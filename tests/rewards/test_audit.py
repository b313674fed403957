"""``manage.py ledger_audit`` recomputes every balance and exits non-zero on a mismatch."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rewards.models import AccountKind, LedgerAccount
from rewards.services import escrow_hold, points_transfer
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


def run_audit() -> str:
    out = StringIO()
    call_command("ledger_audit", stdout=out)
    return out.getvalue()


def test_audit_passes_on_a_consistent_ledger():
    ann, bob = funded_user(10), funded_user(0)
    points_transfer(source=ann, target=bob, amount=4, reason="transfer")
    escrow_hold(user=bob, amount=1, reference="swap:1", idempotency_key="h")

    output = run_audit()

    assert "Checked 4 accounts, 3 transfers, 6 entries; all balances sum to 0." in output
    assert "Ledger OK." in output


def test_audit_passes_on_an_empty_ledger():
    assert "Ledger OK." in run_audit()


def test_audit_lists_an_account_whose_cached_balance_drifted():
    # given a balance changed behind the services' back
    ann = funded_user(10)
    wallet = LedgerAccount.objects.get(kind=AccountKind.WALLET, user=ann)
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=12)
    out = StringIO()

    # when
    with pytest.raises(CommandError, match="does not balance"):
        call_command("ledger_audit", stdout=out)

    # then
    assert f"account {wallet.pk} ({wallet}): cached balance 12, sum of entries 10" in out.getvalue()
    assert "all balances sum to 2" in out.getvalue()


def test_audit_lists_an_unbalanced_transfer_and_its_running_balances():
    # given an entry smuggled in by raw SQL (on PostgreSQL with the append-only trigger switched
    # off for this test's transaction, as only a superuser could)
    ann = funded_user(10)
    wallet = LedgerAccount.objects.get(kind=AccountKind.WALLET, user=ann)
    transfer = points_transfer(source=ann, target=funded_user(0), amount=1, reason="transfer")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "INSERT INTO rewards_entry (transfer_id, account_id, amount, balance_after, created_at)"
            " SELECT %s, id, 5, 99, CURRENT_TIMESTAMP FROM rewards_ledgeraccount"
            " WHERE kind = 'staff_grants'",
            [transfer.pk],
        )
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("ledger_audit", stdout=out)

    assert f"transfer {transfer.pk}: 3 entries summing to 5" in out.getvalue()
    assert "balance_after 99, running sum -5" in out.getvalue()
    assert f"account {wallet.pk}" not in out.getvalue()
