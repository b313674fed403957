"""Public pages of billing (mounted in config/urls.py inside /en/ and /ar/)."""

app_name = "billing"

urlpatterns: list = []
