"""Rewards endpoints, mounted under /api/v1/ by config/api_v1.py."""

from config.api.routing import endpoint
from rewards.api.views import PointsBalanceView, PointsTransactionListView, PointsTransferView

urlpatterns: list = [
    endpoint("points/balance", PointsBalanceView.as_view(), name="points-balance"),
    endpoint(
        "points/transactions", PointsTransactionListView.as_view(), name="points-transactions"
    ),
    # Seed 003's name for the same list.
    endpoint(
        "credit-transactions", PointsTransactionListView.as_view(), name="credit-transactions"
    ),
    endpoint("points/transfer", PointsTransferView.as_view(), name="points-transfer"),
]
