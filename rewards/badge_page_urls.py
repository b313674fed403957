"""Public pages, included by rewards/urls.py (inside the /en/ and /ar/ patterns)."""

urlpatterns: list = []
