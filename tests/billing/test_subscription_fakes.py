"""Fakes and builders shared by the subscription tests (no tests here).

Stripe is faked at the HTTP transport (``stripe.HTTPClient``) with the JSON bodies Stripe's API
answers, and its events are signed the way Stripe signs them (``Stripe-Signature: t=…,v1=…``,
HMAC-SHA256 of ``"<t>.<body>"``): the verification itself is never mocked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from billing import subscriptions
from billing.api import subscription_views
from billing.gateways import stripe_billing
from billing.models import Plan, PlanInterval, Subscription

WEBHOOK_SECRET = "whsec_test_subscriptions"  # noqa: S105
PRICE_MONTHLY = "price_1MowQULkdIwHu7ixraBm864M"
PERIOD_END = 1_893_456_000  # 2030-01-01T00:00:00Z
NEXT_PERIOD_END = 1_896_134_400  # 2030-02-01T00:00:00Z
CLIENT_SECRET = "pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH"  # noqa: S105


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
        self.routes[(method, path)] = (status, body)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        raw = post_data.decode() if isinstance(post_data, bytes) else (post_data or parts.query)
        self.calls.append(Call(method.upper(), parts.path, dict(parse_qsl(raw)), dict(headers)))
        status, body = self.routes[(method.upper(), parts.path)]
        return json.dumps(body), status, {"request-id": "req_test"}

    def close(self) -> None:
        pass


def stripe_subscription(
    *,
    sub_id: str = "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    status: str = "incomplete",
    period_end: int = PERIOD_END,
    cancel_at_period_end: bool = False,
    reference: str = "",
    client_secret: str = CLIENT_SECRET,
) -> dict[str, Any]:
    """A Subscription as Stripe's API (2025-03-31 and later) answers it, invoice expanded."""
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": "cus_Na6dX7aXxi11N4",
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "created": 1_680_000_000,
        "currency": "usd",
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_Na6dzxczY5fwHx",
                    "object": "subscription_item",
                    "current_period_start": period_end - 2_678_400,
                    "current_period_end": period_end,
                    "price": {
                        "id": PRICE_MONTHLY,
                        "object": "price",
                        "currency": "usd",
                        "unit_amount": 900,
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                    "quantity": 1,
                }
            ],
        },
        "latest_invoice": {
            "id": "in_1MtHbELkdIwHu7ixl4OzzPMv",
            "object": "invoice",
            "status": "open",
            "confirmation_secret": {"client_secret": client_secret, "type": "payment_intent"},
        },
        "metadata": {"reference": reference} if reference else {},
        "livemode": False,
    }


def stripe_event(
    event_type: str, obj: dict[str, Any], *, event_id: str, created: int | None = None
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or int(time.time()),
        "type": event_type,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


def subscription_event(
    event_type: str,
    *,
    event_id: str,
    status: str,
    period_end: int = PERIOD_END,
    cancel_at_period_end: bool = False,
    reference: str = "",
    sub_id: str = "sub_1MowQVLkdIwHu7ixeRlqHVzs",
) -> dict[str, Any]:
    obj = stripe_subscription(
        sub_id=sub_id,
        status=status,
        period_end=period_end,
        cancel_at_period_end=cancel_at_period_end,
        reference=reference,
    )
    obj["latest_invoice"] = "in_1MtHbELkdIwHu7ixl4OzzPMv"  # events carry the id, not the object
    return stripe_event(event_type, obj, event_id=event_id)


def invoice_event(
    event_type: str,
    *,
    event_id: str,
    period_end: int = PERIOD_END,
    sub_id: str = "sub_1MowQVLkdIwHu7ixeRlqHVzs",
) -> dict[str, Any]:
    """An invoice event as Stripe's API (2025-03-31 and later) sends it."""
    paid = event_type == "invoice.paid"
    obj = {
        "id": "in_1MtHbELkdIwHu7ixl4OzzPMv",
        "object": "invoice",
        "customer": "cus_Na6dX7aXxi11N4",
        "status": "paid" if paid else "open",
        "amount_due": 900,
        "amount_paid": 900 if paid else 0,
        "currency": "usd",
        "billing_reason": "subscription_cycle",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": sub_id, "metadata": {}},
        },
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": "il_1",
                    "object": "line_item",
                    "amount": 900,
                    "period": {"start": period_end - 2_678_400, "end": period_end},
                }
            ],
        },
    }
    return stripe_event(event_type, obj, event_id=event_id)


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None):
    """The raw body and headers Stripe would send for ``event``."""
    body = json.dumps(event).encode()
    timestamp = at or int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, {"Stripe-Signature": f"t={timestamp},v1={digest.hexdigest()}"}


def deliver(event: dict[str, Any]) -> None:
    """Verify ``event`` as signed by Stripe and apply it, as the webhook path does."""
    from billing.gateways import gateway

    body, headers = signed(event)
    for normalised in gateway("stripe").webhook_parse(body=body, headers=headers):
        subscriptions.subscription_event_apply(event=normalised)


def make_plan(**overrides: Any) -> Plan:
    """The monthly plan the fakes' Stripe price belongs to."""
    from tests.billing.factories import PlanFactory

    values = {
        "name_en": "Premium monthly",
        "interval": PlanInterval.MONTH,
        "price": Decimal("9.00"),
        "stripe_price_id": PRICE_MONTHLY,
        "sort_order": 1,
    }
    values.update(overrides)
    return PlanFactory(**values)


def rows() -> list[tuple]:
    return list(
        Subscription.objects.order_by("pk").values_list(
            "user_id",
            "plan_id",
            "gateway",
            "provider_subscription_id",
            "status",
            "current_period_end",
            "cancel_at_period_end",
        )
    )


@pytest.fixture(name="hooks")
def hooks_fixture():
    """What ``BillingConfig.ready`` registers (profile status, premium rate, badge perk)."""
    from accounts import extensions
    from config.api import throttling

    # Restored as they were, not emptied: BillingConfig.ready registered them for the whole
    # process, and a later test (a profile's or the throttle's query count) counts on them.
    before = (
        throttling._premium_check,
        extensions._subscription_status,
        extensions._profile_sections.get("premium"),
    )
    subscriptions.hooks_register()
    subscription_views.premium_rate_register()
    yield
    throttling.set_premium_check(before[0])
    extensions._subscription_status = before[1]
    if before[2] is None:
        extensions._profile_sections.pop("premium", None)
    else:
        extensions._profile_sections["premium"] = before[2]


@pytest.fixture(name="fake_stripe")
def fake_stripe_fixture(settings, monkeypatch):
    """Stripe with keys, its transport faked."""
    settings.STRIPE_SECRET_KEY = "sk_test_subscriptions"  # noqa: S105
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe()
    monkeypatch.setattr(stripe_billing, "HTTP_CLIENT", fake)
    return fake
