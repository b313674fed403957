"""The ledger's writers: every movement balanced, every refusal leaves every balance untouched."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core.exceptions import Conflict, Forbidden, ValidationFailed
from rewards.models import AccountKind, Entry, LedgerAccount, Transfer
from rewards.selectors import escrow_held, wallet_balance, wallet_held_in_escrow
from rewards.services import (
    AlreadyReversed,
    IdempotencyKeyReused,
    InsufficientBalance,
    escrow_hold,
    escrow_refund,
    escrow_release,
    escrow_settle,
    points_expire,
    points_grant,
    points_purchase_credit,
    points_purchase_refund,
    points_transfer,
    signup_bonus_grant,
    transfer_reverse,
    wallet_open,
)
from tests.accounts.factories import UserFactory
from tests.rewards.factories import balances, funded_user, granter

pytestmark = pytest.mark.django_db


def system_balance(kind: AccountKind) -> int:
    return LedgerAccount.objects.get(kind=kind).balance


def audit_passes() -> None:
    call_command("ledger_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115


# --- points_transfer -----------------------------------------------------------------------------


def test_transfer_moves_points_between_wallets_with_balanced_entries():
    # given
    ann, bob = funded_user(10), funded_user(0)

    # when
    transfer = points_transfer(source=ann, target=bob, amount=3, reason="tip", reference="swap:4")

    # then
    assert wallet_balance(user=ann) == 7
    assert wallet_balance(user=bob) == 3
    entries = {e.account.user_id: (e.amount, e.balance_after) for e in transfer.entries.all()}
    assert entries == {ann.pk: (-3, 7), bob.pk: (3, 3)}
    assert transfer.reason == "tip"
    assert transfer.reference == "swap:4"
    assert transfer.replayed is False
    audit_passes()


def test_transfer_opens_the_target_wallet_on_first_credit():
    ann, bob = funded_user(5), UserFactory()
    assert not LedgerAccount.objects.filter(user=bob).exists()

    points_transfer(source=ann, target=bob, amount=5, reason="transfer")

    assert LedgerAccount.objects.get(user=bob).balance == 5
    assert wallet_balance(user=ann) == 0


def test_transfer_of_more_than_the_balance_is_refused_and_moves_nothing():
    # given
    ann, bob = funded_user(4), funded_user(1)
    before, transfers = balances(), Transfer.objects.count()

    # when
    with pytest.raises(InsufficientBalance) as refused:
        points_transfer(source=ann, target=bob, amount=5, reason="transfer")

    # then
    assert refused.value.status_code == 409
    assert refused.value.code == "insufficient_balance"
    assert refused.value.extra == {"balance": 4, "requested": 5}
    assert balances() == before
    assert Transfer.objects.count() == transfers


def test_transfer_from_a_wallet_never_opened_is_insufficient():
    ann, bob = UserFactory(), funded_user(1)
    before = balances()

    with pytest.raises(InsufficientBalance):
        points_transfer(source=ann, target=bob, amount=1, reason="transfer")

    assert balances() == before


@pytest.mark.parametrize("amount", [0, -3, 1.5, True, "2", 1_000_001])
def test_transfer_of_a_non_positive_or_odd_amount_is_invalid(amount):
    ann, bob = funded_user(10), funded_user(0)
    before = balances()

    with pytest.raises(ValidationFailed) as refused:
        points_transfer(source=ann, target=bob, amount=amount, reason="transfer")

    assert refused.value.status_code == 400
    assert list(refused.value.fields) == ["amount"]
    assert balances() == before


def test_transfer_to_oneself_is_invalid():
    ann = funded_user(10)
    before = balances()

    with pytest.raises(ValidationFailed) as refused:
        points_transfer(source=ann, target=ann, amount=1, reason="transfer")

    assert refused.value.fields == {"target": ["You cannot transfer points to yourself."]}
    assert balances() == before


@pytest.mark.parametrize("reason", ["", "Tip!", "x" * 41, "9lives"])
def test_transfer_reason_must_be_a_short_code(reason):
    ann, bob = funded_user(10), funded_user(0)
    before = balances()

    with pytest.raises(ValidationFailed):
        points_transfer(source=ann, target=bob, amount=1, reason=reason)

    assert balances() == before


def test_transfer_retried_with_the_same_key_returns_the_original_and_moves_once():
    ann, bob = funded_user(10), funded_user(0)
    first = points_transfer(
        source=ann, target=bob, amount=4, reason="transfer", idempotency_key="k1"
    )

    again = points_transfer(
        source=ann, target=bob, amount=4, reason="transfer", idempotency_key="k1"
    )

    assert again.pk == first.pk
    assert again.replayed is True
    assert wallet_balance(user=ann) == 6
    assert wallet_balance(user=bob) == 4
    assert Transfer.objects.filter(idempotency_key="k1").count() == 1


def test_retry_succeeds_even_when_the_first_attempt_spent_the_last_points():
    ann, bob = funded_user(4), funded_user(0)
    first = points_transfer(
        source=ann, target=bob, amount=4, reason="transfer", idempotency_key="k"
    )

    again = points_transfer(
        source=ann, target=bob, amount=4, reason="transfer", idempotency_key="k"
    )

    assert again.pk == first.pk
    assert wallet_balance(user=ann) == 0


@pytest.mark.parametrize("change", [{"amount": 5}, {"reason": "tip"}, {"target": "carl"}])
def test_same_key_for_a_different_movement_is_a_conflict(change):
    ann, bob, carl = funded_user(10), funded_user(0), funded_user(0)
    points_transfer(source=ann, target=bob, amount=4, reason="transfer", idempotency_key="k1")
    before = balances()
    kwargs = {"source": ann, "target": bob, "amount": 4, "reason": "transfer"}
    kwargs.update({k: carl if v == "carl" else v for k, v in change.items()})

    with pytest.raises(IdempotencyKeyReused) as refused:
        points_transfer(**kwargs, idempotency_key="k1")

    assert refused.value.status_code == 409
    assert balances() == before


# --- escrow --------------------------------------------------------------------------------------


def test_escrow_hold_then_release_pays_the_payee():
    # given
    payer, payee = funded_user(10), funded_user(0)

    # when
    escrow_hold(user=payer, amount=6, reference="swap:7", idempotency_key="swap:7:hold")

    # then
    assert wallet_balance(user=payer) == 4
    assert escrow_held(reference="swap:7") == 6
    assert wallet_held_in_escrow(user=payer) == 6

    # when
    release = escrow_release(
        user=payee, amount=6, reference="swap:7", idempotency_key="swap:7:release"
    )

    # then
    assert release.reason == "swap_payment"
    assert wallet_balance(user=payee) == 6
    assert escrow_held(reference="swap:7") == 0
    assert wallet_held_in_escrow(user=payer) == 0
    audit_passes()


def test_escrow_hold_then_refund_returns_points_to_the_payer():
    payer = funded_user(10)
    escrow_hold(user=payer, amount=6, reference="swap:8", idempotency_key="h")

    refund = escrow_refund(user=payer, amount=6, reference="swap:8", idempotency_key="r")

    assert refund.reason == "swap_refund"
    assert wallet_balance(user=payer) == 10
    assert escrow_held(reference="swap:8") == 0


def test_escrow_is_kept_per_reference():
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=3, reference="swap:1", idempotency_key="h1")
    escrow_hold(user=payer, amount=4, reference="swap:2", idempotency_key="h2")
    before = balances()

    with pytest.raises(InsufficientBalance):
        escrow_release(user=payee, amount=4, reference="swap:1", idempotency_key="r1")

    assert balances() == before
    assert escrow_held(reference="swap:1") == 3
    assert escrow_held(reference="swap:2") == 4
    assert wallet_held_in_escrow(user=payer) == 7


def test_escrow_hold_beyond_the_wallet_is_refused():
    payer = funded_user(2)
    before = balances()

    with pytest.raises(InsufficientBalance):
        escrow_hold(user=payer, amount=3, reference="swap:3", idempotency_key="h")

    assert balances() == before
    assert escrow_held(reference="swap:3") == 0


def test_release_of_nothing_held_is_refused():
    payee = funded_user(0)
    before = balances()

    with pytest.raises(InsufficientBalance) as refused:
        escrow_release(user=payee, amount=1, reference="swap:404", idempotency_key="r")

    assert refused.value.extra == {"balance": 0, "requested": 1}
    assert balances() == before


def test_refund_to_someone_who_did_not_pay_is_refused():
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=5, reference="swap:9", idempotency_key="h")
    before = balances()

    with pytest.raises(InsufficientBalance) as refused:
        escrow_refund(user=payee, amount=5, reference="swap:9", idempotency_key="r")

    assert refused.value.message == "Only points this member put in escrow can be refunded to them."
    assert balances() == before


def test_partial_release_then_refund_of_the_rest():
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=8, reference="swap:5", idempotency_key="h")
    escrow_release(user=payee, amount=5, reference="swap:5", idempotency_key="rel")
    before = balances()

    with pytest.raises(InsufficientBalance):
        escrow_refund(user=payer, amount=4, reference="swap:5", idempotency_key="ref-too-much")
    assert balances() == before

    escrow_refund(user=payer, amount=3, reference="swap:5", idempotency_key="ref")

    assert wallet_balance(user=payer) == 5
    assert wallet_balance(user=payee) == 5
    assert escrow_held(reference="swap:5") == 0
    audit_passes()


def test_escrow_services_require_a_reference_and_a_key():
    payer = funded_user(10)
    before = balances()

    with pytest.raises(ValidationFailed) as no_reference:
        escrow_hold(user=payer, amount=1, reference="", idempotency_key="h")
    with pytest.raises(ValidationFailed) as no_key:
        escrow_hold(user=payer, amount=1, reference="swap:1", idempotency_key=None)

    assert list(no_reference.value.fields) == ["reference"]
    assert list(no_key.value.fields) == ["idempotency_key"]
    assert balances() == before


def test_escrow_hold_retried_moves_once():
    payer = funded_user(10)
    first = escrow_hold(user=payer, amount=4, reference="swap:6", idempotency_key="swap:6:hold")

    again = escrow_hold(user=payer, amount=4, reference="swap:6", idempotency_key="swap:6:hold")

    assert again.pk == first.pk
    assert escrow_held(reference="swap:6") == 4
    assert wallet_balance(user=payer) == 6


# --- sources and sinks ---------------------------------------------------------------------------


def test_grant_credits_the_wallet_from_staff_grants_and_records_who():
    staff, member = granter(), UserFactory()

    transfer = points_grant(user=member, amount=25, reason="Community award", granted_by=staff)

    assert wallet_balance(user=member) == 25
    assert system_balance(AccountKind.STAFF_GRANTS) == -25
    assert transfer.reason == "staff_grant"
    assert transfer.description == "Community award"
    assert transfer.initiated_by == staff


def test_grant_by_someone_without_the_permission_is_forbidden():
    member, plain_staff = UserFactory(), UserFactory(is_staff=True)
    before = balances()

    with pytest.raises(Forbidden):
        points_grant(user=member, amount=5, reason="because", granted_by=plain_staff)

    assert balances() == before
    assert not Transfer.objects.exists()


def test_grant_needs_a_reason():
    member = UserFactory()

    with pytest.raises(ValidationFailed) as refused:
        points_grant(user=member, amount=5, reason="  ", granted_by=granter())

    assert list(refused.value.fields) == ["reason"]
    assert wallet_balance(user=member) == 0


def test_signup_bonus_is_granted_once(settings):
    settings.POINTS_SIGNUP_BONUS = 1
    member = UserFactory()

    first = signup_bonus_grant(user=member)
    second = signup_bonus_grant(user=member)

    assert second.pk == first.pk
    assert wallet_balance(user=member) == 1
    assert system_balance(AccountKind.SIGNUP_BONUS) == -1
    assert first.reason == "signup_bonus"


def test_signup_bonus_of_zero_only_opens_the_wallet(settings):
    settings.POINTS_SIGNUP_BONUS = 0
    member = UserFactory()

    assert signup_bonus_grant(user=member) is None

    assert LedgerAccount.objects.get(user=member).balance == 0
    assert not Transfer.objects.exists()


def test_wallet_open_is_idempotent():
    member = UserFactory()

    assert wallet_open(user=member).pk == wallet_open(user=member).pk
    assert LedgerAccount.objects.filter(user=member).count() == 1


def test_purchase_credit_refund_and_expiry_go_through_named_accounts():
    member = UserFactory()

    points_purchase_credit(user=member, amount=10, reference="payment:7", idempotency_key="p7")
    points_purchase_credit(user=member, amount=10, reference="payment:7", idempotency_key="p7")
    points_purchase_refund(user=member, amount=4, reference="payment:7", idempotency_key="p7r")
    points_expire(user=member, amount=1)

    assert wallet_balance(user=member) == 5
    assert system_balance(AccountKind.PURCHASES) == -10
    assert system_balance(AccountKind.REFUNDS) == 4
    assert system_balance(AccountKind.EXPIRY) == 1
    audit_passes()


def test_purchase_refund_of_spent_points_is_refused():
    member, other = UserFactory(), funded_user(0)
    points_purchase_credit(user=member, amount=10, reference="payment:8", idempotency_key="p8")
    points_transfer(source=member, target=other, amount=9, reason="transfer")
    before = balances()

    with pytest.raises(InsufficientBalance):
        points_purchase_refund(user=member, amount=10, reference="payment:8", idempotency_key="r")

    assert balances() == before


# --- reversal ------------------------------------------------------------------------------------


def test_reversal_is_a_new_transfer_referencing_the_original():
    staff = granter()
    ann, bob = funded_user(10), funded_user(0)
    original = points_transfer(source=ann, target=bob, amount=3, reason="transfer")

    reversal = transfer_reverse(transfer=original, reversed_by=staff, note="sent by mistake")

    assert reversal.reverses == original
    assert reversal.reason == "reversal"
    assert reversal.initiated_by == staff
    assert wallet_balance(user=ann) == 10
    assert wallet_balance(user=bob) == 0
    assert {e.amount for e in original.entries.all()} == {-3, 3}
    audit_passes()


def test_reversal_twice_or_of_a_reversal_is_refused():
    ann, bob = funded_user(10), funded_user(0)
    original = points_transfer(source=ann, target=bob, amount=3, reason="transfer")
    reversal = transfer_reverse(transfer=original, reversed_by=None)
    before = balances()

    with pytest.raises(AlreadyReversed):
        transfer_reverse(transfer=original, reversed_by=None)
    with pytest.raises(Conflict) as of_reversal:
        transfer_reverse(transfer=reversal, reversed_by=None)

    assert of_reversal.value.code == "reversal_not_reversible"
    assert balances() == before


def test_reversal_the_recipient_can_no_longer_cover_is_refused():
    ann, bob, carl = funded_user(10), funded_user(0), funded_user(0)
    original = points_transfer(source=ann, target=bob, amount=3, reason="transfer")
    points_transfer(source=bob, target=carl, amount=2, reason="transfer")
    before = balances()

    with pytest.raises(InsufficientBalance):
        transfer_reverse(transfer=original, reversed_by=None)

    assert balances() == before
    assert not Transfer.objects.filter(reverses=original).exists()


def test_every_balance_equals_the_sum_of_its_entries_after_mixed_activity():
    ann, bob = funded_user(20), funded_user(5)
    points_transfer(source=ann, target=bob, amount=7, reason="transfer")
    escrow_hold(user=bob, amount=10, reference="swap:11", idempotency_key="h")
    escrow_release(user=ann, amount=6, reference="swap:11", idempotency_key="r")
    escrow_refund(user=bob, amount=4, reference="swap:11", idempotency_key="f")

    for account in LedgerAccount.objects.all():
        assert account.balance == sum(e.amount for e in Entry.objects.filter(account=account))
    assert sum(LedgerAccount.objects.values_list("balance", flat=True)) == 0
    assert wallet_balance(user=ann) == 19
    assert wallet_balance(user=bob) == 6


# --- escrow_settle -------------------------------------------------------------------------------


def test_settle_splits_the_escrow_in_one_transfer():
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=8, reference="swap:20", idempotency_key="h")

    settlement = escrow_settle(
        reference="swap:20",
        payee=payee,
        payee_amount=6,
        payer=payer,
        payer_amount=2,
        idempotency_key="swap:20:settle",
    )

    legs = {(e.account.kind, e.account.user_id, e.amount) for e in settlement.entries.all()}
    assert legs == {("escrow", None, -8), ("wallet", payee.pk, 6), ("wallet", payer.pk, 2)}
    assert wallet_balance(user=payee) == 6
    assert wallet_balance(user=payer) == 4
    assert escrow_held(reference="swap:20") == 0
    audit_passes()


def test_settle_with_nothing_back_is_a_plain_release():
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=5, reference="swap:21", idempotency_key="h")

    settlement = escrow_settle(
        reference="swap:21",
        payee=payee,
        payee_amount=5,
        payer=payer,
        payer_amount=0,
        idempotency_key="s",
    )

    assert settlement.entries.count() == 2
    assert wallet_balance(user=payee) == 5


@pytest.mark.parametrize(
    ("payee_amount", "payer_amount", "error"),
    [(6, 3, InsufficientBalance), (0, 0, ValidationFailed), (-1, 3, ValidationFailed)],
)
def test_settle_refusals_move_nothing(payee_amount, payer_amount, error):
    payer, payee = funded_user(10), funded_user(0)
    escrow_hold(user=payer, amount=8, reference="swap:22", idempotency_key="h")
    before = balances()

    with pytest.raises(error):
        escrow_settle(
            reference="swap:22",
            payee=payee,
            payee_amount=payee_amount,
            payer=payer,
            payer_amount=payer_amount,
            idempotency_key="s",
        )

    assert balances() == before


def test_settle_cannot_refund_someone_who_did_not_pay():
    payer, payee, stranger = funded_user(10), funded_user(0), funded_user(0)
    escrow_hold(user=payer, amount=8, reference="swap:23", idempotency_key="h")
    before = balances()

    with pytest.raises(InsufficientBalance):
        escrow_settle(
            reference="swap:23",
            payee=payee,
            payee_amount=4,
            payer=stranger,
            payer_amount=4,
            idempotency_key="s",
        )

    assert balances() == before
