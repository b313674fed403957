from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from exchanges.models import SessionBooking, Swap
from rewards.models import LedgerAccount


def ledger_ok() -> str:
    """Run ``manage.py ledger_audit``; it raises CommandError when anything does not balance."""
    out = StringIO()
    call_command("ledger_audit", stdout=out)
    return out.getvalue()


def snapshot(swap: Swap) -> dict:
    """Everything a refused move must leave untouched: the row, the bookings, every balance."""
    swap = Swap.objects.get(pk=swap.pk)
    row = model_to_dict(swap)
    row["updated_at"] = swap.updated_at
    return {
        "swap": row,
        "bookings": sorted(SessionBooking.objects.values_list("swap_id", "user_id", "starts_at")),
        "balances": dict(LedgerAccount.objects.values_list("pk", "balance")),
    }


@pytest.fixture
def moderator(db):
    from django.contrib.auth.models import Permission

    from tests.accounts.factories import UserFactory

    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="resolve_dispute"))
    return user
