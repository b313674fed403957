"""Every non-trivial read of the cms app: ``<entity>_list`` / ``<entity>_get``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page, Site

from marketplace.models import Offer
from marketplace.selectors import offer_listed_q


@dataclass(frozen=True)
class SitemapEntry:
    """One address of the sitemap and its translations (``hreflang`` alternates)."""

    location: str
    lastmod: dt.datetime | None = None
    alternates: dict[str, str] = field(default_factory=dict)


def _page_entries(site: Site, root_url: str) -> list[SitemapEntry]:
    """Live public pages of every locale's tree, each with its live translations."""
    roots = site.root_page.get_translations(inclusive=True)
    pages: list[Page] = []
    for root in roots:
        pages.extend(root.get_descendants(inclusive=True).live().public().select_related("locale"))
    by_key: dict[object, dict[str, str]] = {}
    urls: dict[int, str] = {}
    for page in pages:
        relative = page.get_url(current_site=site)
        if not relative:
            continue
        url = relative if relative.startswith("http") else f"{root_url}{relative}"
        urls[page.pk] = url
        by_key.setdefault(page.translation_key, {})[page.locale.language_code] = url
    return [
        SitemapEntry(
            location=urls[page.pk],
            lastmod=page.last_published_at,
            alternates=by_key.get(page.translation_key, {}),
        )
        for page in pages
        if page.pk in urls
    ]


def _localized_entries(
    root_url: str, name: str, rows: list[tuple[int, dt.datetime | None]]
) -> list[SitemapEntry]:
    entries: list[SitemapEntry] = []
    for pk, lastmod in rows:
        alternates = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                alternates[code] = f"{root_url}{reverse(name, args=[pk])}"
        entries.extend(
            SitemapEntry(location=url, lastmod=lastmod, alternates=alternates)
            for url in alternates.values()
        )
    return entries


def sitemap_entry_list(*, site: Site, root_url: str) -> list[SitemapEntry]:
    """The site's public addresses: Wagtail pages in both locales, active offers, and the
    profiles of members who list at least one of them."""
    entries = _page_entries(site, root_url)
    offers = Offer.objects.filter(offer_listed_q()).order_by("pk")
    entries += _localized_entries(
        root_url, "marketplace:offer_detail", list(offers.values_list("pk", "updated_at"))
    )
    members = (
        get_user_model()
        .objects.filter(is_active=True, deleted_at__isnull=True)
        .filter(Exists(offers.filter(owner_id=OuterRef("pk"))))
        .annotate(lastmod=Max("offers__updated_at"))
        .order_by("pk")
    )
    entries += _localized_entries(
        root_url, "marketplace:profile", list(members.values_list("pk", "lastmod"))
    )
    return entries
