"""Seed 002's and 003's billing calls, sent exactly as the seeds write them (docs/api.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Payment
from rewards.selectors import wallet_balance
from rewards.services import points_grant
from tests.billing.factories import PackageFactory
from tests.rewards.factories import granter

pytestmark = pytest.mark.django_db


def test_seed_003_purchase_credits_body_as_written_buys_on_the_sandbox(auth_client, settings):
    # given the embedded demo's defaults (cards go to the sandbox, one credit costs 1.00 USD)
    # and a member who already holds 4 credits
    settings.BILLING_CARD_GATEWAY = "sandbox"
    settings.BILLING_POINT_PRICE = "1.00"
    points_grant(user=auth_client.user, amount=4, reason="seed 003 example", granted_by=granter())

    # when the seed's body is sent exactly as it writes it
    response = auth_client.post(
        "/api/payments/purchase_credits/".replace("/api/", "/api/v1/"),
        {"payment_method": "credit_card", "amount": "10.00", "credits_to_purchase": 10},
        format="json",
    )

    # then it answers in the seed's shape and the credits arrived
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"success", "payment", "transaction", "new_balance"}
    assert body["success"] is True
    assert body["new_balance"] == 14
    payment = body["payment"]
    assert {key: payment[key] for key in ("user", "payment_method", "amount", "currency")} == {
        "user": auth_client.user.pk,
        "payment_method": "credit_card",
        "amount": "10.00",
        "currency": "USD",
    }
    assert payment["status"] == "completed"
    assert payment["credits_purchased"] == 10
    assert payment["transaction_id"].startswith("sim_")
    transaction = body["transaction"]
    assert transaction["transaction_type"] == "purchased"
    assert transaction["amount"] == 10
    assert transaction["user"] == auth_client.user.pk
    assert transaction["related_meeting_id"] is None
    assert transaction["description"] == "Purchased 10 credits for 10.00 USD"
    assert wallet_balance(user=auth_client.user) == 14


def test_seed_003_purchase_credits_with_the_wrong_amount_is_a_400_and_buys_nothing(auth_client):
    response = auth_client.post(
        "/api/v1/payments/purchase_credits/",
        {"payment_method": "credit_card", "amount": "3.00", "credits_to_purchase": 10},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert Payment.objects.count() == 0
    assert wallet_balance(user=auth_client.user) == 0


def test_seed_002_packages_and_purchase(auth_client):
    # given seed 002's package list
    package = PackageFactory(points=100, price=Decimal("10.00"))
    listed = auth_client.get("/api/v1/points/packages/").json()["results"]
    assert [row["id"] for row in listed] == [package.pk]

    # when its client buys with package + gateway
    response = auth_client.post(
        "/api/v1/points/purchase/", {"package": package.pk, "gateway": "sandbox"}, format="json"
    )

    # then the payment carries seed 002's fields
    assert response.status_code == 201
    payment = response.json()["payment"]
    assert {"gateway", "amount", "status", "transaction_id"} <= set(payment)
    assert wallet_balance(user=auth_client.user) == 100
