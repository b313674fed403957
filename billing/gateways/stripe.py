"""Stripe through the official ``stripe`` package (``StripeClient``).

- Checkout: a Checkout Session in ``mode=payment`` (one line item priced inline) whose
  ``client_reference_id`` and metadata carry our ``payment:<id>``, also copied onto its
  PaymentIntent; or, when the client asks for a client secret, a PaymentIntent it confirms itself
  with Stripe.js. Both are created with an idempotency key, so a retried start returns the same
  session.
- Webhooks: ``stripe.Webhook.construct_event`` verifies the ``Stripe-Signature`` header
  (``t=…,v1=HMAC-SHA256("<t>.<raw body>")`` with ``STRIPE_WEBHOOK_SECRET``) and its timestamp
  against ``STRIPE_WEBHOOK_TOLERANCE``; the event is then normalised to ``base.py``'s types.
- Refunds: ``Refund`` create on the PaymentIntent, with an idempotency key.

Money crosses into Stripe as minor units (``to_minor``) and comes back as ``Decimal`` here and
nowhere else. Like every gateway it speaks HTTP only and never touches the database.

Normalised events put a few keys of ours next to the provider's object in ``payload`` (the
services read them whatever the gateway): ``_intent_id`` (the PaymentIntent a Checkout Session
created, which charges, refunds and disputes name), ``_receipt_url``, ``_transaction_id``,
``_failure_reason`` (member-safe) and ``_outcome`` (``cancelled`` for an expired session).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from billing.gateways import base
from billing.gateways.base import (
    CheckoutRequest,
    CheckoutStart,
    GatewayError,
    GatewayEvent,
    RefundResult,
    SignatureInvalid,
)

logger = logging.getLogger(__name__)

# Tests replace this with a fake ``stripe.HTTPClient`` answering Stripe's real JSON bodies.
HTTP_CLIENT: stripe.HTTPClient | None = None

# ISO 4217 currencies Stripe counts without decimals, and those with three (sent ×1000).
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])

SUBSCRIPTION_EVENTS = {
    "customer.subscription.created": base.SUBSCRIPTION_UPDATED,
    "customer.subscription.updated": base.SUBSCRIPTION_UPDATED,
    "customer.subscription.deleted": base.SUBSCRIPTION_DELETED,
    "invoice.paid": base.INVOICE_PAID,
    "invoice.payment_failed": base.INVOICE_PAYMENT_FAILED,
}


def _exponent(currency: str) -> int:
    currency = currency.upper()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("10.00"), "USD"`` → ``1000``; exact (a fraction of a minor unit is an error)."""
    scaled = amount * (Decimal(10) ** _exponent(currency))
    if scaled != scaled.to_integral_value():
        raise GatewayError(
            _("This amount cannot be charged in %(currency)s.") % {"currency": currency}
        )
    return int(scaled)


def from_minor(value: Any, currency: str) -> Decimal | None:
    """``1000, "usd"`` → ``Decimal("10.00")``; None for a missing value."""
    if value is None:
        return None
    exponent = _exponent(currency)
    quantum = Decimal(1).scaleb(-exponent) if exponent else Decimal(1)
    return (Decimal(int(value)) / (Decimal(10) ** exponent)).quantize(quantum, ROUND_HALF_UP)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _id(value: Any) -> str:
    """An expandable field: the id whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _reference(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("reference") or obj.get("client_reference_id") or "")


def _subscription_of(obj: Mapping[str, Any], provider_type: str) -> dict[str, Any]:
    """The normalised ``subscription`` mapping of a subscription or invoice event."""
    if provider_type.startswith("customer.subscription."):
        items = ((obj.get("items") or {}).get("data")) or []
        first = items[0] if items else {}
        price = first.get("price") or {}
        # Since Stripe's 2025-03-31 API the period lives on the items.
        period_end = first.get("current_period_end") or obj.get("current_period_end")
        return {
            "id": _id(obj.get("id")),
            "customer": _id(obj.get("customer")),
            "status": str(obj.get("status") or ""),
            "current_period_end": _timestamp(period_end),
            "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
            "price_id": _id(price),
            "metadata": dict(obj.get("metadata") or {}),
        }
    # An invoice: its subscription (older APIs: ``subscription``; since 2025-03-31:
    # ``parent.subscription_details.subscription``).
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    lines = ((obj.get("lines") or {}).get("data")) or []
    first_line = lines[0] if lines else {}
    period_end = (first_line.get("period") or {}).get("end")
    return {
        "id": _id(obj.get("subscription") or details.get("subscription")),
        "customer": _id(obj.get("customer")),
        "status": "",
        "current_period_end": _timestamp(period_end),
        "cancel_at_period_end": None,
        "price_id": "",
        "metadata": dict(details.get("metadata") or obj.get("metadata") or {}),
        "invoice_id": _id(obj.get("id")),
    }


def normalise(event: Mapping[str, Any]) -> GatewayEvent:
    """One verified Stripe event (as a dict) → our normalised event."""
    event_id = str(event.get("id") or "")
    provider_type = str(event.get("type") or "")
    obj: dict[str, Any] = dict(((event.get("data") or {}).get("object")) or {})
    occurred_at = _timestamp(event.get("created"))
    currency = str(obj.get("currency") or "").upper()
    common: dict[str, Any] = {
        "event_id": event_id,
        "provider_type": provider_type,
        "occurred_at": occurred_at,
        "currency": currency,
    }

    if provider_type in SUBSCRIPTION_EVENTS:
        return GatewayEvent(
            type=SUBSCRIPTION_EVENTS[provider_type],
            subscription=_subscription_of(obj, provider_type),
            payload=obj,
            **common,
        )

    if provider_type.startswith("checkout.session."):
        if obj.get("mode") != "payment":
            # Subscription-mode sessions: the customer.subscription.* events carry the state.
            return GatewayEvent(type=base.IGNORED, payload=obj, **common)
        obj["_intent_id"] = _id(obj.get("payment_intent"))
        obj["_transaction_id"] = obj["_intent_id"]
        if provider_type in (
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded",
        ):
            paid = obj.get("payment_status") in ("paid", "no_payment_required")
            kind = base.PAYMENT_SUCCEEDED if paid else base.IGNORED
        elif provider_type == "checkout.session.async_payment_failed":
            kind = base.PAYMENT_FAILED
            obj["_failure_reason"] = _("The payment did not go through.")
        elif provider_type == "checkout.session.expired":
            kind = base.PAYMENT_FAILED
            obj["_outcome"] = "cancelled"
            obj["_failure_reason"] = _("The checkout expired before the payment was made.")
        else:
            kind = base.IGNORED
        return GatewayEvent(
            type=kind,
            provider_payment_id=_id(obj.get("id")),
            reference=_reference(obj),
            amount=from_minor(obj.get("amount_total"), currency),
            payload=obj,
            **common,
        )

    if provider_type.startswith("payment_intent."):
        obj["_intent_id"] = _id(obj.get("id"))
        obj["_transaction_id"] = obj["_intent_id"]
        if provider_type == "payment_intent.succeeded":
            kind = base.PAYMENT_SUCCEEDED
        elif provider_type == "payment_intent.payment_failed":
            kind = base.PAYMENT_FAILED
            error = obj.get("last_payment_error") or {}
            # Stripe's decline messages are written for the customer ("Your card was declined.").
            obj["_failure_reason"] = str(
                error.get("message") or _("The payment did not go through.")
            )
        elif provider_type == "payment_intent.canceled":
            kind = base.PAYMENT_FAILED
            obj["_outcome"] = "cancelled"
            obj["_failure_reason"] = _("The payment was cancelled.")
        else:
            kind = base.IGNORED
        return GatewayEvent(
            type=kind,
            provider_payment_id=_id(obj.get("id")),
            reference=_reference(obj),
            amount=from_minor(obj.get("amount_received") or obj.get("amount"), currency),
            payload=obj,
            **common,
        )

    if provider_type in ("charge.succeeded", "charge.refunded"):
        obj["_intent_id"] = _id(obj.get("payment_intent"))
        obj["_receipt_url"] = str(obj.get("receipt_url") or "")
        if provider_type == "charge.succeeded":
            kind, amount = base.PAYMENT_SUCCEEDED, from_minor(obj.get("amount"), currency)
        else:
            kind, amount = base.PAYMENT_REFUNDED, from_minor(obj.get("amount_refunded"), currency)
        return GatewayEvent(
            type=kind,
            provider_payment_id=obj["_intent_id"],
            reference=_reference(obj),
            amount=amount,
            payload=obj,
            **common,
        )

    if provider_type == "charge.dispute.created":
        obj["_intent_id"] = _id(obj.get("payment_intent"))
        return GatewayEvent(
            type=base.PAYMENT_CHARGEBACK,
            provider_payment_id=obj["_intent_id"],
            reference=_reference(obj),
            amount=from_minor(obj.get("amount"), currency),
            payload=obj,
            **common,
        )

    return GatewayEvent(type=base.IGNORED, payload=obj, **common)


class StripeGateway:
    """Stripe Checkout / PaymentIntents, webhooks and refunds."""

    name = "stripe"

    def available(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def _client(self) -> stripe.StripeClient:
        if not self.available():
            raise base.GatewayUnavailable(self.name)
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY, http_client=HTTP_CLIENT, max_network_retries=2
        )

    def _call(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except stripe.CardError as exc:
            raise GatewayError(exc.user_message or _("Your card was declined.")) from exc
        except stripe.APIConnectionError as exc:
            logger.warning("stripe unreachable: %s", type(exc).__name__)
            raise GatewayError(
                _("The payment provider could not be reached. Please try again in a few minutes.")
            ) from exc
        except stripe.StripeError as exc:
            logger.warning(
                "stripe refused: %s %s", type(exc).__name__, getattr(exc, "http_status", "")
            )
            raise GatewayError(
                _(
                    "The payment provider refused the request. Please try again or choose "
                    "another way to pay."
                )
            ) from exc

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        client = self._client()
        currency = request.currency.lower()
        minor = to_minor(request.amount, request.currency)
        metadata = {"reference": request.reference}
        options = {"idempotency_key": request.idempotency_key}
        if request.want_client_secret:
            params: dict[str, Any] = {
                "amount": minor,
                "currency": currency,
                "description": request.description,
                "metadata": metadata,
                "automatic_payment_methods": {"enabled": True},
            }
            if request.customer_email:
                params["receipt_email"] = request.customer_email
            intent = self._call(client.v1.payment_intents.create, params=params, options=options)
            return CheckoutStart(provider_payment_id=intent.id, client_secret=intent.client_secret)
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        session = self._call(client.v1.checkout.sessions.create, params=params, options=options)
        return CheckoutStart(provider_payment_id=session.id, redirect_url=session.url or "")

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        secret = settings.STRIPE_WEBHOOK_SECRET
        signature = _header(headers, "Stripe-Signature")
        if not secret or not signature:
            raise SignatureInvalid("no signature or no secret")
        try:
            event = stripe.Webhook.construct_event(
                body, signature, secret, settings.STRIPE_WEBHOOK_TOLERANCE, api_key="unused"
            )
            data = event.to_dict()
        except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError, IndexError):
            raise SignatureInvalid("stripe signature refused") from None
        if not isinstance(data, dict) or not data.get("id"):
            raise SignatureInvalid("not a Stripe event")
        return [normalise(data)]

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        client = self._client()
        intent_id = provider_payment_id
        if provider_payment_id.startswith("cs_"):
            session = self._call(client.v1.checkout.sessions.retrieve, provider_payment_id)
            intent_id = _id(session.payment_intent)
        if not intent_id:
            raise GatewayError(_("This payment has nothing to refund yet."))
        refund = self._call(
            client.v1.refunds.create,
            params={"payment_intent": intent_id, "amount": to_minor(amount, currency)},
            options={"idempotency_key": idempotency_key},
        )
        status = "pending" if refund.status in ("pending", "requires_action") else "succeeded"
        if refund.status in ("failed", "canceled"):
            raise GatewayError(_("The payment provider refused the refund."))
        return RefundResult(provider_refund_id=refund.id, status=status)


GATEWAY = StripeGateway()
