"""The wallet page: me/wallet/ (inside the /en/ and /ar/ patterns)."""

from django.urls import URLPattern, URLResolver, path

from rewards import views

app_name = "rewards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/wallet/", views.wallet, name="wallet"),
]
