"""The points API: balance (alias credits/balance/), history (alias credit-transactions/).

``points/transfer/`` is served by exchanges: tests/exchanges/test_points_transfer_api.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rewards.models import Transfer
from rewards.services import escrow_hold, escrow_release, points_transfer
from tests.accounts.factories import UserFactory
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return funded_user(10, display_name="Ann")


@pytest.fixture
def client(make_auth_client, member):
    return make_auth_client(member)


# --- balance -------------------------------------------------------------------------------------


def test_balance_has_seed_003_shape_and_escrow(client, member):
    escrow_hold(user=member, amount=3, reference="swap:1", idempotency_key="h")

    response = client.get("/api/v1/points/balance")

    assert response.status_code == 200
    body = response.json()
    wallet = member.points_wallet
    wallet.refresh_from_db()
    assert body == {
        "id": wallet.pk,
        "user": member.pk,
        "balance": 7,
        "held_in_escrow": 3,
        "updated_at": wallet.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_balance_of_a_member_without_a_wallet_is_zero(make_auth_client):
    newcomer = UserFactory()

    response = make_auth_client(newcomer).get("/api/v1/points/balance/")

    assert response.status_code == 200
    assert response.json() == {
        "id": None,
        "user": newcomer.pk,
        "balance": 0,
        "held_in_escrow": 0,
        "updated_at": None,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/points/balance"),
        ("get", "/api/v1/points/transactions/"),
        ("post", "/api/v1/points/transfer/"),
    ],
)
def test_points_endpoints_need_authentication(api_client, method, path):
    response = getattr(api_client, method)(path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- transactions --------------------------------------------------------------------------------


def test_transactions_list_credits_and_debits_with_counterparty_and_running_balance(client, member):
    # given
    bob = funded_user(0, display_name="Bob")
    points_transfer(source=member, target=bob, amount=4, reason="tip", reference="swap:9")
    escrow_hold(user=bob, amount=2, reference="swap:10", idempotency_key="h")
    escrow_release(user=member, amount=2, reference="swap:10", idempotency_key="r")

    # when
    response = client.get("/api/v1/points/transactions/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    rows = [
        (r["type"], r["amount"], r["reason"], r["counterparty"]["kind"], r["balance_after"])
        for r in body["results"]
    ]
    assert rows == [
        ("credit", 2, "swap_payment", "escrow", 8),
        ("debit", 4, "tip", "user", 6),
        ("credit", 10, "staff_grant", "staff_grants", 10),
    ]
    tip = body["results"][1]
    assert tip["counterparty"] == {"kind": "user", "user_id": bob.pk, "name": "Bob"}
    assert tip["reference"] == "swap:9"
    assert tip["related_swap_id"] == 9
    assert tip["related_payment_id"] is None
    assert tip["related_event_id"] is None
    assert tip["reason_display"] == "Tip"
    assert set(tip) == {
        "id",
        "transfer_id",
        "type",
        "amount",
        "reason",
        "reason_display",
        "description",
        "counterparty",
        "reference",
        "related_swap_id",
        "related_payment_id",
        "related_event_id",
        "balance_after",
        "created_at",
    }


def test_transactions_show_only_the_callers_wallet(client, member):
    other, third = funded_user(5), funded_user(0)
    points_transfer(source=other, target=third, amount=5, reason="transfer")

    body = client.get("/api/v1/points/transactions/").json()

    assert [r["amount"] for r in body["results"]] == [10]


def test_credit_transactions_is_an_alias(client):
    canonical = client.get("/api/v1/points/transactions/").json()

    alias = client.get("/api/v1/credit-transactions")

    assert alias.status_code == 200
    assert alias.json() == canonical


def test_transactions_filter_by_type_and_reason(client, member):
    bob = funded_user(0)
    points_transfer(source=member, target=bob, amount=1, reason="tip")
    points_transfer(source=member, target=bob, amount=2, reason="transfer")

    debits = client.get("/api/v1/points/transactions/?type=debit").json()
    credits = client.get("/api/v1/points/transactions/?type=credit").json()
    tips = client.get("/api/v1/points/transactions/?reason=tip,staff_grant").json()

    assert [r["amount"] for r in debits["results"]] == [2, 1]
    assert [r["amount"] for r in credits["results"]] == [10]
    assert [r["reason"] for r in tips["results"]] == ["tip", "staff_grant"]


def test_transactions_filter_by_day(client, member):
    # given entries on three days (created_at is the entry's own record time)
    bob = funded_user(0)
    for day in (3, 4, 5):
        transfer = points_transfer(source=member, target=bob, amount=day - 2, reason="transfer")
        moment = datetime(2025, 3, day, 12, tzinfo=UTC)
        _set_entry_time(transfer, moment)

    # when
    response = client.get(
        "/api/v1/points/transactions/?type=debit&date_after=2025-03-04&date_before=2025-03-04"
    )

    # then
    assert [r["amount"] for r in response.json()["results"]] == [2]


def _set_entry_time(transfer: Transfer, moment: datetime) -> None:
    # Entries are append-only; the test back-dates them with raw SQL (no trigger on SQLite, and
    # on PostgreSQL the trigger is bypassed for this session only).
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE rewards_entry SET created_at = %s WHERE transfer_id = %s", [moment, transfer.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_transactions_invalid_filter_is_400(client):
    response = client.get("/api/v1/points/transactions/?type=sideways&date_after=yesterday")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"type", "date_after"}


def test_transactions_list_has_a_constant_query_count(
    client, member, django_assert_max_num_queries
):
    # given many counterparties
    for index in range(10):
        points_transfer(
            source=member,
            target=funded_user(0, email=f"peer{index}@example.test"),
            amount=1,
            reason="transfer",
        )

    # when / then: auth user, count, page, prefetched legs with their users
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/points/transactions/?page_size=50")
    assert response.json()["count"] == 11


def test_schema_documents_the_points_endpoints(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)

    transfer = schema["paths"]["/api/v1/points/transfer/"]["post"]
    assert {"201", "400", "401", "404", "409"} <= set(transfer["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in transfer["parameters"])
    listing = schema["paths"]["/api/v1/points/transactions/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"type", "reason", "date_after", "date_before", "page", "page_size", "search"} <= names
    balance = schema["components"]["schemas"]["Balance"]["properties"]
    assert set(balance) == {"id", "user", "balance", "held_in_escrow", "updated_at"}
