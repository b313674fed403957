"""Public pages, included by rewards/urls.py (inside the /en/ and /ar/ patterns)."""

from django.urls import path

from rewards.leaderboard_views import leaderboard

urlpatterns: list = [
    path("leaderboard/", leaderboard, name="leaderboard"),
]
