"""Events endpoints, mounted under /api/v1/ through community/api/urls.py."""

urlpatterns: list = []
