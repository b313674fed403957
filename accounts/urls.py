"""Site pages of accounts: allauth's browser flows under /<lang>/accounts/, and the member's pages."""

from django.urls import URLPattern, URLResolver, include, path

# No app_name: allauth reverses its own names (account_login, …) without a namespace.
urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", include("allauth.urls")),
]
