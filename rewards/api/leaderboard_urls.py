"""Mounted under /api/v1/ by rewards/api/urls.py: seeds 000/001's ``leaderboard/``."""

from config.api.routing import endpoint
from rewards.api.leaderboard_views import LeaderboardView

urlpatterns: list = [
    endpoint("leaderboard", LeaderboardView.as_view(), name="leaderboard"),
]
