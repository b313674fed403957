"""Community endpoints, mounted under /api/v1/ by config/api_v1.py.

Each part of the community is its own Django app under this package (its own models, migrations,
services and admin; docs/architecture.md, "Community"); this module only mounts their endpoints.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("community.forums.api.urls")),
    path("", include("community.reviews.api.urls")),
    path("", include("community.events.api.urls")),
    path("", include("community.moderation.api.urls")),
]
