"""Premium subscriptions on Stripe Billing, and the sandbox's subscriptions that start at once.

Stripe Billing through the official ``stripe`` package (``StripeClient``):

- a Customer per member (reused from the member's earlier subscription, else created);
- a Subscription on the plan's ``stripe_price_id`` with ``payment_behavior=default_incomplete``:
  Stripe creates the first invoice and answers the client secret of its payment, which the
  member's client confirms with Stripe.js (seed 004's ``client_secret``). Stripe's API since
  2025-03-31 carries that secret on ``latest_invoice.confirmation_secret`` (older versions on
  ``latest_invoice.payment_intent``); both are read;
- a Checkout Session in subscription mode, for the site's pages (the Content-Security-Policy
  allows no external script, so the site cannot load Stripe Elements: it redirects to Checkout);
- cancel at period end (``cancel_at_period_end=true``).

Like every gateway this module speaks HTTP and nothing else: it never reads or writes the
database, so ``billing.subscriptions`` calls it outside any row lock. Since Stripe's 2025-03-31
API the billing period lives on the subscription's items, not on the subscription itself.

The sandbox subscribes at once with no account anywhere, for the embedded demo and tests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways.base import GatewayError

# Tests replace this with a fake ``stripe.HTTPClient`` that answers Stripe's real JSON bodies.
HTTP_CLIENT: stripe.HTTPClient | None = None

SANDBOX_PERIOD = {"month": dt.timedelta(days=30), "year": dt.timedelta(days=365)}


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a gateway needs to start one premium subscription."""

    reference: str  # "subscription:<id>": echoed back in the subscription's metadata
    price_id: str
    interval: str  # "month" or "year"
    customer_id: str  # the member's provider customer id from an earlier subscription, or ""
    customer_email: str
    customer_name: str
    idempotency_key: str
    payment_method_id: str = ""


@dataclass(frozen=True)
class SubscriptionState:
    """The provider's view of one subscription, as the services store it."""

    provider_subscription_id: str
    provider_customer_id: str
    status: str  # incomplete | active | trialing | past_due | canceled | unpaid
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    client_secret: str = ""


@dataclass(frozen=True)
class CheckoutSubscriptionRequest:
    """A hosted Checkout page that starts a subscription (the site's pages use it)."""

    reference: str
    price_id: str
    customer_id: str
    customer_email: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    metadata: Mapping[str, str] = field(default_factory=dict)


# Stripe statuses folded into ours: an expired first invoice is simply canceled.
_STATUS = {
    "incomplete": "incomplete",
    "incomplete_expired": "canceled",
    "active": "active",
    "trialing": "trialing",
    "past_due": "past_due",
    "canceled": "canceled",
    "unpaid": "unpaid",
    "paused": "unpaid",
}


def status_normalise(provider_status: str) -> str:
    """Stripe's subscription status as one of ``SubscriptionStatus``'s values."""
    return _STATUS.get(provider_status or "", "incomplete")


def _timestamp(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` for a StripeObject, a dict or None."""
    if obj is None or isinstance(obj, str):
        return default
    try:
        value = obj[key]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def period_end_of(subscription: Any) -> dt.datetime | None:
    """The subscription's current period end: on its items since 2025-03-31, else on itself."""
    items = _get(_get(subscription, "items"), "data", [])
    ends = [_get(item, "current_period_end") for item in items]
    ends = [end for end in ends if end]
    if ends:
        return _timestamp(max(ends))
    return _timestamp(_get(subscription, "current_period_end"))


def client_secret_of(subscription: Any) -> str:
    """The client secret of the first invoice's payment, whichever API version answered."""
    invoice = _get(subscription, "latest_invoice")
    secret = _get(_get(invoice, "confirmation_secret"), "client_secret", "")
    if not secret:
        secret = _get(_get(invoice, "payment_intent"), "client_secret", "")
    if not secret:
        secret = _get(_get(subscription, "pending_setup_intent"), "client_secret", "")
    return secret


def _state(subscription: Any) -> SubscriptionState:
    customer = _get(subscription, "customer", "")
    return SubscriptionState(
        provider_subscription_id=_get(subscription, "id", ""),
        provider_customer_id=customer if isinstance(customer, str) else _get(customer, "id", ""),
        status=status_normalise(_get(subscription, "status", "")),
        current_period_end=period_end_of(subscription),
        cancel_at_period_end=bool(_get(subscription, "cancel_at_period_end", False)),
        client_secret=client_secret_of(subscription),
    )


class StripeBilling:
    """Stripe Billing: customers, subscriptions, Checkout in subscription mode, cancel."""

    name = "stripe"
    instant = False

    def available(self) -> bool:
        return bool(getattr(settings, "STRIPE_SECRET_KEY", ""))

    def _client(self) -> stripe.StripeClient:
        if not self.available():
            raise GatewayError(_("Stripe is not available on this site."))
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            http_client=HTTP_CLIENT,
            max_network_retries=2,  # safe: every write below carries an idempotency key
        )

    def subscription_start(self, request: SubscriptionRequest) -> SubscriptionState:
        """Create (or reuse) the customer and an incomplete subscription; raises GatewayError."""
        if not request.price_id:
            raise GatewayError(_("This plan cannot be bought with Stripe yet."))
        client = self._client()
        metadata = {"reference": request.reference}
        try:
            customer_id = request.customer_id or self._customer_create(client, request, metadata)
            params: Any = {
                "customer": customer_id,
                "items": [{"price": request.price_id}],
                "payment_behavior": "default_incomplete",
                "payment_settings": {"save_default_payment_method": "on_subscription"},
                "metadata": metadata,
                "expand": ["latest_invoice.confirmation_secret"],
            }
            if request.payment_method_id:
                client.v1.payment_methods.attach(
                    request.payment_method_id,
                    {"customer": customer_id},
                    {"idempotency_key": f"{request.idempotency_key}:attach"},
                )
                params["default_payment_method"] = request.payment_method_id
            subscription = client.v1.subscriptions.create(
                params, {"idempotency_key": f"{request.idempotency_key}:subscription"}
            )
        except stripe.StripeError as error:
            raise GatewayError(_user_message(error)) from error
        return _state(subscription)

    @staticmethod
    def _customer_create(
        client: stripe.StripeClient, request: SubscriptionRequest, metadata: Mapping[str, str]
    ) -> str:
        customer = client.v1.customers.create(
            {
                "email": request.customer_email,
                "name": request.customer_name,
                "metadata": dict(metadata),
            },
            {"idempotency_key": f"{request.idempotency_key}:customer"},
        )
        return customer.id

    def checkout_start(self, request: CheckoutSubscriptionRequest) -> str:
        """A Checkout Session in subscription mode; its URL. Raises GatewayError."""
        if not request.price_id:
            raise GatewayError(_("This plan cannot be bought with Stripe yet."))
        client = self._client()
        metadata = {"reference": request.reference, **request.metadata}
        params: Any = {
            "mode": "subscription",
            "line_items": [{"price": request.price_id, "quantity": 1}],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.reference,
            "metadata": metadata,
            # The subscription's own events carry the reference that finds our row.
            "subscription_data": {"metadata": metadata},
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        else:
            params["customer_email"] = request.customer_email
        try:
            session = client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"{request.idempotency_key}:checkout"}
            )
        except stripe.StripeError as error:
            raise GatewayError(_user_message(error)) from error
        return session.url or ""

    def subscription_cancel(
        self, *, provider_subscription_id: str, idempotency_key: str
    ) -> SubscriptionState:
        """Cancel at the end of the paid period; raises GatewayError."""
        client = self._client()
        try:
            subscription = client.v1.subscriptions.update(
                provider_subscription_id,
                {"cancel_at_period_end": True},
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayError(_user_message(error)) from error
        return _state(subscription)


class SandboxBilling:
    """Subscriptions that are active at once, with no account anywhere (embedded demo, tests).

    A sandbox subscription is never renewed: it runs one period and ends.
    """

    name = "sandbox"
    instant = True

    def available(self) -> bool:
        return True

    def subscription_start(self, request: SubscriptionRequest) -> SubscriptionState:
        return SubscriptionState(
            provider_subscription_id=f"sandbox_sub_{uuid.uuid4().hex}",
            provider_customer_id=request.customer_id or f"sandbox_cus_{uuid.uuid4().hex[:16]}",
            status="active",
            current_period_end=timezone.now()
            + SANDBOX_PERIOD.get(request.interval, SANDBOX_PERIOD["month"]),
            cancel_at_period_end=False,
            client_secret="",
        )

    def subscription_cancel(
        self, *, provider_subscription_id: str, idempotency_key: str
    ) -> SubscriptionState | None:
        """Nothing to ask anyone: the services set ``cancel_at_period_end`` themselves."""
        return None


def _user_message(error: stripe.StripeError) -> str:
    """What to tell the member: Stripe's message for a card error, a generic one otherwise."""
    if isinstance(error, stripe.CardError) and error.user_message:
        return str(error.user_message)
    return _("The payment provider refused the request. Please try again later.")


BILLING_GATEWAYS: dict[str, StripeBilling | SandboxBilling] = {
    "stripe": StripeBilling(),
    "sandbox": SandboxBilling(),
}


def billing_gateway(name: str) -> StripeBilling | SandboxBilling | None:
    """The subscription gateway called ``name``, or None when it offers no subscriptions."""
    return BILLING_GATEWAYS.get(name)
