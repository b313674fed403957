"""Site pages of messaging (filled in by the site's pages work)."""

from django.urls import URLPattern, URLResolver

app_name = "messaging"

urlpatterns: list[URLPattern | URLResolver] = []
