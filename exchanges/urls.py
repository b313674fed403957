"""Site pages of exchanges (filled in by the site's pages work)."""

from django.urls import URLPattern, URLResolver

app_name = "exchanges"

urlpatterns: list[URLPattern | URLResolver] = []
