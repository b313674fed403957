"""Every page type renders in English and Arabic, with the language switch on the same page."""

import re

import pytest
from wagtail.models import Locale, Page

from cms.models import HelpArticlePage, HelpIndexPage, HomePage, LandingPage, StandardPage
from community.events.models import EventIndexPage
from community.forums.models import ForumIndexPage
from tests.cms.factories import (
    help_article,
    help_index,
    home,
    landing_page,
    standard_page,
    text_block,
    translate,
)
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db

# A page's queries once Wagtail's site root paths are cached (the first request of a test warms
# them): routing, the page, its translations, and for the home page the live offers block.
HOME_QUERIES = 14
HELP_QUERIES = 13


def _switch_links(html: str) -> dict[str, str]:
    """The language switch's links: {language code: href}."""
    nav = re.search(r'<nav class="language-switch".*?</nav>', html, re.S).group(0)
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" lang="(\w+)"', nav)}


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))


def _pages_in_both_languages():
    index = help_index(intro="<p>Answers.</p>")
    article = help_article(
        index, summary="Request, meet, review.", body=[text_block("<p>Ask.</p>")]
    )
    about = standard_page(intro="Who we are.", body=[text_block("<p>We swap.</p>")])
    landing = landing_page(
        body=[
            {
                "type": "hero",
                "value": {
                    "heading": "Learn a language",
                    "text": "",
                    "primary_label": "",
                    "primary_link": "",
                    "secondary_label": "",
                    "secondary_link": "",
                },
            }
        ]
    )
    arabic_index = translate(index, title="مركز المساعدة", draft_title="مركز المساعدة")
    translate(article, title="كيف تعمل المقايضات", draft_title="كيف تعمل المقايضات")
    translate(about, title="عن سكيل سواب", draft_title="عن سكيل سواب")
    translate(landing, title="تعلّم لغة", draft_title="تعلّم لغة")
    return {
        "help": index,
        "article": article,
        "about": about,
        "landing": landing,
        "ar": arabic_index,
    }


@pytest.mark.parametrize("kind", ["home", "help", "article", "about", "landing"])
def test_every_page_type_renders_in_both_languages_and_switches_to_its_translation(client, kind):
    # given
    pages = _pages_in_both_languages()
    english = home("en") if kind == "home" else pages[kind]
    arabic = english.get_translation(Locale.objects.get(language_code="ar"))
    english_url, arabic_url = english.get_url(), arabic.get_url()

    # when
    english_response = client.get(english_url)
    arabic_response = client.get(arabic_url)

    # then
    assert english_url.startswith("/en/")
    assert arabic_url.startswith("/ar/")
    assert english_response.status_code == 200
    assert arabic_response.status_code == 200
    english_html = english_response.content.decode()
    arabic_html = arabic_response.content.decode()
    assert '<html lang="en" dir="ltr">' in english_html
    assert '<html lang="ar" dir="rtl">' in arabic_html
    assert _switch_links(english_html) == {"ar": arabic_url}
    assert _switch_links(arabic_html) == {"en": english_url}
    assert english_html.count("<h1") == 1
    assert arabic_html.count("<h1") == 1
    assert f"<title>{arabic.seo_title or arabic.title}" in arabic_html


def test_language_switch_is_labelled_in_its_own_language(client):
    # when
    english = client.get("/en/").content.decode()
    arabic = client.get("/ar/").content.decode()

    # then
    assert 'lang="ar" hreflang="ar" dir="rtl" data-language-link>العربية</a>' in english
    assert 'lang="en" hreflang="en" dir="ltr" data-language-link>English</a>' in arabic


def test_page_head_has_hreflang_alternates_and_a_description(client):
    # given
    about = standard_page(search_description="Who runs SkillSwap.")
    arabic = translate(about, title="عن سكيل سواب", draft_title="عن سكيل سواب")

    # when
    html = client.get(about.get_url()).content.decode()

    # then
    assert _alternates(html) == {
        "en": f"http://testserver{about.get_url()}",
        "ar": f"http://testserver{arabic.get_url()}",
        "x-default": f"http://testserver{about.get_url()}",
    }
    assert '<meta name="description" content="Who runs SkillSwap.">' in html


def test_page_without_translation_switches_to_the_other_home(client):
    # given
    about = standard_page()

    # when
    html = client.get(about.get_url()).content.decode()

    # then: the switch leads to the Arabic home, and no alternate claims it is this page
    assert _switch_links(html) == {"ar": "/ar/"}
    assert _alternates(html) == {
        "en": f"http://testserver{about.get_url()}",
        "x-default": f"http://testserver{about.get_url()}",
    }


def test_home_page_shows_live_featured_offers_and_categories(client):
    # given
    offer = make_offer(title="Oud for beginners")

    # when
    html = client.get("/en/").content.decode()

    # then
    assert "Oud for beginners" in html
    assert f'href="/en/offers/{offer.pk}/"' in html
    assert f'href="/en/offers/?category={offer.category.slug}"' in html


def test_add_child_page_types_are_sensible():
    # then
    assert set(HomePage.allowed_subpage_models()) == {
        StandardPage,
        HelpIndexPage,
        LandingPage,
        ForumIndexPage,
        EventIndexPage,
    }
    assert HelpIndexPage.allowed_subpage_models() == [HelpArticlePage]
    assert HelpArticlePage.allowed_parent_page_models() == [HelpIndexPage]
    assert StandardPage.can_create_at(home("en"))
    assert not HelpArticlePage.can_create_at(home("en"))


def test_every_page_type_has_seo_panels_and_search_fields():
    for model in (HomePage, StandardPage, HelpIndexPage, HelpArticlePage, LandingPage):
        fields = set(model.get_edit_handler().get_form_options()["fields"])
        assert {"seo_title", "search_description"} <= fields, model
        assert {field.field_name for field in model.search_fields} >= {"title"}, model


def test_help_search_finds_articles_in_each_language(client):
    # given
    index = help_index()
    article = help_article(index, title="Cancel a swap", slug="cancel", summary="Before it starts.")
    help_article(index, title="Points", slug="points", summary="Earn and spend.")
    arabic_index = translate(index, title="مركز المساعدة", draft_title="مركز المساعدة")
    translate(article, title="إلغاء المقايضة", draft_title="إلغاء المقايضة")

    # when
    english = client.get(index.get_url(), {"q": "cancel"}).content.decode()
    arabic = client.get(arabic_index.get_url(), {"q": "إلغاء"}).content.decode()

    # then
    assert "Cancel a swap" in english
    assert ">Points<" not in english
    assert "إلغاء المقايضة" in arabic


def test_help_search_without_match_says_so(client):
    # given
    index = help_index()
    help_article(index)

    # when
    html = client.get(index.get_url(), {"q": "zzzzqqq"}).content.decode()

    # then
    assert "No article matches your search." in html


def test_home_is_the_only_root_page_per_locale():
    # then
    assert Page.objects.filter(depth=2).count() == 2


def test_home_page_runs_constant_queries(client, django_assert_num_queries, settings):
    # given
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    make_offer()
    client.get("/en/")
    with django_assert_num_queries(HOME_QUERIES) as few:
        client.get("/en/")
    for _ in range(5):
        make_offer()

    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/en/")


def test_help_index_runs_constant_queries(client, django_assert_num_queries, settings):
    # given
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    index = help_index()
    help_article(index, slug="one")
    client.get(index.get_url())
    with django_assert_num_queries(HELP_QUERIES):
        client.get(index.get_url())
    for number in range(5):
        help_article(index, slug=f"more-{number}")

    # when / then
    with django_assert_num_queries(HELP_QUERIES):
        client.get(index.get_url())
