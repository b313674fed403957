"""sitemap.xml, robots.txt and favicon.ico, unprefixed; every page has a title and a description."""

import re

import pytest

from marketplace.models import OfferStatus
from tests.cms.factories import help_index, translate
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db


def _locations(xml: str) -> list[str]:
    return re.findall(r"<loc>([^<]+)</loc>", xml)


def test_sitemap_lists_pages_of_both_locales_offers_and_profiles(client):
    # given
    index = help_index()
    arabic = translate(index, title="مركز المساعدة", draft_title="مركز المساعدة")
    offer = make_offer()
    hidden = make_offer(status=OfferStatus.PAUSED)

    # when
    response = client.get("/sitemap.xml")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    xml = response.content.decode()
    locations = _locations(xml)
    root = "http://testserver"
    assert f"{root}/en/" in locations
    assert f"{root}/ar/" in locations
    assert f"{root}{index.get_url()}" in locations
    assert f"{root}{arabic.get_url()}" in locations
    assert f"{root}/en/offers/{offer.pk}/" in locations
    assert f"{root}/ar/offers/{offer.pk}/" in locations
    assert f"{root}/en/people/{offer.owner_id}/" in locations
    assert f"{root}/en/offers/{hidden.pk}/" not in locations
    assert f"{root}/en/people/{hidden.owner_id}/" not in locations
    assert f'<xhtml:link rel="alternate" hreflang="ar" href="{root}{arabic.get_url()}"/>' in xml


def test_sitemap_runs_constant_queries(client, django_assert_num_queries):
    # given
    for _ in range(3):
        make_offer()
    with django_assert_num_queries(10) as few:
        client.get("/sitemap.xml")
    from django.core.cache import cache

    cache.clear()
    for _ in range(6):
        make_offer()

    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/sitemap.xml")


def test_robots_txt_keeps_crawlers_out_of_admin_api_and_member_pages(client):
    # when
    response = client.get("/robots.txt")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert {
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /en/me/",
        "Disallow: /ar/me/",
    } <= set(lines)
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_favicon_ico_redirects_to_the_static_icon(client):
    # when
    response = client.get("/favicon.ico")

    # then
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.ico"


def test_pages_link_the_svg_and_png_favicons(client):
    # when
    html = client.get("/en/").content.decode()

    # then
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/img/favicon.png" type="image/png" sizes="32x32">' in html
