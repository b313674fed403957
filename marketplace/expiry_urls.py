"""Renewing offers from the site (inside the /en/ and /ar/ patterns; under me/, so the public
page cache never stores them)."""

from django.urls import URLPattern, URLResolver, path

from marketplace import expiry_views

app_name = "marketplace_expiry"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/offers/<int:offer_id>/renew/", expiry_views.offer_renew_own, name="offer_renew"),
    path("me/offers/renew/<str:token>/", expiry_views.offer_renew_link, name="offer_renew_link"),
]
