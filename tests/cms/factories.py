"""Pages for cms tests, created the way editors create them (add_child, then publish a revision)."""

from __future__ import annotations

from typing import Any

from wagtail.models import Locale, Page

from cms.models import HelpArticlePage, HelpIndexPage, HomePage, LandingPage, StandardPage


def home(language: str = "en") -> HomePage:
    """The home page of ``language`` (both are created by the cms migrations)."""
    return HomePage.objects.get(locale__language_code=language)


def publish(page: Page) -> Page:
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def add_page(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    return publish(page)


def translate(page: Page, language: str = "ar", **fields: Any) -> Page:
    """The page's translation into ``language``, with ``fields`` changed, published."""
    translated = page.copy_for_translation(Locale.objects.get(language_code=language)).specific
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save()
    return publish(translated)


def text_block(html: str, heading: str = "") -> dict[str, Any]:
    return {"type": "text", "value": {"heading": heading, "text": html}}


def help_index(language: str = "en", **fields: Any) -> HelpIndexPage:
    values = {"title": "Help centre", "slug": "help"} | fields
    return add_page(home(language), HelpIndexPage(**values))


def help_article(parent: HelpIndexPage, **fields: Any) -> HelpArticlePage:
    values = {"title": "How swaps work", "slug": "how-swaps-work", "summary": ""} | fields
    return add_page(parent, HelpArticlePage(**values))


def standard_page(parent: Page | None = None, **fields: Any) -> StandardPage:
    values = {"title": "About SkillSwap", "slug": "about"} | fields
    return add_page(parent or home("en"), StandardPage(**values))


def landing_page(parent: Page | None = None, **fields: Any) -> LandingPage:
    values = {"title": "Learn a language", "slug": "learn-a-language"} | fields
    return add_page(parent or home("en"), LandingPage(**values))
