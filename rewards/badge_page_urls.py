"""Public pages, included by rewards/urls.py (inside the /en/ and /ar/ patterns)."""

from django.urls import path

from rewards import badge_views

urlpatterns: list = [
    path("badges/", badge_views.badge_gallery, name="badges"),
]
