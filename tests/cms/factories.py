"""Pages for cms tests, created the way editors create them (add_child, then publish a revision)."""

from __future__ import annotations

from typing import Any

from wagtail.models import Locale, Page, Site

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


def ensure_home_pages() -> HomePage:
    """The tree the cms migrations create (root, English home, its Arabic translation, the site),
    rebuilt when a flush between transactional tests wiped it. Returns the English home."""
    existing = HomePage.objects.filter(locale__language_code="en").first()
    if existing is not None:
        return existing
    english, _ = Locale.objects.get_or_create(language_code="en")
    arabic, _ = Locale.objects.get_or_create(language_code="ar")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root", locale=english)
    )
    hero = {
        "heading": "Teach what you know. Learn what you love.",
        "text": "",
        "primary_label": "",
        "primary_link": "",
        "secondary_label": "",
        "secondary_link": "",
    }
    page = HomePage(
        title="SkillSwap",
        slug="home",
        locale=english,
        body=[
            {"type": "hero", "value": hero},
            {"type": "featured_offers", "value": {"heading": "New offers", "count": 6}},
        ],
    )
    english_home = add_page(root, page)
    translate(
        english_home,
        title="سكيل سواب",
        draft_title="سكيل سواب",
        slug="home-ar",
        body=[
            {"type": "hero", "value": hero | {"heading": "علّم ما تعرفه، وتعلّم ما تحبه."}},
            {"type": "featured_offers", "value": {"heading": "أحدث العروض", "count": 6}},
        ],
    )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": english_home,
            "site_name": "SkillSwap",
        },
    )
    return english_home
