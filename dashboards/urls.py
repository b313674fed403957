"""Dashboard pages (inside the /en/ and /ar/ patterns): ``me/``, the signed-in home page."""

from django.urls import URLPattern, URLResolver, path

from dashboards import views

app_name = "dashboards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", views.home, name="home"),
]
