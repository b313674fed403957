"""``/api/v1/``: mounts every app's ``api/urls.py`` (docs/api.md)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from config.api.errors import api_not_found
from config.api.health import HealthView
from config.api.routing import endpoint

app_name = "api_v1"

urlpatterns = [
    endpoint("health", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("", include("accounts.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("rewards.api.urls")),
    path("", include("exchanges.api.urls")),
    path("", include("messaging.api.urls")),
    path("", include("community.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("dashboards.api.urls")),
    # Last: any other path under /api/v1/ is a 404 in the error shape, DEBUG or not.
    re_path(r"^.*$", api_not_found),
]
