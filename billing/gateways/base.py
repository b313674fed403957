"""The one interface every payment gateway implements (docs/architecture.md, "Billing").

Money crosses this boundary as ``Decimal`` plus an ISO 4217 currency; each gateway converts to the
provider's minor units itself. Gateways speak HTTP and nothing else: they never touch the database,
so the services call them outside any row lock (docs/pitfalls.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


class GatewayError(Exception):
    """The provider refused or could not be reached; ``str`` is safe to show to the member."""


class GatewayUnavailable(GatewayError):
    """The gateway is unknown, disabled, or has no keys configured."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class SignatureInvalid(Exception):
    """A webhook's signature is missing, wrong, or its timestamp is outside the tolerance."""


@dataclass(frozen=True)
class CheckoutRequest:
    """What a gateway needs to start collecting one payment."""

    reference: str  # "payment:<id>": echoed back by the provider (metadata, custom_id, …)
    amount: Decimal
    currency: str  # ISO 4217, upper case
    description: str
    customer_email: str
    customer_name: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    # Stripe: answer with a PaymentIntent client secret instead of a Checkout Session URL.
    want_client_secret: bool = False


@dataclass(frozen=True)
class CheckoutStart:
    """What the member needs to pay, and the provider's id for this payment."""

    provider_payment_id: str  # Checkout Session id, PaymentIntent id, PayPal order id, Paymob id
    redirect_url: str = ""
    client_secret: str = ""
    # True when the gateway confirmed the payment already (the sandbox); the services then
    # complete the payment at once, through the same path as a webhook.
    confirmed: bool = False


# Normalised event types: what the services act on, whatever the provider calls it.
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
PAYMENT_REFUNDED = "payment.refunded"  # full or partial: ``amount`` says how much in all
PAYMENT_CHARGEBACK = "payment.chargeback"
SUBSCRIPTION_UPDATED = "subscription.updated"  # created or updated
SUBSCRIPTION_DELETED = "subscription.deleted"
INVOICE_PAID = "invoice.paid"
INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
IGNORED = "ignored"


@dataclass(frozen=True)
class GatewayEvent:
    """One verified provider event, normalised."""

    event_id: str  # the provider's event id: unique per gateway, the exactly-once key
    type: str  # one of the normalised types above
    provider_type: str  # the provider's own name for it ("checkout.session.completed")
    provider_payment_id: str = ""  # matches Payment.provider_payment_id
    reference: str = ""  # our "payment:<id>" when the provider echoes it
    amount: Decimal | None = None  # for refunds: the total refunded so far
    currency: str = ""
    occurred_at: dt.datetime | None = None
    # Subscription events: the provider's subscription and customer ids, status, period end.
    subscription: Mapping[str, Any] = field(default_factory=dict)
    payload: Mapping[str, Any] = field(default_factory=dict)  # the provider's object, stored


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    status: str  # "succeeded" or "pending" (the webhook will finish it)


class Gateway(Protocol):
    """One payment provider."""

    name: str

    def available(self) -> bool:
        """True when the keys this gateway needs are configured."""
        ...

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        """Create the provider's checkout for ``request``; raises ``GatewayError``."""
        ...

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        """Verify the signature over the raw ``body`` and normalise the event(s).

        Raises ``SignatureInvalid`` for a missing or bad signature or a stale timestamp; never
        reads or writes the database.
        """
        ...

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of a captured payment; raises ``GatewayError``."""
        ...
