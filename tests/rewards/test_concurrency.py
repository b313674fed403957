"""The ledger under real concurrency on PostgreSQL: real threads, real row locks, no mocks.

Each thread has its own database connection (Django connections are per thread) and closes it
when done. After each run ``ledger_audit`` must pass, no wallet may be negative and the sum of the
wallets must equal the points that came in through grants.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from rewards.models import AccountKind, LedgerAccount, Transfer
from rewards.selectors import escrow_held, wallet_balance
from rewards.services import (
    InsufficientBalance,
    escrow_hold,
    escrow_release,
    points_grant,
    points_transfer,
    signup_bonus_grant,
)
from tests.accounts.factories import UserFactory
from tests.rewards.factories import granter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results


def assert_ledger_sound(*, granted: int) -> None:
    call_command("ledger_audit", stdout=StringIO())  # raises CommandError on any mismatch
    wallets = LedgerAccount.objects.filter(kind=AccountKind.WALLET)
    assert not wallets.filter(balance__lt=0).exists()
    held = LedgerAccount.objects.filter(kind=AccountKind.ESCROW).aggregate(s=Sum("balance"))["s"]
    assert wallets.aggregate(total=Sum("balance"))["total"] + (held or 0) == granted
    assert -LedgerAccount.objects.get(kind=AccountKind.STAFF_GRANTS).balance == granted


def funded_wallets(count: int, points: int) -> list:
    staff = granter()
    members = [UserFactory() for _ in range(count)]
    for member in members:
        points_grant(user=member, amount=points, reason="concurrency test", granted_by=staff)
    return members


def test_fifty_threads_of_random_transfers_among_ten_wallets_keep_the_ledger_exact():
    # given ten wallets of 20 points
    members = funded_wallets(10, 20)
    ids = [member.pk for member in members]
    moves_per_thread = 8

    def work(seed: int) -> list[tuple[int, int, int]]:
        rng = random.Random(seed)  # noqa: S311 - test data
        done = []
        for _ in range(moves_per_thread):
            source, target = rng.sample(members, 2)
            amount = rng.randint(1, 6)
            try:
                points_transfer(source=source, target=target, amount=amount, reason="transfer")
            except InsufficientBalance:
                continue
            done.append((source.pk, target.pk, amount))
        return done

    # when
    results = in_parallel(50, work)

    # then no thread failed (no deadlock, no constraint violation) ...
    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    # ... every balance is what the successful moves say ...
    expected = Counter(dict.fromkeys(ids, 20))
    succeeded = 0
    for moves in results:
        for source_id, target_id, amount in moves:
            expected[source_id] -= amount
            expected[target_id] += amount
            succeeded += 1
    assert {pk: wallet_balance(user=m) for pk, m in zip(ids, members, strict=True)} == dict(
        expected
    )
    assert Transfer.objects.filter(reason="transfer").count() == succeeded
    assert succeeded > 0
    # ... and the ledger balances.
    assert_ledger_sound(granted=200)


def test_twenty_threads_spending_the_same_last_points_only_the_affordable_succeed():
    # given a wallet of 10 points and twenty spenders of 3 points each
    (spender,) = funded_wallets(1, 10)
    targets = [UserFactory() for _ in range(20)]

    # when
    results = in_parallel(
        20,
        lambda i: points_transfer(source=spender, target=targets[i], amount=3, reason="transfer"),
    )

    # then exactly three spends fit in 10 points, the others were refused with 409
    succeeded = [result for result in results if isinstance(result, Transfer)]
    refused = [result for result in results if isinstance(result, InsufficientBalance)]
    assert len(succeeded) == 3
    assert len(refused) == 17
    assert wallet_balance(user=spender) == 1
    assert sum(wallet_balance(user=target) for target in targets) == 9
    assert_ledger_sound(granted=10)


def test_the_same_idempotency_key_ten_times_in_parallel_moves_points_once():
    # given
    payer, payee = funded_wallets(2, 10)

    # when
    results = in_parallel(
        10,
        lambda _i: points_transfer(
            source=payer, target=payee, amount=4, reason="transfer", idempotency_key="retry-1"
        ),
    )

    # then every attempt answered with the one transfer
    assert all(isinstance(result, Transfer) for result in results), results
    assert {result.pk for result in results} == {Transfer.objects.get(idempotency_key="retry-1").pk}
    assert sum(1 for result in results if not result.replayed) == 1
    assert wallet_balance(user=payer) == 6
    assert wallet_balance(user=payee) == 14
    assert_ledger_sound(granted=20)


def test_parallel_escrow_holds_with_one_key_hold_once_and_releases_never_overdraw():
    # given
    payer, payee = funded_wallets(2, 10)

    # when ten retries of the same hold race
    holds = in_parallel(
        10,
        lambda _i: escrow_hold(
            user=payer, amount=5, reference="swap:77", idempotency_key="swap:77:hold"
        ),
    )

    # then it was held once
    assert all(isinstance(result, Transfer) for result in holds), holds
    assert escrow_held(reference="swap:77") == 5

    # when ten different releases of 2 race for the 5 held points
    releases = in_parallel(
        10,
        lambda i: escrow_release(
            user=payee, amount=2, reference="swap:77", idempotency_key=f"swap:77:release:{i}"
        ),
    )

    # then two fit, the escrow keeps 1 and nothing went negative
    assert sum(isinstance(result, Transfer) for result in releases) == 2
    assert sum(isinstance(result, InsufficientBalance) for result in releases) == 8
    assert escrow_held(reference="swap:77") == 1
    assert wallet_balance(user=payee) == 14
    assert_ledger_sound(granted=20)


def test_parallel_signup_bonus_for_one_member_opens_one_wallet_and_grants_once(settings):
    # given
    settings.POINTS_SIGNUP_BONUS = 3
    member = UserFactory()

    # when
    results = in_parallel(10, lambda _i: signup_bonus_grant(user=member))

    # then
    assert all(isinstance(result, Transfer) for result in results), results
    assert LedgerAccount.objects.filter(user=member).count() == 1
    assert wallet_balance(user=member) == 3
    assert Transfer.objects.filter(reason="signup_bonus").count() == 1
    call_command("ledger_audit", stdout=StringIO())
