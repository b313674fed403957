"""The frame every page sits in: landmarks, skip link, navigation per visitor, no inline code."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "site" / "templates"
FRAME_TEMPLATES = [
    TEMPLATES / "base.html",
    TEMPLATES / "404.html",
    TEMPLATES / "500.html",
    *sorted(TEMPLATES.glob("_*.html")),
    *sorted((TEMPLATES / "cms").rglob("*.html")),
    *sorted((TEMPLATES / "marketplace" / "public").rglob("*.html")),
]


def _nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="primary-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"', nav)


def test_anonymous_frame_has_landmarks_skip_link_and_sign_in(client):
    # when
    html = client.get("/en/").content.decode()

    # then
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    for landmark in (
        '<header class="site-header">',
        '<main id="main"',
        '<footer class="site-footer">',
    ):
        assert landmark in html
    assert _nav_links(html) == [
        "/en/",
        "/en/offers/",
        "/en/categories/",
        "/en/forums/",
        "/en/events/",
        "/en/leaderboard/",
        "/en/badges/",
        "/en/help/",
    ]
    assert 'href="/en/accounts/login/"' in html
    assert 'href="/en/accounts/signup/"' in html
    assert "notifications.js" not in html


def test_signed_in_frame_has_member_navigation_and_account_menu(client):
    # given
    client.force_login(UserFactory(display_name="Huda"))

    # when
    html = client.get("/ar/offers/").content.decode()

    # then
    assert _nav_links(html) == [
        "/ar/",
        "/ar/offers/",
        "/ar/categories/",
        "/ar/forums/",
        "/ar/events/",
        "/ar/leaderboard/",
        "/ar/badges/",
        "/ar/help/",
        "/ar/me/",
        "/ar/me/swaps/",
        "/ar/me/messages/",
        "/ar/me/wallet/",
    ]
    assert 'href="/ar/me/profile/"' in html
    assert '<form method="post" action="/ar/accounts/logout/">' in html
    assert "/static/js/notifications.js" in html
    assert 'href="/ar/accounts/login/"' not in html


def test_navigation_marks_the_current_section(client):
    # when
    html = client.get("/en/categories/").content.decode()

    # then
    assert '<a href="/en/categories/" aria-current="page">' in html


def test_messages_show_right_inside_main(client):
    # given: a message queued for the next page, as a sign-in leaves one
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Signed in as Huda.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies["messages"] = carrier.cookies["messages"].value

    # when
    html = client.get("/en/offers/").content.decode()

    # then
    main = html[html.index('<main id="main"') :]
    assert main.index('<p class="notice notice-success">Signed in as Huda.</p>') < main.index("<h1")


@pytest.mark.parametrize("template", FRAME_TEMPLATES, ids=lambda path: path.name)
def test_templates_carry_no_inline_script_or_style(template):
    # given: the Content-Security-Policy allows no inline code
    source = template.read_text(encoding="utf-8")

    # then
    assert not re.search(r"\sstyle=", source)
    assert "<style" not in source
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source)
    assert not re.search(r"\son[a-z]+=", source)
