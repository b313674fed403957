"""404 and 500 pages are styled, in the visitor's language, and never a debug page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_404_is_styled_in_arabic(client):
    # when
    response = client.get("/ar/no-such-page/")

    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="error-page' in html
    assert '<a class="btn btn-primary" href="/ar/">' in html
    assert "X-Page-Cache" not in response


def test_404_is_styled_in_english(client):
    # when
    response = client.get("/en/no-such-page/")

    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "<h1>Page not found</h1>" in html


@pytest.mark.parametrize(("lang", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_500_is_styled_without_context_processors_and_without_a_traceback(
    monkeypatch, settings, lang, direction
):
    # given: a view that fails, in production mode
    from marketplace import selectors

    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "category_list", broken)
    client = Client(raise_request_exception=False)

    # when
    response = client.get(f"/{lang}/categories/")

    # then
    assert response.status_code == 500
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert 'class="error-page' in html
    assert "/static/css/site.css" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_500_template_renders_with_no_request_and_no_database(django_assert_num_queries):
    # given
    from django.template import loader

    # when
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    # then
    assert 'class="error-page' in html
