"""Public pages of moderation (mounted in config/urls.py inside /en/ and /ar/)."""

app_name = "moderation"

urlpatterns: list = []
