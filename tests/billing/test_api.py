"""The billing API: packages, purchases, history and the webhook endpoint, as a client sees them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from billing.gateways import sandbox
from billing.models import Payment, PaymentEvent, PaymentStatus
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.billing import fakes_stripe
from tests.billing.factories import PackageFactory
from tests.billing.fakes_stripe import checkout_session, event, signed
from tests.rewards.factories import balances

pytestmark = pytest.mark.django_db
fake_stripe = fakes_stripe.fake_stripe


def test_packages_are_public_in_the_callers_language_with_each_gateways_availability(settings):
    # given two packages on sale, one withdrawn, and Stripe without keys
    settings.STRIPE_SECRET_KEY = ""
    settings.BILLING_GATEWAYS = ["sandbox", "stripe"]
    PackageFactory(name_en="Starter", name_ar="البداية", points=100, sort_order=1)
    PackageFactory(name_en="Pro", name_ar="محترف", points=500, price=Decimal("40.00"), sort_order=2)
    PackageFactory(active=False)

    # when an anonymous client lists them in Arabic
    response = APIClient().get("/api/v1/points/packages/", HTTP_ACCEPT_LANGUAGE="ar")

    # then both show, in order, in Arabic, with the gateways and whether each can be used
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["name"], row["points"], row["price"]) for row in rows] == [
        ("البداية", 100, "10.00"),
        ("محترف", 500, "40.00"),
    ]
    assert rows[0]["gateways"] == [
        {"name": "sandbox", "available": True},
        {"name": "stripe", "available": False},
    ]


def test_the_package_list_query_count_does_not_grow(django_assert_max_num_queries):
    for _ in range(15):
        PackageFactory()
    with django_assert_max_num_queries(2):
        response = APIClient().get("/api/v1/points/packages/?page_size=100")
    assert response.json()["count"] == 15


def test_sandbox_purchase_through_the_api_shows_in_balance_transactions_and_history(
    auth_client,
):
    # given a package
    package = PackageFactory(points=100, price=Decimal("10.00"))

    # when the member buys it on the sandbox
    response = auth_client.post(
        "/api/v1/points/purchase/", {"package": package.pk, "gateway": "sandbox"}, format="json"
    )

    # then the payment is already succeeded, with nothing to follow
    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["status"] == "succeeded"
    assert body["payment"]["points"] == 100
    assert body["payment"]["amount"] == "10.00"
    assert body["redirect_url"] == ""
    # and the balance, the points history and the payment history show it
    balance = auth_client.get("/api/v1/points/balance/").json()
    assert balance["balance"] == 100
    transactions = auth_client.get("/api/v1/points/transactions/").json()["results"]
    assert [
        (row["type"], row["amount"], row["reason"], row["related_payment_id"])
        for row in transactions
    ] == [("credit", 100, "purchase", body["payment"]["id"])]
    history = auth_client.get("/api/v1/payments/history/").json()["results"]
    assert [
        (row["gateway"], row["amount"], row["currency"], row["status"], row["points"])
        for row in history
    ] == [("sandbox", "10.00", "USD", "succeeded", 100)]
    assert set(history[0]) >= {"created_at", "receipt_url", "transaction_id"}


def test_purchase_on_stripe_answers_the_checkout_url(auth_client, fake_stripe):
    package = PackageFactory()
    fake_stripe.answer(
        "POST", "/v1/checkout/sessions", checkout_session(status="open", payment_status="unpaid")
    )
    response = auth_client.post("/api/v1/payments/stripe/", {"package": package.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["redirect_url"].startswith("https://checkout.stripe.com/c/pay/")
    assert response.json()["payment"]["status"] == "pending"
    assert wallet_balance(user=auth_client.user) == 0


def test_a_gateway_without_keys_is_a_400_in_the_callers_language(auth_client, settings):
    # given Stripe without keys
    settings.STRIPE_SECRET_KEY = ""
    package = PackageFactory()

    # when the member asks for Stripe in Arabic
    response = auth_client.post(
        "/api/v1/points/purchase/",
        {"package": package.pk, "gateway": "stripe"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    # then a 400 on the gateway field, and nothing was written
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "gateway_unavailable"
    assert list(response.json()["error"]["fields"]) == ["gateway"]
    assert Payment.objects.count() == 0


def test_paypal_without_keys_is_a_400_not_available(auth_client, settings):
    settings.PAYPAL_CLIENT_ID = ""
    response = auth_client.post(
        "/api/v1/payments/paypal/", {"package": PackageFactory().pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "gateway_unavailable"
    assert Payment.objects.count() == 0


def test_an_unknown_field_or_package_is_a_400_and_writes_nothing(auth_client):
    package = PackageFactory()
    unknown = auth_client.post(
        "/api/v1/points/purchase/",
        {"package": package.pk, "gateway": "sandbox", "colour": "red"},
        format="json",
    )
    missing = auth_client.post(
        "/api/v1/points/purchase/", {"package": 999999, "gateway": "sandbox"}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"colour": ["This field is not known."]}
    assert missing.status_code == 400
    assert list(missing.json()["error"]["fields"]) == ["package"]
    assert Payment.objects.count() == 0


def test_a_foreign_return_url_is_refused(auth_client):
    response = auth_client.post(
        "/api/v1/points/purchase/",
        {"package": PackageFactory().pk, "gateway": "sandbox", "success_url": "https://evil.test/"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["success_url"]
    assert Payment.objects.count() == 0


def test_the_idempotency_key_header_replays_the_purchase(auth_client):
    package = PackageFactory(points=100)
    first = auth_client.post(
        "/api/v1/points/purchase/",
        {"package": package.pk, "gateway": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="buy-1",
    )
    again = auth_client.post(
        "/api/v1/points/purchase/",
        {"package": package.pk, "gateway": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="buy-1",
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert wallet_balance(user=auth_client.user) == 100


def test_history_is_the_callers_own_with_a_constant_query_count(
    auth_client, django_assert_max_num_queries
):
    other = UserFactory()
    package = PackageFactory()
    from billing.services import purchase_start

    purchase_start(user=other, package=package, gateway_name="sandbox")
    for _ in range(5):
        purchase_start(user=auth_client.user, package=package, gateway_name="sandbox")
    with django_assert_max_num_queries(4):
        response = auth_client.get("/api/v1/payments/history/?page_size=100")
    assert response.json()["count"] == 5


def test_history_needs_a_signed_in_member():
    assert APIClient().get("/api/v1/payments/history/").status_code == 401


def test_the_stripe_webhook_endpoint_takes_the_raw_signed_body(fake_stripe):
    # given a pending Stripe payment and its signed completion
    payment = Payment.objects.create(
        user=UserFactory(),
        gateway="stripe",
        amount=Decimal("10.00"),
        currency="USD",
        points=100,
        provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0",
    )
    raw, headers = signed(
        event(
            "checkout.session.completed",
            checkout_session(reference=payment.reference),
            event_id="evt_api",
        )
    )
    client = APIClient()

    # when Stripe posts it twice, without any sign-in or CSRF token
    first = client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=raw,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
    )
    second = client.post(
        "/api/v1/payments/webhooks/stripe/",
        data=raw,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
    )

    # then the first applies, the second is already processed, and the points came once
    assert (first.status_code, first.json()) == (200, {"received": True, "applied": 1})
    assert (second.status_code, second.json()) == (200, {"received": True, "applied": 0})
    assert wallet_balance(user=payment.user) == 100


def test_an_unsigned_webhook_is_a_400_and_changes_nothing(fake_stripe):
    before = balances()
    response = APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        data=b'{"id": "evt_1", "type": "checkout.session.completed"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signature_invalid"
    assert PaymentEvent.objects.count() == 0
    assert balances() == before


def test_a_webhook_for_an_unknown_gateway_is_a_404():
    response = APIClient().post(
        "/api/v1/payments/webhooks/bitcoin/", data=b"{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_the_sandbox_webhook_refunds_a_sandbox_purchase(auth_client):
    # given a sandbox purchase
    package = PackageFactory(points=100, price=Decimal("10.00"))
    bought = auth_client.post(
        "/api/v1/points/purchase/", {"package": package.pk, "gateway": "sandbox"}, format="json"
    ).json()["payment"]
    payment = Payment.objects.get(pk=bought["id"])
    raw = json.dumps(
        {
            "id": "evt_sandbox_refund",
            "type": "payment.refunded",
            "payment_id": payment.provider_payment_id,
            "amount": "10.00",
            "currency": "USD",
        }
    ).encode()

    # when the sandbox posts a signed refund
    response = APIClient().post(
        "/api/v1/payments/webhooks/sandbox/",
        data=raw,
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE=sandbox.sign(raw),
    )

    # then the payment is refunded and the points went back
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert wallet_balance(user=auth_client.user) == 0
