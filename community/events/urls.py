"""Public pages of events (mounted in config/urls.py inside /en/ and /ar/)."""

app_name = "events"

urlpatterns: list = []
