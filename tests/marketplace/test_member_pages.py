"""The member's offers pages: list, create, edit, pause/resume, remove, through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import Offer, OfferStatus
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer

pytestmark = pytest.mark.django_db

PAGES = ["/en/me/offers/", "/en/me/offers/new/"]


def _form(category, **changes):
    data = {
        "title": "Arabic calligraphy",
        "description": "Reed pens <and> ink",
        "category": str(category.pk),
        "offered_skills": "Calligraphy, Drawing",
        "desired_skills": "Python",
        "mode": "online",
        "location": "",
        "language": "ar",
        "price_points": "0",
        "session_minutes": "60",
        "status": "active",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("path", [*PAGES, "/ar/me/offers/1/edit/"])
def test_anonymous_visitors_are_sent_to_the_localized_login(client, path):
    # when
    response = client.get(path)
    # then
    assert response.status_code == 302
    language = path.split("/")[1]
    assert response["Location"] == f"/{language}/accounts/login/?next={path}"


def test_my_offers_lists_only_mine_and_not_removed(client):
    # given
    owner = UserFactory()
    mine = make_offer(owner=owner, title="Mine active")
    paused = make_offer(owner=owner, title="Mine paused", status="paused")
    removed = make_offer(owner=owner, title="Mine removed")
    Offer.objects.filter(pk=removed.pk).update(status=OfferStatus.REMOVED)
    make_offer(title="Somebody else's")
    client.force_login(owner)
    # when
    html = client.get("/en/me/offers/").content.decode()
    # then
    assert mine.title in html
    assert paused.title in html
    assert "Mine removed" not in html
    assert "Somebody else" not in html


def test_my_offers_query_count_does_not_grow(client, django_assert_num_queries):
    # given
    owner = UserFactory()
    category = CategoryFactory()
    make_offer(owner=owner, category=category)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/me/offers/")
    for index in range(6):
        make_offer(owner=owner, title=f"Offer {index}", category=category)
    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/en/me/offers/")
    assert response.status_code == 200


def test_create_an_offer_through_the_form(client):
    # given
    owner = UserFactory()
    category = CategoryFactory()
    SkillFactory(name_en="Calligraphy", category=category)
    client.force_login(owner)
    # when
    response = client.post("/en/me/offers/new/", _form(category))
    # then
    assert response.status_code == 302
    assert response["Location"] == "/en/me/offers/"
    offer = Offer.objects.get(owner=owner)
    assert (offer.title, offer.description, offer.language) == (
        "Arabic calligraphy",
        "Reed pens <and> ink",
        "ar",
    )
    assert [skill.name for skill in offer.offered_skills.order_by("id")][0] == "Calligraphy"


def test_create_refusals_rerender_with_the_services_errors(client):
    # given: a member who is not an expert asks a price; an in-person offer without a place
    owner = UserFactory()
    category = CategoryFactory()
    client.force_login(owner)
    # when
    priced = client.post("/ar/me/offers/new/", _form(category, price_points="50"))
    offline = client.post("/en/me/offers/new/", _form(category, mode="offline"))
    # then
    assert priced.status_code == 400
    assert 'dir="rtl"' in priced.content.decode()
    assert offline.status_code == 400
    assert "A location is required for in-person offers." in offline.content.decode()
    assert not Offer.objects.filter(owner=owner).exists()


def test_edit_my_offer(client):
    # given
    owner = UserFactory()
    offer = make_offer(owner=owner, title="Old title")
    client.force_login(owner)
    form = _form(offer.category, title="New title")
    # when
    page = client.get(f"/en/me/offers/{offer.pk}/edit/")
    response = client.post(f"/en/me/offers/{offer.pk}/edit/", form)
    # then
    assert page.status_code == 200
    assert "Old title" in page.content.decode()
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.title == "New title"


def test_another_members_offer_is_a_404_and_unchanged(client):
    # given
    offer = make_offer(title="Not yours")
    client.force_login(UserFactory())
    # when
    edit = client.post(f"/en/me/offers/{offer.pk}/edit/", _form(offer.category, title="Hacked"))
    pause = client.post(f"/en/me/offers/{offer.pk}/pause/")
    remove = client.post(f"/en/me/offers/{offer.pk}/remove/")
    # then
    assert (edit.status_code, pause.status_code, remove.status_code) == (404, 404, 404)
    offer.refresh_from_db()
    assert (offer.title, offer.status) == ("Not yours", "active")


def test_pause_resume_and_remove(client):
    # given
    owner = UserFactory()
    offer = make_offer(owner=owner)
    client.force_login(owner)
    # when / then
    client.post(f"/en/me/offers/{offer.pk}/pause/")
    offer.refresh_from_db()
    assert offer.status == "paused"
    client.post(f"/en/me/offers/{offer.pk}/resume/")
    offer.refresh_from_db()
    assert offer.status == "active"
    response = client.post(f"/en/me/offers/{offer.pk}/remove/", follow=True)
    offer.refresh_from_db()
    assert offer.status == "removed"
    assert "Your offer was removed." in response.content.decode()


def test_buttons_are_post_only(client):
    # given
    owner = UserFactory()
    offer = make_offer(owner=owner)
    client.force_login(owner)
    # when
    response = client.get(f"/en/me/offers/{offer.pk}/remove/")
    # then
    assert response.status_code == 405
    offer.refresh_from_db()
    assert offer.status == "active"


def test_arabic_offers_page_is_rtl(client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.get("/ar/me/offers/")
    # then
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
