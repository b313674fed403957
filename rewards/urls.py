"""Site pages of rewards (filled in by the site's pages work)."""

from django.urls import URLPattern, URLResolver

app_name = "rewards"

urlpatterns: list[URLPattern | URLResolver] = []
