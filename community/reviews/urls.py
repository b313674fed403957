"""Public pages of reviews (mounted in config/urls.py inside /en/ and /ar/)."""

app_name = "reviews"

urlpatterns: list = []
