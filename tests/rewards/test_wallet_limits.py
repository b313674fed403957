"""Wallet limits in the ledger: the maximum balance and the daily spend limit.

Checked by ``rewards.services`` under the same row locks as the movement, on both ledger paths:
the ORM path (SQLite, and forced on PostgreSQL by the ``ledger_path`` fixture) and the one-statement
PostgreSQL function (``rewards_ledger_post``, rewards/migrations/0008). A refusal is a 409
``wallet_limit_exceeded`` that names the limit and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from rewards import services
from rewards.models import Transfer, WalletLimit
from rewards.selectors import wallet_balance
from rewards.services import (
    WalletLimitExceeded,
    escrow_hold,
    escrow_refund,
    escrow_release,
    points_expire,
    points_grant,
    points_purchase_credit,
    points_purchase_refund,
    points_transfer,
    signup_bonus_grant,
    transfer_reverse,
)
from tests.accounts.factories import UserFactory
from tests.rewards.factories import balances, funded_user, granter

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    """Messages in English unless a test asks otherwise (a request may leave another active)."""
    with translation.override("en"):
        yield


@pytest.fixture(params=["native", "orm"])
def ledger_path(request, monkeypatch):
    """Run the test on the database's own path, and on PostgreSQL also on the ORM path."""
    if request.param == "orm":
        if connection.vendor != "postgresql":
            pytest.skip("SQLite has only the ORM path (the 'native' run covers it)")

        def orm_in_atomic(*, refund_leg: int, **kwargs):
            with transaction.atomic():
                return services._post_orm(refund_leg=refund_leg, **kwargs)

        monkeypatch.setattr(services, "_post_sql", orm_in_atomic)
    return request.param


@pytest.fixture
def at_noon(monkeypatch):
    """The ledger's clock (``rewards.services.timezone.now``), movable by the test."""
    clock = SimpleNamespace(moment=NOON)
    monkeypatch.setattr(services, "timezone", SimpleNamespace(now=lambda: clock.moment))
    return clock


def audit_clean() -> None:
    call_command("ledger_audit", stdout=StringIO())  # raises CommandError on any mismatch


# --- maximum balance -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "refused"), [(99, False), (100, False), (101, True)], ids=["under", "at", "over"]
)
def test_a_transfer_is_refused_over_the_recipients_maximum_balance(
    settings, ledger_path, amount, refused
):
    # given a recipient holding 4,900 points and a maximum balance of 5,000
    settings.WALLET_MAX_BALANCE = 5000
    payer, recipient = funded_user(1000), funded_user(4900)
    before, transfers = balances(), Transfer.objects.count()

    # when
    if refused:
        with pytest.raises(WalletLimitExceeded) as error:
            points_transfer(source=payer, target=recipient, amount=amount, reason="transfer")
        # then a 409 naming the limit, and nothing changed
        assert error.value.status_code == 409
        assert error.value.code == "wallet_limit_exceeded"
        assert error.value.message == (
            "This would exceed the recipient's maximum balance of 5,000 points."
        )
        assert error.value.extra == {"limit": "max_balance", "limit_points": 5000}
        assert balances() == before
        assert Transfer.objects.count() == transfers
    else:
        points_transfer(source=payer, target=recipient, amount=amount, reason="transfer")
        # then the points moved
        assert wallet_balance(user=recipient) == 4900 + amount
    audit_clean()


def test_a_staff_grant_is_refused_over_the_maximum_balance(settings, ledger_path):
    # given a member holding 4,990 points and a maximum of 5,000
    settings.WALLET_MAX_BALANCE = 5000
    member = funded_user(4990)
    before = balances()

    # when staff grant 11 points
    with pytest.raises(WalletLimitExceeded) as error:
        points_grant(user=member, amount=11, reason="prize", granted_by=granter())

    # then refused and nothing changed; 10 points fit
    assert error.value.extra == {"limit": "max_balance", "limit_points": 5000}
    assert balances() == before
    points_grant(user=member, amount=10, reason="prize", granted_by=granter())
    assert wallet_balance(user=member) == 5000
    audit_clean()


def test_a_transfer_to_a_wallet_not_opened_yet_is_checked_against_zero(settings, ledger_path):
    # given a maximum of 50 and a recipient without a wallet
    settings.WALLET_MAX_BALANCE = 50
    settings.POINTS_SIGNUP_BONUS = 0
    payer, recipient = funded_user(0), UserFactory()
    WalletLimit.objects.create(user=payer, max_balance=1000)
    points_grant(user=payer, amount=100, reason="funding", granted_by=granter())
    before = balances()

    # when 51 points are sent, then refused, and no wallet was opened
    with pytest.raises(WalletLimitExceeded):
        points_transfer(source=payer, target=recipient, amount=51, reason="transfer")
    assert balances() == before

    # when 50 points are sent, then they arrive
    points_transfer(source=payer, target=recipient, amount=50, reason="transfer")
    assert wallet_balance(user=recipient) == 50
    audit_clean()


def test_payments_purchases_refunds_and_the_signup_bonus_may_pass_the_maximum(
    settings, ledger_path
):
    # given a maximum of 100, a payer with 200 points held for a swap, a payee at the maximum
    settings.WALLET_MAX_BALANCE = 100
    payer = funded_user(0)
    WalletLimit.objects.create(user=payer, max_balance=0)  # no limit for the payer
    points_grant(user=payer, amount=200, reason="funding", granted_by=granter())
    payee = funded_user(100)
    escrow_hold(user=payer, amount=200, reference="swap:5", idempotency_key="swap:5:hold")

    # when the swap pays the payee, a purchase is credited, and the payer gets a refund
    escrow_release(user=payee, amount=150, reference="swap:5", idempotency_key="swap:5:pay")
    points_purchase_credit(user=payee, amount=30, reference="payment:1", idempotency_key="pay:1")
    WalletLimit.objects.filter(user=payer).update(max_balance=10)
    escrow_refund(user=payer, amount=50, reference="swap:5", idempotency_key="swap:5:refund")

    # then none of them was refused (a refusal would strand the swap or the money)
    assert wallet_balance(user=payee) == 280
    assert wallet_balance(user=payer) == 50
    # and the signup bonus is granted whatever the maximum
    settings.POINTS_SIGNUP_BONUS = 150
    newcomer = UserFactory()
    signup_bonus_grant(user=newcomer)
    assert wallet_balance(user=newcomer) == 150
    audit_clean()


def test_a_wallet_over_its_maximum_refuses_more_but_may_still_spend(settings, ledger_path):
    # given a payee taken over the maximum of 100 by a swap payment
    settings.WALLET_MAX_BALANCE = 100
    payer = funded_user(0)
    WalletLimit.objects.create(user=payer, max_balance=0)
    points_grant(user=payer, amount=300, reason="funding", granted_by=granter())
    payee = funded_user(0)
    escrow_hold(user=payer, amount=150, reference="swap:6", idempotency_key="swap:6:hold")
    escrow_release(user=payee, amount=150, reference="swap:6", idempotency_key="swap:6:pay")

    # when they receive one more point, then refused
    with pytest.raises(WalletLimitExceeded):
        points_transfer(source=payer, target=payee, amount=1, reason="transfer")
    # when they send points, then nothing refuses them
    points_transfer(source=payee, target=payer, amount=60, reason="transfer")
    assert wallet_balance(user=payee) == 90
    audit_clean()


# --- daily spend limit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "refused"), [(119, False), (120, False), (121, True)], ids=["under", "at", "over"]
)
def test_a_transfer_is_refused_over_the_daily_spend_limit(
    settings, ledger_path, at_noon, amount, refused
):
    # given a daily limit of 500 and 380 points sent earlier today
    settings.WALLET_DAILY_SPEND_LIMIT = 500
    payer, other = funded_user(2000), funded_user(0)
    points_transfer(source=payer, target=other, amount=380, reason="transfer")
    before, transfers = balances(), Transfer.objects.count()

    # when
    if refused:
        with pytest.raises(WalletLimitExceeded) as error:
            points_transfer(source=payer, target=other, amount=amount, reason="tip")
        # then a 409 naming the limit and what is left, and nothing changed
        assert error.value.message == (
            "This would exceed your daily spend limit of 500 points; 120 left today."
        )
        assert error.value.extra == {
            "limit": "daily_spend_limit",
            "limit_points": 500,
            "left_today": 120,
        }
        assert balances() == before
        assert Transfer.objects.count() == transfers
    else:
        points_transfer(source=payer, target=other, amount=amount, reason="tip")
        assert wallet_balance(user=payer) == 2000 - 380 - amount
    audit_clean()


def test_escrow_holds_are_spending(settings, ledger_path, at_noon):
    # given a daily limit of 100
    settings.WALLET_DAILY_SPEND_LIMIT = 100
    payer = funded_user(1000)

    # when the member holds 70, then 31 more
    escrow_hold(user=payer, amount=70, reference="swap:1", idempotency_key="swap:1:hold")
    before = balances()
    with pytest.raises(WalletLimitExceeded) as error:
        escrow_hold(user=payer, amount=31, reference="swap:2", idempotency_key="swap:2:hold")

    # then the second is refused (30 left) and nothing changed, not even an escrow opened
    assert error.value.extra["left_today"] == 30
    assert balances() == before
    # a refund of the first hold does not give the day's allowance back
    escrow_refund(user=payer, amount=70, reference="swap:1", idempotency_key="swap:1:refund")
    with pytest.raises(WalletLimitExceeded):
        escrow_hold(user=payer, amount=31, reference="swap:2", idempotency_key="swap:2:hold")
    audit_clean()


def test_the_day_starts_at_midnight_utc(settings, ledger_path, at_noon):
    # given a daily limit of 100, fully spent yesterday just before midnight UTC
    settings.WALLET_DAILY_SPEND_LIMIT = 100
    payer, other = funded_user(1000), funded_user(0)
    at_noon.moment = datetime(2026, 3, 9, 23, 59, 59, tzinfo=UTC)
    points_transfer(source=payer, target=other, amount=100, reason="transfer")
    with pytest.raises(WalletLimitExceeded):
        points_transfer(source=payer, target=other, amount=1, reason="transfer")

    # when the UTC day turns
    at_noon.moment = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)

    # then the full limit is available again
    points_transfer(source=payer, target=other, amount=100, reason="transfer")
    assert wallet_balance(user=payer) == 800
    audit_clean()


def test_refunds_expiry_and_reversals_are_never_refused_nor_counted(settings, ledger_path, at_noon):
    # given a daily limit of 100 already reached by the member's own transfer
    settings.WALLET_DAILY_SPEND_LIMIT = 100
    payer, other = funded_user(0), funded_user(0)
    points_purchase_credit(user=payer, amount=500, reference="payment:9", idempotency_key="p:9")
    spent = points_transfer(source=payer, target=other, amount=100, reason="transfer")

    # when a purchase is refunded, points expire and staff reverse a transfer into the wallet
    points_purchase_refund(user=payer, amount=200, reference="payment:9", idempotency_key="r:9")
    points_expire(user=payer, amount=50)
    gift = points_transfer(source=other, target=payer, amount=20, reason="transfer")
    transfer_reverse(transfer=gift, reversed_by=granter())
    transfer_reverse(transfer=spent, reversed_by=granter())

    # then none was refused, and none counted: the member has still spent exactly 100 today
    assert wallet_balance(user=payer) == 500 - 100 - 200 - 50 + 20 - 20 + 100
    with pytest.raises(WalletLimitExceeded) as error:
        points_transfer(source=payer, target=other, amount=1, reason="transfer")
    assert error.value.extra["left_today"] == 0
    audit_clean()


def test_a_replay_is_answered_even_after_the_limit_was_reached(settings, ledger_path, at_noon):
    # given a transfer of 100 recorded with a key, then a daily limit of 100
    settings.WALLET_DAILY_SPEND_LIMIT = 100
    payer, other = funded_user(500), funded_user(0)
    first = points_transfer(
        source=payer, target=other, amount=100, reason="transfer", idempotency_key="t:1"
    )

    # when the client retries with the same key
    again = points_transfer(
        source=payer, target=other, amount=100, reason="transfer", idempotency_key="t:1"
    )

    # then the recorded transfer is returned, not a refusal
    assert again.pk == first.pk
    assert again.replayed is True
    assert wallet_balance(user=payer) == 400


# --- per-member overrides ------------------------------------------------------------------------


def test_a_member_override_replaces_the_settings(settings, ledger_path, at_noon):
    # given site limits of 100 (spend) and 1,000 (balance), and this member's own 300 and 2,000
    settings.WALLET_DAILY_SPEND_LIMIT = 100
    settings.WALLET_MAX_BALANCE = 1000
    payer, rich = funded_user(900), funded_user(900)
    WalletLimit.objects.create(
        user=payer, daily_spend_limit=300, note="trusted trader", set_by=granter()
    )
    WalletLimit.objects.create(user=rich, max_balance=2000)

    # when the payer sends 300 to the member whose maximum is 2,000
    points_transfer(source=payer, target=rich, amount=300, reason="transfer")

    # then both overrides applied; the next point is over the payer's own limit of 300
    assert wallet_balance(user=rich) == 1200
    with pytest.raises(WalletLimitExceeded) as error:
        points_transfer(source=payer, target=rich, amount=1, reason="transfer")
    assert error.value.message == (
        "This would exceed your daily spend limit of 300 points; 0 left today."
    )
    audit_clean()


def test_an_override_of_zero_lifts_the_limit_and_empty_keeps_the_setting(
    settings, ledger_path, at_noon
):
    # given a site daily limit of 10; one member lifted (0), one with only a balance override
    settings.WALLET_DAILY_SPEND_LIMIT = 10
    lifted, kept, other = funded_user(500), funded_user(500), funded_user(0)
    WalletLimit.objects.create(user=lifted, daily_spend_limit=0)
    WalletLimit.objects.create(user=kept, daily_spend_limit=None, max_balance=0)

    # when each sends 11 points
    points_transfer(source=lifted, target=other, amount=11, reason="transfer")
    with pytest.raises(WalletLimitExceeded):
        points_transfer(source=kept, target=other, amount=11, reason="transfer")

    # then only the lifted one could
    assert wallet_balance(user=other) == 11


def test_both_limits_off_by_default_cost_the_sql_path_nothing(settings):
    # given the default settings (no limits) and no override
    assert settings.WALLET_MAX_BALANCE == 0
    assert settings.WALLET_DAILY_SPEND_LIMIT == 0
    payer, other = funded_user(50), funded_user(0)

    # when / then a transfer moves as before
    points_transfer(source=payer, target=other, amount=50, reason="transfer")
    assert wallet_balance(user=other) == 50


# --- PostgreSQL: one round trip, and real concurrency ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_both_limits_a_transfer_is_still_one_round_trip(settings):
    # given both limits on and an override for the payer
    settings.WALLET_MAX_BALANCE = 10_000
    settings.WALLET_DAILY_SPEND_LIMIT = 500
    payer, other = funded_user(100), funded_user(0)
    WalletLimit.objects.create(user=payer, daily_spend_limit=50)

    # when one transfer succeeds and one is refused
    with CaptureQueriesContext(connection) as queries:
        points_transfer(source=payer, target=other, amount=40, reason="transfer")
        with pytest.raises(WalletLimitExceeded):
            points_transfer(source=payer, target=other, amount=11, reason="transfer")

    # then each was one statement
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 2
    assert all("rewards_ledger_post(" in sql for sql in statements)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["sql", "orm"])
def test_concurrent_spends_never_exceed_the_daily_limit(settings, monkeypatch, path):
    from tests.rewards.test_concurrency import assert_ledger_sound, in_parallel

    # given a member with 2,000 points, a daily limit of 500, and ten recipients
    settings.WALLET_DAILY_SPEND_LIMIT = 500
    if path == "orm":

        def orm_in_atomic(*, refund_leg: int, **kwargs):
            with transaction.atomic():
                return services._post_orm(refund_leg=refund_leg, **kwargs)

        monkeypatch.setattr(services, "_post_sql", orm_in_atomic)
    settings.POINTS_SIGNUP_BONUS = 0
    payer = funded_user(2000)
    recipients = [UserFactory() for _ in range(10)]

    # when twenty threads behind a barrier each spend 60 (transfers and escrow holds)
    def spend(index: int):
        if index % 2:
            return points_transfer(
                source=payer, target=recipients[index // 2], amount=60, reason="transfer"
            )
        return escrow_hold(
            user=payer, amount=60, reference=f"swap:{index}", idempotency_key=f"h:{index}"
        )

    results = in_parallel(20, spend)

    # then exactly eight went through (480 <= 500 < 540), the rest were refused by the limit
    moved = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, WalletLimitExceeded)]
    assert len(moved) == 8
    assert len(refused) == 12
    assert wallet_balance(user=payer) == 2000 - 480
    assert_ledger_sound(granted=2000)


def test_a_refusal_is_answered_in_arabic_over_the_api(settings, make_auth_client, at_noon):
    # given a daily limit of 5 already reached
    settings.WALLET_DAILY_SPEND_LIMIT = 5
    payer, other = funded_user(50), funded_user(0)
    points_transfer(source=payer, target=other, amount=5, reason="transfer")
    client = make_auth_client(payer)
    before = balances()

    # when the member sends one more point, in English and in Arabic
    english = client.post("/api/v1/points/transfer/", {"to_user_id": other.pk, "amount": 1})
    arabic = client.post(
        "/api/v1/credits/transfer/",
        {"receiver_id": other.pk, "amount": 1},
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    # then both are the 409 in the error shape, and nothing moved
    assert english.status_code == arabic.status_code == 409
    assert english.json() == {
        "error": {
            "code": "wallet_limit_exceeded",
            "message": "This would exceed your daily spend limit of 5 points; 0 left today.",
            "fields": {},
            "limit": "daily_spend_limit",
            "limit_points": 5,
            "left_today": 0,
        }
    }
    assert arabic.json()["error"]["code"] == "wallet_limit_exceeded"
    assert arabic["Content-Language"] == "ar"
    with translation.override("ar"):
        assert arabic.json()["error"]["message"] == (
            translation.gettext(
                "This would exceed your daily spend limit of %(limit)s points; %(left)s left today."
            )
            % {"limit": "5", "left": "0"}
        )
    assert balances() == before


def test_the_day_of_a_limit_is_utc_not_the_members_zone(settings, ledger_path, at_noon):
    # given a member in Riyadh (UTC+3) who spent the limit at 22:30 UTC (01:30 their next day)
    settings.WALLET_DAILY_SPEND_LIMIT = 10
    payer, other = funded_user(100, time_zone="Asia/Riyadh"), funded_user(0)
    at_noon.moment = datetime(2026, 3, 9, 22, 30, tzinfo=UTC)
    points_transfer(source=payer, target=other, amount=10, reason="transfer")

    # when they send again at 23:30 UTC (02:30 their time), still the same UTC day
    at_noon.moment += timedelta(hours=1)

    # then refused
    with pytest.raises(WalletLimitExceeded):
        points_transfer(source=payer, target=other, amount=1, reason="transfer")


def test_spending_before_a_limit_was_set_counts_once_it_is(settings, ledger_path, at_noon):
    # given a member who sent 90 points this morning while no limit was set
    payer, other = funded_user(500), funded_user(0)
    points_transfer(source=payer, target=other, amount=90, reason="transfer")

    # when staff set their daily limit to 100 at noon
    WalletLimit.objects.create(user=payer, daily_spend_limit=100)

    # then only 10 more points may go out today
    with pytest.raises(WalletLimitExceeded) as error:
        points_transfer(source=payer, target=other, amount=11, reason="transfer")
    assert error.value.extra["left_today"] == 10
    points_transfer(source=payer, target=other, amount=10, reason="transfer")
    assert wallet_balance(user=payer) == 400
