"""The public marketplace pages: offers, an offer, categories and profiles, in English and Arabic.

The offer list applies the API's filter set, so a query finds the same offers on the page and at
GET /api/v1/offers/ (docs/api.md, offers).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from marketplace.models import OfferMode, OfferStatus
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import (
    CategoryFactory,
    SkillFactory,
    SlotFactory,
    UserSkillFactory,
    make_offer,
)

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return re.findall(
        r'<h[23] class="offer-title"><a href="/\w\w/offers/\d+/"><bdi>([^<]+)</bdi></a></h[23]>',
        response.content.decode(),
    )


def _switch(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="language-switch".*?</nav>', html, re.S).group(0)
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" lang="(\w+)"', nav)}


@pytest.fixture
def no_page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0


@pytest.mark.parametrize(("lang", "direction", "other"), [("en", "ltr", "ar"), ("ar", "rtl", "en")])
@pytest.mark.parametrize("page", ["offers/", "categories/", "offer", "profile"])
def test_every_public_page_in_each_language_switches_to_itself(
    client, lang, direction, other, page
):
    # given
    offer = make_offer(title="Python tutoring")
    path = {
        "offers/": "offers/",
        "categories/": "categories/",
        "offer": f"offers/{offer.pk}/",
        "profile": f"people/{offer.owner_id}/",
    }[page]

    # when
    response = client.get(f"/{lang}/{path}")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert _switch(html) == {other: f"/{other}/{path}"}
    assert html.count("<h1") == 1
    assert '<meta name="description" content="' in html


def test_offer_list_shows_category_names_in_arabic(client):
    # given
    category = CategoryFactory(name_en="Music", name_ar="الموسيقى")
    make_offer(title="Oud lessons", category=category)

    # when
    html = client.get("/ar/offers/").content.decode()

    # then
    assert "الموسيقى" in html
    assert "Oud lessons" in html


def test_offer_search_finds_an_arabic_word(client):
    # given
    make_offer(title="دروس البرمجة بلغة بايثون")
    make_offer(title="Guitar for beginners")

    # when
    response = client.get("/ar/offers/", {"q": "برمجة"})

    # then
    assert _titles(response) == ["دروس البرمجة بلغة بايثون"]


@pytest.mark.postgres
def test_offer_search_with_an_arabic_typo_finds_the_offer(client):
    # given: "البرمجه" is typed with ه for ة and "بايتون" with ت for ث
    make_offer(title="دروس البرمجة بلغة بايثون", description="تعلم بايثون من الصفر")
    make_offer(title="Guitar for beginners")

    # when
    response = client.get("/ar/offers/", {"q": "بايتون"})

    # then
    assert _titles(response) == ["دروس البرمجة بلغة بايثون"]


@pytest.mark.postgres
def test_offer_search_with_an_english_typo_finds_the_offer(client):
    # given
    make_offer(title="Python for data analysis")
    make_offer(title="Guitar for beginners")

    # when
    response = client.get("/en/offers/", {"q": "pyhton"})

    # then
    assert _titles(response) == ["Python for data analysis"]


def test_offer_list_matches_the_api_for_the_same_filters(client, api_client):
    # given
    music = CategoryFactory(slug="music")
    make_offer(title="Cheap online oud", category=music, price_points=5)
    make_offer(title="Dear online oud", category=music, price_points=50)
    make_offer(title="Offline oud", category=music, mode=OfferMode.OFFLINE, location="Cairo")
    make_offer(title="Online python", price_points=5)
    query = {"category": "music", "mode": "online", "price_max": "10", "ordering": "price"}

    # when
    page = client.get("/en/offers/", query)
    api = api_client.get("/api/v1/offers/", query)

    # then
    assert _titles(page) == ["Cheap online oud"]
    assert [offer["title"] for offer in api.json()["results"]] == ["Cheap online oud"]


def test_offer_list_filters_by_location_and_orders_by_price(client):
    # given
    make_offer(title="Cairo pottery", mode=OfferMode.OFFLINE, location="Cairo", price_points=30)
    make_offer(title="Cairo cooking", mode=OfferMode.OFFLINE, location="Cairo", price_points=10)
    make_offer(title="Amman cooking", mode=OfferMode.OFFLINE, location="Amman")

    # when
    response = client.get("/en/offers/", {"location": "cairo", "ordering": "-price"})

    # then
    assert _titles(response) == ["Cairo pottery", "Cairo cooking"]


def test_offer_list_refuses_an_invalid_filter_in_arabic_and_lists_nothing(client):
    # given
    make_offer(title="Guitar")

    # when
    response = client.get("/ar/offers/", {"mode": "teleport"})

    # then
    assert response.status_code == 200
    assert _titles(response) == []
    assert 'class="errorlist"' in response.content.decode()


def test_offer_list_hides_paused_and_removed_offers(client):
    # given
    make_offer(title="Visible")
    make_offer(title="Paused", status=OfferStatus.PAUSED)

    # when
    response = client.get("/en/offers/")

    # then
    assert _titles(response) == ["Visible"]


def test_offer_list_paginates_twenty_a_page_and_keeps_the_query(client):
    # given
    now = timezone.now()
    for number in range(23):
        make_offer(title=f"Guitar {number:02d}", created_at=now - dt.timedelta(minutes=number))

    # when
    first = client.get("/en/offers/", {"q": "guitar", "ordering": "newest"})
    second = client.get("/en/offers/", {"q": "guitar", "ordering": "newest", "page": "2"})
    beyond = client.get("/en/offers/", {"page": "9"})

    # then
    assert _titles(first) == [f"Guitar {number:02d}" for number in range(20)]
    assert _titles(second) == ["Guitar 20", "Guitar 21", "Guitar 22"]
    assert 'href="?q=guitar&amp;ordering=newest&amp;page=2" rel="next"' in first.content.decode()
    assert beyond.status_code == 404


def test_offer_list_runs_constant_queries(client, django_assert_num_queries, no_page_cache):
    # given
    for number in range(3):
        make_offer(title=f"Few {number}")
    with django_assert_num_queries(6):
        client.get("/en/offers/")
    for number in range(15):
        make_offer(title=f"Many {number}")

    # when / then
    with django_assert_num_queries(6):
        response = client.get("/en/offers/")
    assert len(_titles(response)) == 18


def test_offer_detail_links_to_the_swap_request_and_the_profile(client):
    # given
    offer = make_offer(title="Oud", desired=[SkillFactory(name_en="Cooking")])

    # when
    html = client.get(f"/en/offers/{offer.pk}/").content.decode()

    # then
    assert f'href="/en/me/swaps/new/?offer={offer.pk}"' in html
    assert f'href="/en/people/{offer.owner_id}/"' in html
    assert "Cooking" in html


def test_offer_detail_of_a_paused_offer_is_a_styled_404(client):
    # given
    offer = make_offer(status=OfferStatus.PAUSED)

    # when
    response = client.get(f"/ar/offers/{offer.pk}/")

    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert 'class="error-page' in html


def test_offer_detail_runs_constant_queries(client, django_assert_num_queries, no_page_cache):
    # given
    offer = make_offer(offered=[SkillFactory(), SkillFactory()], desired=[SkillFactory()])

    # when / then
    with django_assert_num_queries(4):
        client.get(f"/en/offers/{offer.pk}/")


def test_category_list_links_each_category_to_its_offers(client, django_assert_num_queries):
    # given
    parent = CategoryFactory(name_en="Programming", name_ar="البرمجة", slug="programming")
    CategoryFactory(name_en="Web", name_ar="الويب", slug="web", parent=parent)

    # when
    with django_assert_num_queries(1):
        html = client.get("/ar/categories/").content.decode()

    # then
    assert '<a href="/ar/offers/?category=programming">البرمجة</a>' in html
    assert '<a href="/ar/offers/?category=web">الويب</a>' in html


def test_profile_shows_skills_rating_and_availability_in_the_viewers_time_zone(client):
    # given: the member is free Mondays 09:00-10:00 in Cairo; the viewer reads in Tokyo
    member = UserFactory(display_name="Huda", time_zone="Africa/Cairo", rating_count=2)
    member.rating_average = "4.50"
    member.save()
    UserSkillFactory(user=member, skill=SkillFactory(name_en="Oud"), direction="offered")
    UserSkillFactory(user=member, skill=SkillFactory(name_en="Python"), direction="wanted")
    SlotFactory(user=member, day_of_week=0, start_time=dt.time(9), end_time=dt.time(10))
    viewer = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(viewer)

    # when
    html = client.get(f"/en/people/{member.pk}/").content.decode()

    # then: 09:00 in Cairo is 16:00 (winter) or 15:00 (summer) in Tokyo
    assert "Huda" in html
    assert '<span class="badge">Oud</span> <span class="muted">Intermediate</span>' in html
    assert "Python" in html
    assert "4.5" in html
    assert "Asia/Tokyo" in html
    assert re.search(r"Monday \d+ \w+, 1[56]:00</time> – <time[^>]*>1[67]:00", html)


def test_profile_of_a_deleted_member_is_404(client):
    # given
    member = UserFactory(deleted_at=timezone.now())

    # when
    response = client.get(f"/en/people/{member.pk}/")

    # then
    assert response.status_code == 404


def test_profile_runs_constant_queries(client, django_assert_num_queries, no_page_cache):
    # given
    member = UserFactory()
    for _ in range(4):
        UserSkillFactory(user=member)
        SlotFactory(user=member)
        make_offer(owner=member)

    # when / then (the badges section is one query of its own)
    with django_assert_num_queries(8):
        client.get(f"/en/people/{member.pk}/")
