"""Rewards endpoints, mounted under /api/v1/ by config/api_v1.py.

``points/transfer/`` and ``credits/transfer/`` live in ``exchanges/api/urls.py``: a transfer may
name a meeting (swap), which only exchanges knows.
"""

from django.urls import include, path

from config.api.routing import endpoint
from rewards.api.views import CreditsBalanceView, PointsBalanceView, PointsTransactionListView

urlpatterns: list = [
    endpoint("points/balance", PointsBalanceView.as_view(), name="points-balance"),
    # Seed 003's name for the same balance.
    endpoint("credits/balance", CreditsBalanceView.as_view(), name="credits-balance"),
    endpoint(
        "points/transactions", PointsTransactionListView.as_view(), name="points-transactions"
    ),
    # Seed 003's name for the same list.
    endpoint(
        "credit-transactions", PointsTransactionListView.as_view(), name="credit-transactions"
    ),
    path("", include("rewards.api.badge_urls")),
    path("", include("rewards.api.leaderboard_urls")),
]
