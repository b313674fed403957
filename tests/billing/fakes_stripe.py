"""Stripe faked at the HTTP transport, and Stripe events signed the way Stripe signs them.

``FakeStripe`` is a ``stripe.HTTPClient`` answering with the JSON bodies Stripe's API answers
(Checkout Session, PaymentIntent, Refund), recording each request. Events are the bodies Stripe
posts to a webhook endpoint, signed with ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">``; the verification in the gateway (``stripe.Webhook.construct_event``) is
never mocked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from billing.gateways import stripe as stripe_gateway

WEBHOOK_SECRET = "whsec_test_billing_core"  # noqa: S105
SECRET_KEY = "sk_test_billing_core"  # noqa: S105
INTENT_ID = "pi_3MtwBwLkdIwHu7ix28a3tqPa"
CHARGE_ID = "ch_3MtwBwLkdIwHu7ix0snN0B15"
RECEIPT_URL = "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xTTJKVGtMa2RJd0h1N2l4KOvG"


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeStripe(stripe.HTTPClient):
    """Answers Stripe API calls from ``routes`` and records every request."""

    routes: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    name = "fake"

    def __post_init__(self) -> None:
        super().__init__()

    def answer(self, method: str, path: str, body: dict[str, Any], status: int = 200) -> None:
        self.routes[(method.upper(), path)] = (status, body)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        raw = post_data.decode() if isinstance(post_data, bytes) else (post_data or parts.query)
        self.calls.append(Call(method.upper(), parts.path, dict(parse_qsl(raw)), dict(headers)))
        status, body = self.routes[(method.upper(), parts.path)]
        return json.dumps(body), status, {"request-id": "req_test"}

    def close(self) -> None:
        pass


@pytest.fixture
def fake_stripe(settings, monkeypatch) -> FakeStripe:
    """Stripe configured with test keys, its transport replaced by a ``FakeStripe``."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE = 300
    fake = FakeStripe()
    monkeypatch.setattr(stripe_gateway, "HTTP_CLIENT", fake)
    return fake


def checkout_session(
    *,
    session_id: str = "cs_test_a1b2c3d4e5f6g7h8i9j0",
    reference: str = "payment:1",
    amount_total: int = 1000,
    status: str = "complete",
    payment_status: str = "paid",
    payment_intent: str | None = INTENT_ID,
) -> dict[str, Any]:
    """A Checkout Session in ``mode=payment`` as Stripe's API answers it."""
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "cancel_url": "http://127.0.0.1:8000/en/wallet/buy/cancel/",
        "client_reference_id": reference,
        "created": 1_764_720_000,
        "currency": "usd",
        "customer": None,
        "customer_details": {"email": "member@example.test", "name": None},
        "customer_email": "member@example.test",
        "expires_at": 1_764_806_400,
        "livemode": False,
        "metadata": {"reference": reference},
        "mode": "payment",
        "payment_intent": payment_intent,
        "payment_method_types": ["card"],
        "payment_status": payment_status,
        "status": status,
        "success_url": "http://127.0.0.1:8000/en/wallet/buy/success/",
        "url": (
            None
            if status == "complete"
            else f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0"
        ),
    }


def payment_intent(
    *,
    intent_id: str = INTENT_ID,
    reference: str = "payment:1",
    amount: int = 1000,
    status: str = "succeeded",
    error_message: str = "",
) -> dict[str, Any]:
    """A PaymentIntent as Stripe's API answers it."""
    body: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "automatic_payment_methods": {"enabled": True},
        "client_secret": f"{intent_id}_secret_YrKJUKribcBjcG8HVhfZluoGH",
        "created": 1_764_720_000,
        "currency": "usd",
        "latest_charge": CHARGE_ID if status == "succeeded" else None,
        "livemode": False,
        "metadata": {"reference": reference},
        "status": status,
        "last_payment_error": None,
    }
    if error_message:
        body["last_payment_error"] = {
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": error_message,
            "type": "card_error",
        }
    return body


def charge(*, amount: int = 1000, amount_refunded: int = 0, reference: str = "") -> dict[str, Any]:
    """A Charge (of the PaymentIntent) as Stripe sends it with charge.* events.

    Without ``reference`` its metadata is empty: the event names the payment only by its
    PaymentIntent, which the services must resolve whatever order the events come in.
    """
    return {
        "id": CHARGE_ID,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "captured": True,
        "created": 1_764_720_000,
        "currency": "usd",
        "livemode": False,
        "metadata": {"reference": reference} if reference else {},
        "paid": True,
        "payment_intent": INTENT_ID,
        "receipt_url": RECEIPT_URL,
        "refunded": amount_refunded >= amount,
        "status": "succeeded",
    }


def dispute(*, amount: int = 1000) -> dict[str, Any]:
    """A Dispute as Stripe sends it with charge.dispute.created."""
    return {
        "id": "dp_1MtwBwLkdIwHu7ixqSPWJx4y",
        "object": "dispute",
        "amount": amount,
        "charge": CHARGE_ID,
        "created": 1_764_720_000,
        "currency": "usd",
        "livemode": False,
        "metadata": {},
        "payment_intent": INTENT_ID,
        "reason": "fraudulent",
        "status": "needs_response",
    }


def refund_object(*, amount: int, status: str = "succeeded") -> dict[str, Any]:
    """A Refund as Stripe's API answers ``POST /v1/refunds``."""
    return {
        "id": "re_3MtwBwLkdIwHu7ix0Xd3Jg7E",
        "object": "refund",
        "amount": amount,
        "charge": CHARGE_ID,
        "created": 1_764_720_000,
        "currency": "usd",
        "metadata": {},
        "payment_intent": INTENT_ID,
        "reason": None,
        "status": status,
    }


def event(event_type: str, obj: dict[str, Any], *, event_id: str = "evt_1") -> dict[str, Any]:
    """An Event as Stripe posts it to a webhook endpoint."""
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": 1_764_720_100,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signed(
    body: dict[str, Any] | bytes,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The raw body and the ``Stripe-Signature`` header Stripe would send with it."""
    raw = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return raw, {"Stripe-Signature": f"t={timestamp},v1={signature.hexdigest()}"}
