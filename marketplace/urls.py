"""Site pages of marketplace (filled in by the site's pages work)."""

from django.urls import URLPattern, URLResolver

app_name = "marketplace"

urlpatterns: list[URLPattern | URLResolver] = []
