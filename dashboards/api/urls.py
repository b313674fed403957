"""Dashboard endpoints, mounted under /api/v1/ by config/api_v1.py."""

urlpatterns: list = []
