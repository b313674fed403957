"""The real routes plus the exchanges site pages, as config/urls.py mounts them."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    *i18n_patterns(path("", include("exchanges.urls")), prefix_default_language=True),
    *site_urlpatterns,
]
