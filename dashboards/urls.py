"""Dashboard pages (inside the /en/ and /ar/ patterns)."""

from django.urls import URLPattern, URLResolver

app_name = "dashboards"

urlpatterns: list[URLPattern | URLResolver] = []
