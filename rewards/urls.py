"""The wallet page: me/wallet/ (inside the /en/ and /ar/ patterns)."""

from django.urls import URLPattern, URLResolver, include, path

from rewards import views

app_name = "rewards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/wallet/", views.wallet, name="wallet"),
    path("", include("rewards.badge_page_urls")),
    path("", include("rewards.leaderboard_page_urls")),
]
