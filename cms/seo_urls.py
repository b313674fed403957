"""Language-neutral site addresses, mounted unprefixed: sitemap.xml, robots.txt, favicon.ico."""

from django.urls import URLPattern, URLResolver, path

from cms import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]
