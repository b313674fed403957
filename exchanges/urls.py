"""The member's pages that read swaps: me/preferences/, me/swaps/…, and offers/<id>/request/ (the
offer page's "Request a swap" address). The dashboard, me/, is ``dashboards:home``."""

from django.urls import URLPattern, URLResolver, path

from exchanges import views

app_name = "exchanges"


urlpatterns: list[URLPattern | URLResolver] = [
    path("me/preferences/", views.preferences_edit, name="preferences"),
    path("me/swaps/", views.swap_list, name="swap_list"),
    path("me/swaps/new/", views.swap_new, name="swap_new"),
    path("offers/<int:offer_id>/request/", views.swap_request_redirect, name="offer_request"),
    path("me/swaps/<int:swap_id>/", views.swap_detail, name="swap_detail"),
    path("me/swaps/<int:swap_id>/reschedule/", views.swap_reschedule, name="swap_reschedule"),
    path("me/swaps/<int:swap_id>/<slug:action>/", views.swap_move, name="swap_move"),
]
