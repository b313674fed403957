"""Public pages of forums (mounted in config/urls.py inside /en/ and /ar/)."""

app_name = "forums"

urlpatterns: list = []
