"""Premium subscriptions: start, cancel, and the webhook path that keeps their status.

h5's webhook service calls ``subscription_event_apply`` for subscription and invoice events.
"""

from __future__ import annotations

from billing.gateways.base import GatewayEvent


def subscription_event_apply(*, event: GatewayEvent) -> None:
    """Apply one verified subscription or invoice event (idempotent, order-independent)."""
    return None
