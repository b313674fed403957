"""The member's billing pages (mounted in config/urls.py inside /en/ and /ar/)."""

from django.urls import URLPattern, URLResolver, path

from billing import views

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/wallet/buy/", views.buy, name="buy"),
    path("me/wallet/buy/<int:payment_id>/done/", views.buy_done, name="buy_done"),
    path("me/wallet/buy/<int:payment_id>/status/", views.buy_status, name="buy_status"),
    path("me/wallet/buy/cancelled/", views.buy_cancelled, name="buy_cancelled"),
    # The default BILLING_SUCCESS_URL / BILLING_CANCEL_URL addresses (?payment=<id>).
    path("wallet/buy/success/", views.buy_return, name="buy_return"),
    path("wallet/buy/cancel/", views.buy_return_cancel, name="buy_return_cancel"),
    path("me/billing/", views.billing, name="billing"),
    path("me/billing/subscribe/", views.subscribe, name="subscribe"),
    path("me/billing/cancel/", views.cancel, name="cancel"),
]
