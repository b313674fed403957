"""Site pages of accounts (filled in by the site's pages work)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
