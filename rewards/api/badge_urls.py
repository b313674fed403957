"""Mounted under /api/v1/ by rewards/api/urls.py: seeds 000/001's ``achievements/``."""

from config.api.routing import endpoint
from rewards.api.badge_views import AchievementListView

urlpatterns: list = [
    endpoint("achievements", AchievementListView.as_view(), name="achievements"),
]
