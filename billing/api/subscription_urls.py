"""Subscription endpoints (premium plans, seed 004), mounted through billing/api/urls.py."""

from billing.api.subscription_views import CancelView, StatusView, SubscribeView
from config.api.routing import endpoint

urlpatterns: list = [
    endpoint("payments/subscribe", SubscribeView.as_view(), name="payments-subscribe"),
    endpoint("payments/status", StatusView.as_view(), name="payments-status"),
    endpoint(
        "payments/subscription/cancel", CancelView.as_view(), name="payments-subscription-cancel"
    ),
]
