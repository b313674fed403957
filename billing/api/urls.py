"""Billing endpoints, mounted under /api/v1/ by config/api_v1.py."""

from django.urls import include, path

urlpatterns: list = [
    # Premium plans: payments/subscribe/, payments/status/, payments/subscription/cancel.
    path("", include("billing.api.subscription_urls")),
]
