"""The public site answers in English and Arabic, right-to-left for Arabic."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "lang", "direction", "heading"),
    [
        ("/en/", "en", "ltr", "Teach what you know. Learn what you love."),
        ("/ar/", "ar", "rtl", "علّم ما تعرفه، وتعلّم ما تحبه."),
    ],
)
def test_home_page_in_each_language(client, path, lang, direction, heading):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert heading in html


def test_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 302
    assert response["Location"] == "/ar/"


def test_wagtail_admin_is_the_only_admin(client, settings):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"wagtail" in response.content.lower()
    assert "django.contrib.admin" not in settings.INSTALLED_APPS


def test_both_locales_exist_with_translated_home_pages():
    from wagtail.models import Locale

    from cms.models import HomePage

    english = HomePage.objects.get(locale__language_code="en")
    arabic = english.get_translation(Locale.objects.get(language_code="ar"))

    assert arabic.live
    assert arabic.title == "سكيل سواب"
