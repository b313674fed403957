"""Language-neutral site addresses: sitemap.xml, robots.txt (cms/seo_urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_GET
from wagtail.models import Site

from cms import selectors

# Never crawled: the admin, the API and every member's own pages in each language.
ROBOTS_DISALLOW = (
    "/admin/",
    "/api/",
    "/me/",
    "/en/me/",
    "/ar/me/",
    "/accounts/",
    "/en/accounts/",
    "/ar/accounts/",
)


@require_GET
@cache_page(60 * 60)
def sitemap(request: HttpRequest) -> HttpResponse:
    """Every public page in both languages, with its hreflang alternates."""
    site = Site.find_for_request(request) or Site.objects.get(is_default_site=True)
    root_url = request.build_absolute_uri("/").rstrip("/")
    entries = selectors.sitemap_entry_list(site=site, root_url=root_url)
    return render(
        request,
        "cms/sitemap.xml",
        {"entries": entries},
        content_type="application/xml; charset=utf-8",
    )


@require_GET
def robots(request: HttpRequest) -> HttpResponse:
    """Crawl the public site, never the admin, the API or members' pages."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers that ask for /favicon.ico get the static icon (hashed name in production)."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
