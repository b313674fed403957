"""Public marketplace pages, under /<lang>/ (config/urls.py mounts this module)."""

from django.urls import URLPattern, URLResolver, path

from marketplace import views

app_name = "marketplace"

urlpatterns: list[URLPattern | URLResolver] = [
    path("offers/", views.offer_list, name="offer_list"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("categories/", views.category_list, name="category_list"),
    path("people/<int:user_id>/", views.profile, name="profile"),
]
