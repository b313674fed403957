"""Every write of the billing app: ``<entity>_<action>(*, ...)``; only these write payments.

- ``payments``: ``purchase_start``, ``credits_purchase`` (seed 003), ``payment_cancel``;
- ``webhooks``: ``webhook_receive``, ``event_apply`` (exactly-once, the payment state machine);
- ``refunds``: ``payment_refund`` (staff, through the gateway), ``payment_shortfall_resolve``.

Subscriptions live in ``billing.subscriptions``.
"""

from billing.services.payments import (
    GatewayNotAvailable,
    GatewayRefused,
    PurchaseStarted,
    WalletWouldOverflow,
    credits_purchase,
    gateway_available,
    payment_cancel,
    purchase_start,
)
from billing.services.refunds import payment_refund, payment_shortfall_resolve
from billing.services.webhooks import SignatureRefused, event_apply, webhook_receive

__all__ = [
    "GatewayNotAvailable",
    "GatewayRefused",
    "PurchaseStarted",
    "SignatureRefused",
    "WalletWouldOverflow",
    "credits_purchase",
    "event_apply",
    "gateway_available",
    "payment_cancel",
    "payment_refund",
    "payment_shortfall_resolve",
    "purchase_start",
    "webhook_receive",
]
