"""Anonymous public pages are served from the cache with 0 SQL queries, and never stale.

Invalidation is by data versions (marketplace/cache.py): an offer write or a page publish bumps a
version after commit, so every page built from the old data is missed from then on.
"""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory

from marketplace import services
from tests.accounts.factories import UserFactory
from tests.cms.factories import help_article, help_index, home, publish
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_offer(title="Oud for beginners")


def _paths(offer):
    return [
        "/en/",
        "/ar/",
        "/en/offers/",
        "/ar/offers/?q=oud",
        f"/en/offers/{offer.pk}/",
        "/ar/categories/",
        f"/en/people/{offer.owner_id}/",
    ]


def test_warm_anonymous_pages_run_no_sql(client, offer, django_assert_num_queries):
    # given
    index = help_index()
    help_article(index)
    paths = [*_paths(offer), index.get_url(), f"{index.get_url()}?q=swap"]
    for path in paths:
        assert client.get(path)["X-Page-Cache"] == "miss", path

    # when / then
    for path in paths:
        with django_assert_num_queries(0):
            response = client.get(path)
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "hit", path


def test_a_hit_serves_the_same_page_and_headers(client, offer):
    # given
    first = client.get("/ar/offers/")

    # when
    second = client.get("/ar/offers/")

    # then
    assert second.content == first.content
    assert second["Content-Language"] == "ar"
    assert second["Content-Type"] == first["Content-Type"]


def test_an_offer_edit_invalidates_lists_details_and_home(
    client, offer, django_capture_on_commit_callbacks
):
    # given
    for path in ("/en/", "/en/offers/", f"/en/offers/{offer.pk}/"):
        client.get(path)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_update(offer=offer, title="Oud for everyone")

    # then
    for path in ("/en/", "/en/offers/", f"/en/offers/{offer.pk}/"):
        response = client.get(path)
        assert response["X-Page-Cache"] == "miss", path
        assert "Oud for everyone" in response.content.decode(), path


def test_a_new_offer_appears_on_a_cached_list(client, offer, django_capture_on_commit_callbacks):
    # given
    client.get("/en/offers/")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        make_offer(title="Guitar at dawn")

    # then
    assert "Guitar at dawn" in client.get("/en/offers/").content.decode()


def test_a_page_publish_invalidates_the_cached_page(client, django_capture_on_commit_callbacks):
    # given
    index = help_index(title="Help centre")
    client.get(index.get_url())
    index.title = "Support"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        publish(index)

    # then
    response = client.get(index.get_url())
    assert response["X-Page-Cache"] == "miss"
    assert "<h1>Support</h1>" in response.content.decode()


def test_a_page_unpublish_invalidates_the_cached_page(client, django_capture_on_commit_callbacks):
    # given
    index = help_index()
    url = index.get_url()
    client.get(url)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        index.unpublish()

    # then
    assert client.get(url).status_code == 404


def test_a_profile_change_invalidates_the_profile(client, django_capture_on_commit_callbacks):
    # given
    from accounts import extensions

    member = UserFactory(display_name="Huda")
    client.get(f"/en/people/{member.pk}/")
    member.display_name = "Huda A."
    member.save()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        extensions.profile_changed(member, {"display_name"})

    # then
    assert "Huda A." in client.get(f"/en/people/{member.pk}/").content.decode()


def test_signed_in_members_are_never_served_nor_stored(client, offer):
    # given
    member = UserFactory()
    client.force_login(member)

    # when
    signed_in = client.get("/en/offers/")
    client.logout()
    anonymous = client.get("/en/offers/")

    # then
    assert "X-Page-Cache" not in signed_in
    assert "Sign out" in signed_in.content.decode()
    assert anonymous["X-Page-Cache"] == "miss"
    assert "Sign out" not in anonymous.content.decode()


def _messages_cookie(text: str) -> str:
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, text)
    carrier = HttpResponse()
    storage.update(carrier)
    return carrier.cookies["messages"].value


def test_a_visitor_with_messages_waiting_gets_a_fresh_page(client, offer):
    # given
    client.get("/en/offers/")
    client.cookies["messages"] = _messages_cookie("Welcome back")

    # when
    page = client.get("/en/offers/")

    # then
    assert "X-Page-Cache" not in page
    assert "Welcome back" in page.content.decode()


def test_previews_are_never_cached(admin_client, client):
    # given
    page = home("en")
    client.get("/en/")

    # when
    preview = admin_client.get(f"/admin/pages/{page.pk}/edit/preview/")

    # then
    assert "X-Page-Cache" not in preview


def test_a_category_added_and_renamed_in_the_admin_invalidates_cached_pages(
    client, django_capture_on_commit_callbacks
):
    # given: a cached category list, and a moderator in the Wagtail admin
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.urls import reverse

    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    staff = Client()
    staff.force_login(moderator)
    client.get("/en/categories/")
    form = {
        "name_en": "Calligraphy",
        "name_ar": "الخط",
        "slug": "calligraphy",
        "description_en": "",
        "description_ar": "",
        "icon": "",
        "sort_order": 1,
        "is_active": "on",
    }

    # when: the moderator adds a category
    with django_capture_on_commit_callbacks(execute=True):
        added = staff.post(reverse("marketplace_categories:add"), form)

    # then: the next anonymous visit shows it
    assert added.status_code == 302
    assert "Calligraphy" in client.get("/en/categories/").content.decode()

    # when: the moderator renames it
    from marketplace.models import Category

    category = Category.objects.get(slug="calligraphy")
    with django_capture_on_commit_callbacks(execute=True):
        edited = staff.post(
            reverse("marketplace_categories:edit", args=[category.pk]),
            {**form, "name_en": "Arabic calligraphy"},
        )

    # then
    assert edited.status_code == 302
    assert "Arabic calligraphy" in client.get("/en/categories/").content.decode()


def test_cache_off_with_zero_seconds(client, offer, settings):
    # given
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0

    # when
    client.get("/en/offers/")
    response = client.get("/en/offers/")

    # then
    assert "X-Page-Cache" not in response


def test_member_pages_and_the_api_are_never_cached(client, offer):
    # when
    api = client.get("/api/v1/offers/")
    sign_in = client.get("/en/accounts/login/")

    # then
    assert "X-Page-Cache" not in api
    assert "X-Page-Cache" not in sign_in
