"""cms.demo seeds the page trees of both locales, as translations, once."""

from io import StringIO

import pytest
from wagtail.models import Locale

from cms import demo
from cms.models import HelpArticlePage, HelpIndexPage, HomePage, LandingPage, StandardPage
from demo.context import DemoContext

pytestmark = pytest.mark.django_db


def _seed() -> DemoContext:
    context = DemoContext(users=4, stdout=StringIO())
    demo.seed(context)
    return context


def test_demo_seeds_both_locales_as_translations(client):
    # when
    _seed()

    # then
    arabic = Locale.objects.get(language_code="ar")
    for model, count in (
        (HelpIndexPage, 1),
        (HelpArticlePage, 3),
        (StandardPage, 1),
        (LandingPage, 1),
    ):
        english = model.objects.filter(locale__language_code="en", live=True)
        assert english.count() == count, model
        for page in english:
            translation = page.get_translation(arabic)
            assert translation.live
            assert translation.title != page.title
    for language in ("en", "ar"):
        home = HomePage.objects.get(locale__language_code=language)
        kinds = [block.block_type for block in home.body]
        assert kinds[0] == "hero"
        assert {"featured_categories", "featured_offers", "call_to_action"} <= set(kinds)


@pytest.mark.parametrize(
    "path", ["/en/help/", "/ar/help/", "/en/about/", "/ar/about/", "/en/learn-a-language/"]
)
def test_demo_pages_render(client, path):
    # given
    _seed()

    # when
    response = client.get(path)

    # then
    assert response.status_code == 200


def test_demo_arabic_help_centre_lists_arabic_articles(client):
    # given
    _seed()

    # when
    html = client.get("/ar/help/").content.decode()

    # then
    assert "كيف تعمل المقايضات" in html
    assert "النقاط ومحفظتك" in html


def test_demo_twice_creates_nothing_new():
    # given
    first = _seed()

    # when
    second = _seed()

    # then
    assert first.created["help pages"] == 8
    assert second.created == {}
