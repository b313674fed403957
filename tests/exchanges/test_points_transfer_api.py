"""POST points/transfer/ and seed 003's credits/transfer/ (served by exchanges, written by the
ledger): to a member, or to the other party of a swap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rewards.models import Transfer
from rewards.selectors import wallet_balance
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return funded_user(10, display_name="Ann")


@pytest.fixture
def client(make_auth_client, member):
    return make_auth_client(member)


def test_transfer_to_a_member(client, member):
    bob = funded_user(0)

    response = client.post(
        "/api/v1/points/transfer/", {"to_user_id": bob.pk, "amount": 3, "note": "thanks!"}
    )

    assert response.status_code == 201
    body = response.json()
    transfer = Transfer.objects.get(pk=body["transfer"]["id"])
    assert body["success"] is True
    assert body["message"] == "3 point(s) transferred successfully"
    assert body["new_balance"] == 7
    assert body["transfer"]["to_user_id"] == bob.pk
    assert body["transfer"]["reason"] == "transfer"
    assert transfer.description == "thanks!"
    assert transfer.initiated_by == member
    assert wallet_balance(user=bob) == 3


def test_transfer_with_receiver_id_alias(client):
    bob = funded_user(0)

    response = client.post("/api/v1/points/transfer", {"receiver_id": bob.pk, "amount": 1})

    assert response.status_code == 201
    assert response.json()["message"] == "1 point(s) transferred successfully"


def test_transfer_beyond_the_balance_is_409_and_moves_nothing(client):
    bob = funded_user(0)
    before, transfers = balances(), Transfer.objects.count()

    response = client.post("/api/v1/points/transfer/", {"to_user_id": bob.pk, "amount": 11})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "insufficient_balance"
    assert error["balance"] == 10
    assert error["requested"] == 11
    assert balances() == before
    assert Transfer.objects.count() == transfers


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": 1}, "to_user_id"),
        ({"to_user_id": 999999, "amount": 1}, "to_user_id"),
        ({"to_user_id": "self", "amount": 1}, "to_user_id"),
        ({"to_user_id": "bob", "amount": 0}, "amount"),
        ({"to_user_id": "bob", "amount": -2}, "amount"),
        ({"to_user_id": "bob"}, "amount"),
        ({"to_user_id": "bob", "receiver_id": "self", "amount": 1}, "receiver_id"),
    ],
)
def test_transfer_invalid_input_is_400_and_moves_nothing(client, member, payload, field):
    bob = funded_user(0)
    ids = {"self": member.pk, "bob": bob.pk}
    payload = {key: ids.get(value, value) for key, value in payload.items()}
    before = balances()

    response = client.post("/api/v1/points/transfer/", payload)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert balances() == before


@pytest.mark.parametrize(
    "fields", [{"is_active": False}, {"suspended_at": datetime(2025, 1, 1, tzinfo=UTC)}]
)
def test_transfer_to_an_inactive_or_suspended_member_is_refused(client, fields):
    gone = funded_user(0, **fields)
    before = balances()

    response = client.post("/api/v1/points/transfer/", {"to_user_id": gone.pk, "amount": 1})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "to_user_id": ["There is no active member with this id."]
    }
    assert balances() == before


def test_transfer_retried_with_the_same_idempotency_key_moves_once(client, member):
    bob = funded_user(0)
    payload = {"to_user_id": bob.pk, "amount": 4}

    first = client.post("/api/v1/points/transfer/", payload, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post("/api/v1/points/transfer/", payload, HTTP_IDEMPOTENCY_KEY="abc-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["transfer"]["id"] == first.json()["transfer"]["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert wallet_balance(user=member) == 6
    assert wallet_balance(user=bob) == 4


def test_idempotency_keys_are_per_caller(make_auth_client, member):
    other = funded_user(10)
    bob = funded_user(0)
    payload = {"to_user_id": bob.pk, "amount": 1}

    make_auth_client(member).post("/api/v1/points/transfer/", payload, HTTP_IDEMPOTENCY_KEY="k")
    response = make_auth_client(other).post(
        "/api/v1/points/transfer/", payload, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 201
    assert wallet_balance(user=bob) == 2


def test_same_idempotency_key_with_another_body_is_409(client):
    bob = funded_user(0)
    client.post(
        "/api/v1/points/transfer/", {"to_user_id": bob.pk, "amount": 1}, HTTP_IDEMPOTENCY_KEY="k"
    )
    before = balances()

    response = client.post(
        "/api/v1/points/transfer/", {"to_user_id": bob.pk, "amount": 2}, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert balances() == before


def test_an_overlong_idempotency_key_is_400(client):
    bob = funded_user(0)

    response = client.post(
        "/api/v1/points/transfer/",
        {"to_user_id": bob.pk, "amount": 1},
        HTTP_IDEMPOTENCY_KEY="x" * 101,
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert wallet_balance(user=bob) == 0
