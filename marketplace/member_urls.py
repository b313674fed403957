"""The member's offers: me/offers/… (inside the /en/ and /ar/ patterns)."""

from django.urls import URLPattern, URLResolver, path

from marketplace import member_views

app_name = "marketplace_member"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/offers/", member_views.offer_list, name="offer_list"),
    path("me/offers/new/", member_views.offer_new, name="offer_new"),
    path("me/offers/<int:offer_id>/edit/", member_views.offer_edit, name="offer_edit"),
    path("me/offers/<int:offer_id>/pause/", member_views.offer_pause, name="offer_pause"),
    path("me/offers/<int:offer_id>/resume/", member_views.offer_resume, name="offer_resume"),
    path("me/offers/<int:offer_id>/remove/", member_views.offer_remove, name="offer_remove"),
]
