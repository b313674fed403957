"""Template tags of the site's frame: the language switch and the hreflang alternates."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info
from wagtail.models import Page

register = template.Library()

# Each language named in itself, as a reader of that language writes it (Django's Arabic name
# carries a shadda that the site does not use).
NATIVE_NAMES = {"en": "English", "ar": "العربية"}


@dataclass(frozen=True)
class LanguageLink:
    """One locale's address of the page being shown."""

    code: str
    name: str
    url: str
    is_current: bool
    # False when the page has no translation in this language and the link falls back to that
    # language's home: such a link is no hreflang alternate.
    is_translation: bool = True


def _page_urls(page: Page, request: object) -> dict[str, str]:
    urls: dict[str, str] = {}
    for translation in [page, *page.get_translations().live().select_related("locale")]:
        url = translation.get_url(request=request)
        if url:
            urls[translation.locale.language_code] = url
    return urls


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[LanguageLink]:
    """The current page in every site language, each named in its own language.

    A Wagtail page links to its translation (the other locale's home when it has none); a Django
    view links to the same view in the other language (``django.urls.translate_url``).
    """
    if "_language_links" in context.render_context:
        return context.render_context["_language_links"]
    request = context.get("request")
    current = get_language()
    page = context.get("page")
    page_urls: dict[str, str] = {}
    if isinstance(page, Page) and page.pk:
        page_urls = _page_urls(page, request)
    path = request.get_full_path() if request is not None else "/"
    links = []
    for code, _name in settings.LANGUAGES:
        if isinstance(page, Page) and page.pk:
            url = page_urls.get(code, "")
        else:
            url = translate_url(path, code)
            if url == path and code != current:
                url = ""
        links.append(
            LanguageLink(
                code=code,
                name=NATIVE_NAMES.get(code) or get_language_info(code)["name_local"],
                url=url or f"/{code}/",
                is_current=code == current,
                is_translation=bool(url),
            )
        )
    context.render_context["_language_links"] = links
    return links


@register.simple_tag(takes_context=True)
def absolute_url(context: template.Context, url: str) -> str:
    """``url`` made absolute for the request's host (hreflang and canonical links)."""
    request = context.get("request")
    if request is None or url.startswith(("http://", "https://")):
        return url
    return request.build_absolute_uri(url)
