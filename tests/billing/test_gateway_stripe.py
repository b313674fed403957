"""The Stripe and sandbox gateways on their own: money at the boundary, events, refunds."""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal

import pytest

from billing.gateways import base, sandbox
from billing.gateways import stripe as stripe_gateway
from billing.gateways.base import GatewayError, SignatureInvalid
from tests.billing import fakes_stripe
from tests.billing.fakes_stripe import INTENT_ID, checkout_session, event, refund_object, signed

fake_stripe = fakes_stripe.fake_stripe


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("10.00"), "USD", 1000),
        (Decimal("0.50"), "egp", 50),
        (Decimal("1500"), "JPY", 1500),
        (Decimal("1.250"), "KWD", 1250),
    ],
)
def test_minor_units_are_exact_per_currency(amount, currency, minor):
    assert stripe_gateway.to_minor(amount, currency) == minor
    assert stripe_gateway.from_minor(minor, currency) == amount


def test_a_fraction_of_a_minor_unit_is_refused():
    with pytest.raises(GatewayError):
        stripe_gateway.to_minor(Decimal("10.005"), "USD")


def test_subscription_events_are_normalised_with_the_period_end_of_their_item(fake_stripe):
    # given Stripe's customer.subscription.updated (2025-03-31 API: period on the item)
    subscription = {
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
        "object": "subscription",
        "customer": "cus_Na6dX7aXxi11N4",
        "status": "active",
        "cancel_at_period_end": True,
        "metadata": {"reference": "subscription:3"},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "object": "subscription_item",
                    "current_period_end": 1_893_456_000,
                    "price": {"id": "price_1MowQULkdIwHu7ixraBm864M", "object": "price"},
                }
            ],
        },
    }
    raw, headers = signed(event("customer.subscription.updated", subscription, event_id="evt_s"))

    # when it is parsed
    (parsed,) = stripe_gateway.GATEWAY.webhook_parse(body=raw, headers=headers)

    # then it is a subscription update with everything the subscriptions need
    assert parsed.type == base.SUBSCRIPTION_UPDATED
    assert dict(parsed.subscription) == {
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
        "customer": "cus_Na6dX7aXxi11N4",
        "status": "active",
        "current_period_end": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        "cancel_at_period_end": True,
        "price_id": "price_1MowQULkdIwHu7ixraBm864M",
        "metadata": {"reference": "subscription:3"},
    }


def test_invoice_events_name_their_subscription(fake_stripe):
    invoice = {
        "id": "in_1MtHbELkdIwHu7ixl4OzzPMv",
        "object": "invoice",
        "customer": "cus_Na6dX7aXxi11N4",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
                "metadata": {"reference": "subscription:3"},
            },
        },
        "lines": {"object": "list", "data": [{"period": {"end": 1_896_134_400}}]},
        "status": "paid",
    }
    raw, headers = signed(event("invoice.paid", invoice, event_id="evt_i"))
    (parsed,) = stripe_gateway.GATEWAY.webhook_parse(body=raw, headers=headers)
    assert parsed.type == base.INVOICE_PAID
    assert parsed.subscription["id"] == "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    assert parsed.subscription["current_period_end"] == dt.datetime(2030, 2, 1, tzinfo=dt.UTC)


def test_a_subscription_mode_checkout_is_left_to_the_subscription_events(fake_stripe):
    session = checkout_session() | {"mode": "subscription"}
    raw, headers = signed(event("checkout.session.completed", session))
    (parsed,) = stripe_gateway.GATEWAY.webhook_parse(body=raw, headers=headers)
    assert parsed.type == base.IGNORED


def test_refund_of_a_checkout_session_refunds_its_payment_intent(fake_stripe):
    # given Stripe knowing the session and accepting the refund
    fake_stripe.answer(
        "GET", "/v1/checkout/sessions/cs_test_a1b2c3d4e5f6g7h8i9j0", checkout_session()
    )
    fake_stripe.answer("POST", "/v1/refunds", refund_object(amount=500, status="pending"))

    # when 5.00 is refunded by the session's id
    result = stripe_gateway.GATEWAY.refund(
        provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0",
        amount=Decimal("5.00"),
        currency="USD",
        idempotency_key="billing:refund:7",
    )

    # then the intent was refunded, with the key, and the refund is pending
    assert [call.path for call in fake_stripe.calls] == [
        "/v1/checkout/sessions/cs_test_a1b2c3d4e5f6g7h8i9j0",
        "/v1/refunds",
    ]
    assert fake_stripe.calls[1].params == {"payment_intent": INTENT_ID, "amount": "500"}
    assert fake_stripe.calls[1].headers["Idempotency-Key"] == "billing:refund:7"
    assert result.status == "pending"


def test_stripe_without_keys_is_unavailable(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert stripe_gateway.GATEWAY.available() is False


def test_sandbox_signature_bad_stale_or_changed_is_refused(settings):
    settings.BILLING_SANDBOX_WEBHOOK_SECRET = "sandbox-test"  # noqa: S105
    raw = json.dumps({"id": "evt_1", "type": "payment.succeeded", "payment_id": "sim_1"}).encode()
    good = sandbox.sign(raw)
    assert sandbox.GATEWAY.webhook_parse(body=raw, headers={"X-Sandbox-Signature": good})
    for body, header in (
        (raw, sandbox.sign(raw, secret="other")),
        (raw, sandbox.sign(raw, timestamp=int(time.time()) - 3600)),
        (raw.replace(b"sim_1", b"sim_2"), good),
        (raw, ""),
        (raw, "t=abc,v1=zz"),
    ):
        with pytest.raises(SignatureInvalid):
            sandbox.GATEWAY.webhook_parse(body=body, headers={"X-Sandbox-Signature": header})
