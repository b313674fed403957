"""The ledger's rows are append-only and its invariants are enforced by the database too."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from rewards.models import (
    AccountKind,
    Entry,
    LedgerAccount,
    LedgerImmutableError,
    Transfer,
    reason_label,
    reference_ids,
)
from rewards.services import points_transfer
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer():
    ann, bob = funded_user(5), funded_user(0)
    return points_transfer(source=ann, target=bob, amount=2, reason="transfer")


def test_an_entry_cannot_be_saved_again(transfer):
    entry = transfer.entries.first()
    entry.amount = 100

    with pytest.raises(LedgerImmutableError):
        entry.save()

    assert Entry.objects.get(pk=entry.pk).amount != 100


def test_entries_and_transfers_cannot_be_deleted_or_bulk_updated(transfer):
    entry = transfer.entries.first()

    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        transfer.delete()
    with pytest.raises(LedgerImmutableError):
        Entry.objects.filter(transfer=transfer).update(amount=0)
    with pytest.raises(LedgerImmutableError):
        Entry.objects.all().delete()
    with pytest.raises(LedgerImmutableError):
        Transfer.objects.filter(pk=transfer.pk).update(reason="tip")

    assert Entry.objects.filter(transfer=transfer).count() == 2
    assert Transfer.objects.get(pk=transfer.pk).reason == "transfer"


def test_an_account_with_entries_cannot_be_deleted(transfer):
    wallet = transfer.entries.first().account
    before = balances()

    with pytest.raises(Exception, match="protected"):
        wallet.delete()

    assert balances() == before


def test_the_database_refuses_a_negative_wallet(transfer):
    wallet = LedgerAccount.objects.filter(kind=AccountKind.WALLET).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(balance=-1)

    assert LedgerAccount.objects.get(pk=wallet.pk).balance == wallet.balance


def test_the_database_refuses_a_source_with_a_positive_balance(transfer):
    source = LedgerAccount.objects.get(kind=AccountKind.STAFF_GRANTS)

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=source.pk).update(balance=1)


def test_the_database_refuses_a_second_system_account_of_a_kind(transfer):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(kind=AccountKind.STAFF_GRANTS)


def test_the_database_refuses_a_wallet_without_a_member():
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(kind=AccountKind.WALLET)


@pytest.mark.postgres
def test_postgresql_refuses_raw_updates_and_deletes_of_entries(transfer):
    entry = transfer.entries.first()

    for sql in (
        "UPDATE rewards_entry SET amount = 100 WHERE id = %s",
        "DELETE FROM rewards_entry WHERE id = %s",
        "UPDATE rewards_transfer SET reason = 'tip' WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk if "entry" in sql else transfer.pk])

    assert Entry.objects.get(pk=entry.pk).amount == entry.amount


def test_reference_ids_are_parsed_for_known_kinds():
    assert reference_ids("swap:42") == {"swap": 42, "payment": None, "event": None}
    assert reference_ids("payment:7:refund") == {"swap": None, "payment": 7, "event": None}
    assert reference_ids("event:3") == {"swap": None, "payment": None, "event": 3}
    assert reference_ids("order:3") == {"swap": None, "payment": None, "event": None}
    assert reference_ids("") == {"swap": None, "payment": None, "event": None}


def test_reason_labels_are_translated_and_unknown_codes_readable():
    assert reason_label("swap_payment") == "Swap payment"
    assert reason_label("garden_share") == "Garden share"
