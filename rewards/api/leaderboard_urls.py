"""Mounted under /api/v1/ by rewards/api/urls.py."""

urlpatterns: list = []
