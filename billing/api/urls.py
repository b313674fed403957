"""Billing endpoints, mounted under /api/v1/ by config/api_v1.py (seed names: docs/api.md)."""

from django.urls import include, path

from billing.api.views import (
    CreditsPurchaseView,
    PackageListView,
    PaymentHistoryView,
    PaymobPurchaseView,
    PayPalPurchaseView,
    PurchaseView,
    StripePurchaseView,
    WebhookView,
)
from config.api.routing import endpoint

urlpatterns: list = [
    endpoint("points/packages", PackageListView.as_view(), name="points-packages"),
    endpoint("points/purchase", PurchaseView.as_view(), name="points-purchase"),
    endpoint("payments/stripe", StripePurchaseView.as_view(), name="payments-stripe"),
    endpoint("payments/paypal", PayPalPurchaseView.as_view(), name="payments-paypal"),
    endpoint("payments/paymob", PaymobPurchaseView.as_view(), name="payments-paymob"),
    endpoint(
        "payments/purchase_credits", CreditsPurchaseView.as_view(), name="payments-purchase-credits"
    ),
    endpoint("payments/history", PaymentHistoryView.as_view(), name="payments-history"),
    endpoint("payments/webhooks/<slug:gateway>", WebhookView.as_view(), name="payments-webhook"),
    # Premium plans: payments/subscribe/, payments/status/, payments/subscription/cancel.
    path("", include("billing.api.subscription_urls")),
]
