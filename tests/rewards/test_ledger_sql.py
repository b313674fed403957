"""The one-statement ledger path on PostgreSQL (``rewards_ledger_post``, rewards/migrations/0005).

Round trips are pinned, the SQL path and the ORM path agree entry for entry, a refusal writes
nothing (not even an account), and under real concurrency (threads, each with its own connection)
nothing is lost, no balance goes negative and replays move nothing.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.exceptions import Conflict
from rewards.models import AccountKind, Entry, LedgerAccount, Transfer
from rewards.selectors import escrow_held, wallet_balance
from rewards.services import (
    IdempotencyKeyReused,
    InsufficientBalance,
    _post_orm,
    _wallet,
    escrow_hold,
    escrow_refund,
    escrow_release,
    escrow_settle,
    points_transfer,
)
from tests.accounts.factories import UserFactory
from tests.rewards.factories import balances, funded_user
from tests.rewards.test_concurrency import assert_ledger_sound, funded_wallets, in_parallel

pytestmark = [pytest.mark.postgres]


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_transfer_outside_a_transaction_is_one_round_trip():
    # given two wallets
    source, target = funded_user(10), UserFactory()

    # when
    with CaptureQueriesContext(connection) as queries:
        transfer = points_transfer(source=source, target=target, amount=4, reason="transfer")

    # then one statement: no BEGIN, no savepoint, no COMMIT of our own
    statements = _statements(queries)
    assert len(statements) == 1
    assert "rewards_ledger_post(" in statements[0]
    assert transfer.replayed is False
    assert [account.balance for account in transfer.accounts] == [6, 4]
    assert wallet_balance(user=source) == 6
    assert wallet_balance(user=target) == 4
    assert_ledger_sound(granted=10)


@pytest.mark.django_db(transaction=True)
def test_hold_release_refund_and_settle_are_one_statement_each_inside_a_transaction():
    # given a payer with 100 points and a payee
    payer, payee = funded_user(100), UserFactory()
    counts = []

    # when every escrow movement runs inside the caller's transaction
    for movement in (
        lambda: escrow_hold(user=payer, amount=60, reference="swap:1", idempotency_key="k:h"),
        lambda: escrow_release(user=payee, amount=10, reference="swap:1", idempotency_key="k:p"),
        lambda: escrow_refund(user=payer, amount=10, reference="swap:1", idempotency_key="k:r"),
        lambda: escrow_settle(
            reference="swap:1",
            payee=payee,
            payee_amount=25,
            payer=payer,
            payer_amount=15,
            idempotency_key="k:s",
        ),
    ):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            movement()
        counts.append(len([sql for sql in _statements(queries) if sql not in ("BEGIN", "COMMIT")]))

    # then each is one statement, and the money went where it should
    assert counts == [1, 1, 1, 1]
    assert escrow_held(reference="swap:1") == 0
    assert wallet_balance(user=payer) == 65
    assert wallet_balance(user=payee) == 35
    assert_ledger_sound(granted=100)


@pytest.mark.django_db
def test_the_sql_path_writes_the_same_entries_as_the_orm_path():
    # given two pairs of wallets with the same balances
    a_source, a_target = funded_user(50), funded_user(5)
    b_source, b_target = funded_user(50), funded_user(5)

    # when one pair moves points through the SQL path and the other through the ORM path
    sql = points_transfer(source=a_source, target=a_target, amount=7, reason="tip", note="n")
    orm = _post_orm(
        sides=[(_wallet(b_source), -7), (_wallet(b_target), 7)], reason="tip", description="n"
    )

    # then the transfers and entries are the same shape, balances and running balances alike
    def shape(transfer: Transfer) -> list[tuple[int, int, str, str]]:
        stored = Transfer.objects.get(pk=transfer.pk)
        return [
            (entry.amount, entry.balance_after, stored.reason, stored.description)
            for entry in Entry.objects.filter(transfer=stored).order_by("amount")
        ]

    assert shape(sql) == shape(orm) == [(-7, 43, "tip", "n"), (7, 12, "tip", "n")]
    assert [a.balance for a in sql.accounts] == [a.balance for a in orm.accounts] == [43, 12]


@pytest.mark.django_db
def test_a_refused_hold_opens_no_escrow_and_changes_nothing():
    # given a payer with 5 points
    payer = funded_user(5)
    before = balances()

    # when the payer tries to hold 9 points for a new reference
    with pytest.raises(InsufficientBalance) as refused:
        escrow_hold(user=payer, amount=9, reference="swap:77", idempotency_key="swap:77:hold")

    # then the same 409 as the ORM path, and no account, transfer or balance changed
    assert refused.value.extra == {"balance": 5, "requested": 9}
    assert balances() == before
    assert not LedgerAccount.objects.filter(kind=AccountKind.ESCROW, reference="swap:77").exists()
    assert not Transfer.objects.filter(idempotency_key="swap:77:hold").exists()


@pytest.mark.django_db
def test_a_refund_beyond_what_the_member_put_in_is_refused_with_the_orm_message():
    # given 30 points held by one payer, another member who put nothing in
    payer, stranger = funded_user(30), UserFactory()
    escrow_hold(user=payer, amount=30, reference="swap:5", idempotency_key="swap:5:hold")
    before = balances()

    # when the stranger is refunded from that escrow
    with pytest.raises(InsufficientBalance) as refused:
        escrow_refund(user=stranger, amount=10, reference="swap:5", idempotency_key="swap:5:r")

    # then refused with the payer rule's message, nothing changed
    assert str(refused.value.message) == (
        "Only points this member put in escrow can be refunded to them."
    )
    assert refused.value.extra == {"balance": 0, "requested": 10}
    assert balances() == before


@pytest.mark.django_db
def test_a_key_reused_for_another_movement_is_a_409_and_moves_nothing():
    # given a keyed transfer
    source, target, other = funded_user(20), UserFactory(), UserFactory()
    points_transfer(source=source, target=target, amount=3, reason="transfer", idempotency_key="x")
    before = balances()

    # when the key is used again for another target
    with pytest.raises(IdempotencyKeyReused):
        points_transfer(
            source=source, target=other, amount=3, reason="transfer", idempotency_key="x"
        )

    # then nothing moved
    assert balances() == before


@pytest.mark.django_db(transaction=True)
def test_thirty_two_threads_on_four_hot_wallets_lose_nothing():
    # given four wallets of 50 points
    members = funded_wallets(4, 50)
    ids = [member.pk for member in members]

    def work(seed: int) -> list[tuple[int, int, int]]:
        rng = random.Random(seed)  # noqa: S311 - test data
        done = []
        for _ in range(10):
            source, target = rng.sample(members, 2)
            amount = rng.randint(1, 9)
            try:
                points_transfer(source=source, target=target, amount=amount, reason="transfer")
            except InsufficientBalance:
                continue
            done.append((source.pk, target.pk, amount))
        return done

    # when
    results = in_parallel(32, work)

    # then no error, balances are what the successful moves say, none negative, ledger sound
    assert [r for r in results if isinstance(r, Exception)] == []
    expected = Counter(dict.fromkeys(ids, 50))
    for moves in results:
        for source_id, target_id, amount in moves:
            expected[source_id] -= amount
            expected[target_id] += amount
    assert {pk: wallet_balance(user=m) for pk, m in zip(ids, members, strict=True)} == dict(
        expected
    )
    assert_ledger_sound(granted=200)


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_replaying_one_key_move_the_points_once():
    # given a wallet of 10 points
    source, target = funded_user(10), UserFactory()

    # when twenty threads send the same keyed transfer at once
    results = in_parallel(
        20,
        lambda _i: points_transfer(
            source=source, target=target, amount=4, reason="transfer", idempotency_key="same"
        ),
    )

    # then one transfer, nineteen replays of it, four points moved once
    assert [r for r in results if not isinstance(r, Transfer)] == []
    assert len({result.pk for result in results}) == 1
    assert sorted(result.replayed for result in results) == [False] + [True] * 19
    assert wallet_balance(user=source) == 6
    assert wallet_balance(user=target) == 4
    assert_ledger_sound(granted=10)


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_opening_the_same_escrow_share_one_account():
    # given twenty payers of 5 points
    payers = funded_wallets(20, 5)

    # when each holds 5 points for the same new reference at once
    results = in_parallel(
        20,
        lambda i: escrow_hold(
            user=payers[i], amount=5, reference="event:9", idempotency_key=f"event:9:{i}"
        ),
    )

    # then one escrow account holds all of it, every wallet is empty
    assert [r for r in results if isinstance(r, Exception | Conflict)] == []
    assert LedgerAccount.objects.filter(kind=AccountKind.ESCROW, reference="event:9").count() == 1
    assert escrow_held(reference="event:9") == 100
    assert all(wallet_balance(user=payer) == 0 for payer in payers)
    assert_ledger_sound(granted=100)
