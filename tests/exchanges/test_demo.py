"""The demo has swaps in every state, with the points where the state says they are."""

from io import StringIO

import pytest
from django.core.management import call_command

from exchanges.models import SessionBooking, Swap, VideoCall
from rewards.selectors import escrow_held
from tests.exchanges.conftest import ledger_ok

pytestmark = pytest.mark.django_db


def test_seed_demo_has_swaps_in_every_state_and_a_balanced_ledger():
    call_command("seed_demo", "--users", "6", stdout=StringIO())

    assert set(Swap.objects.values_list("status", flat=True)) == set(Swap.Status.values)
    for swap in Swap.objects.filter(kind="points"):
        frozen = swap.status in ("accepted", "disputed")
        assert escrow_held(reference=swap.reference) == (swap.points_amount if frozen else 0)
    assert Swap.objects.exclude(proposed_start=None).count() == 1
    assert VideoCall.objects.filter(status="ended").exists()
    for booking in SessionBooking.objects.all():
        clash = SessionBooking.objects.filter(
            user=booking.user, starts_at__lt=booking.ends_at, ends_at__gt=booking.starts_at
        ).exclude(pk=booking.pk)
        assert not clash.exists()
    ledger_ok()
