"""The sandbox gateway: confirms every payment at once, with no account anywhere.

It lets the embedded demo and the tests buy points end to end. ``BILLING_GATEWAYS`` offers it by
default only outside production. ``checkout_start`` answers ``confirmed=True``; the services then
complete the payment through the same path as a webhook (``billing.services.webhooks``).

Its webhook exists so the whole webhook path can be exercised without a provider: a JSON event
signed like Stripe's, header ``X-Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with BILLING_SANDBOX_WEBHOOK_SECRET>``, within ``STRIPE_WEBHOOK_TOLERANCE``::

    {"id": "evt_1", "type": "payment.succeeded", "payment_id": "sim_…", "reference": "payment:7",
     "amount": "10.00", "currency": "USD"}

``type`` is one of ``base.py``'s normalised types (``payment.refunded`` carries the total
refunded in ``amount``). Like every gateway it never touches the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from billing.gateways import base
from billing.gateways.base import (
    CheckoutRequest,
    CheckoutStart,
    GatewayEvent,
    RefundResult,
    SignatureInvalid,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
EVENT_TYPES = frozenset(
    {
        base.PAYMENT_SUCCEEDED,
        base.PAYMENT_FAILED,
        base.PAYMENT_REFUNDED,
        base.PAYMENT_CHARGEBACK,
        base.SUBSCRIPTION_UPDATED,
        base.SUBSCRIPTION_DELETED,
        base.INVOICE_PAID,
        base.INVOICE_PAYMENT_FAILED,
    }
)


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    """The ``X-Sandbox-Signature`` header value for ``body`` (tests and local tools use it)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = settings.BILLING_SANDBOX_WEBHOOK_SECRET if secret is None else secret
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _verify(body: bytes, header: str) -> None:
    try:
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise SignatureInvalid("malformed signature header") from None
    signature = parts.get("v1", "")
    if not signature:
        raise SignatureInvalid("no v1 signature")
    expected = sign(body, timestamp=timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, signature):
        raise SignatureInvalid("signature mismatch")
    if abs(time.time() - timestamp) > settings.STRIPE_WEBHOOK_TOLERANCE:
        raise SignatureInvalid("timestamp outside the tolerance")


class SandboxGateway:
    """Confirms at once; refunds at once; signs its own webhooks."""

    name = "sandbox"

    def available(self) -> bool:
        return True

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        provider_id = f"sim_{request.reference.split(':')[-1]}_{secrets.token_hex(6)}"
        return CheckoutStart(
            provider_payment_id=provider_id,
            redirect_url="",
            client_secret=f"{provider_id}_secret" if request.want_client_secret else "",
            confirmed=True,
        )

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        _verify(body, _header(headers, SIGNATURE_HEADER))
        try:
            data: Any = json.loads(body)
            event_id = str(data["id"])
            event_type = str(data["type"])
        except (ValueError, KeyError, TypeError):
            raise SignatureInvalid("not a sandbox event") from None
        if not isinstance(data, dict) or not event_id or event_type not in EVENT_TYPES:
            return [
                GatewayEvent(event_id=event_id or "unknown", type=base.IGNORED, provider_type="?")
            ]
        amount: Decimal | None = None
        if data.get("amount") is not None:
            try:
                amount = Decimal(str(data["amount"]))
            except InvalidOperation:
                amount = None
        subscription = data.get("subscription")
        return [
            GatewayEvent(
                event_id=event_id,
                type=event_type,
                provider_type=f"sandbox.{event_type}",
                provider_payment_id=str(data.get("payment_id") or ""),
                reference=str(data.get("reference") or ""),
                amount=amount,
                currency=str(data.get("currency") or "").upper(),
                subscription=subscription if isinstance(subscription, dict) else {},
                payload=data,
            )
        ]

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
        return RefundResult(provider_refund_id=f"sim_refund_{digest}", status="succeeded")


GATEWAY = SandboxGateway()
