"""The anonymous offers list is kept in the cache, and never shown stale.

``OfferViewSet.list`` stores an anonymous answer under the offers version (marketplace/cache.py):
every write that changes what the list shows bumps the version after commit, and an answer is
never kept past the first expiry among its offers (expiry is the one change no write announces).
Each test reads the list once (stored), makes one change, and reads it again.
"""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from accounts.services import user_profile_update
from marketplace import services
from marketplace.models import Offer
from marketplace.services.expiry import offer_renew
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import make_offer

pytestmark = pytest.mark.django_db
URL = "/api/v1/offers/"


def titles(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [offer["title"] for offer in response.json()["results"]]


@pytest.fixture
def listed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_offer(title="Oud for beginners")


def test_a_repeated_anonymous_read_is_answered_from_the_cache(
    api_client, listed, django_assert_num_queries
):
    # given
    first = api_client.get(URL).content

    # when
    with django_assert_num_queries(0):
        again = api_client.get(URL).content

    # then
    assert again == first


def test_a_new_offer_is_listed_at_once(api_client, listed, django_capture_on_commit_callbacks):
    # given
    assert titles(api_client) == ["Oud for beginners"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        make_offer(title="Guitar evenings")

    # then
    assert titles(api_client) == ["Guitar evenings", "Oud for beginners"]


def test_an_edited_offer_shows_its_new_title(
    api_client, listed, django_capture_on_commit_callbacks
):
    # given
    assert titles(api_client) == ["Oud for beginners"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_update(offer=listed, title="Oud for everyone")

    # then
    assert titles(api_client) == ["Oud for everyone"]


def test_a_paused_offer_leaves_the_list(api_client, listed, django_capture_on_commit_callbacks):
    # given
    assert titles(api_client) == ["Oud for beginners"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_update(offer=listed, status="paused")

    # then
    assert titles(api_client) == []


def test_a_removed_offer_leaves_the_list(api_client, listed, django_capture_on_commit_callbacks):
    # given
    assert titles(api_client) == ["Oud for beginners"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_remove(offer=listed, actor=listed.owner)

    # then
    assert titles(api_client) == []


def test_an_offer_a_moderator_removes_leaves_the_list(
    api_client, listed, django_capture_on_commit_callbacks
):
    # given
    assert titles(api_client) == ["Oud for beginners"]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_moderate_remove(
            offer=listed, moderator=UserFactory(is_staff=True), reason="Spam"
        )

    # then
    assert titles(api_client) == []


def test_an_offer_leaves_the_list_when_it_expires_without_any_write(api_client, listed):
    # given: the offer expires in a minute; the answer is stored now
    expires_at = timezone.now() + dt.timedelta(minutes=1)
    Offer.objects.filter(pk=listed.pk).update(expires_at=expires_at)
    assert titles(api_client) == ["Oud for beginners"]
    assert titles(api_client) == ["Oud for beginners"]  # a hit

    # when: two minutes later
    later = expires_at + dt.timedelta(minutes=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch("marketplace.cache.time.time", return_value=later.timestamp()),
    ):
        shown = titles(api_client)

    # then
    assert shown == []


def test_a_renewed_offer_comes_back(api_client, listed, django_capture_on_commit_callbacks):
    # given: an expired offer, not listed
    Offer.objects.filter(pk=listed.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert titles(api_client) == []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        offer_renew(offer=listed)

    # then
    assert titles(api_client) == ["Oud for beginners"]


def test_the_owner_card_follows_a_profile_change(
    api_client, listed, django_capture_on_commit_callbacks
):
    # given
    assert api_client.get(URL).json()["results"][0]["owner"]["name"] != "Oud Master"

    # when
    with django_capture_on_commit_callbacks(execute=True):
        user_profile_update(user=listed.owner, data={"display_name": "Oud Master"})

    # then
    assert api_client.get(URL).json()["results"][0]["owner"]["name"] == "Oud Master"


def test_each_language_and_each_query_has_its_own_answer(api_client, listed):
    # given
    english = api_client.get(URL).content

    # when
    arabic = api_client.get(URL, HTTP_ACCEPT_LANGUAGE="ar").content
    paged = api_client.get(URL, {"page_size": 1}).json()

    # then
    assert arabic != english or b"category" not in english  # rendered for its own language
    assert paged["results"][0]["title"] == "Oud for beginners"
    assert paged["next"] is None


def test_a_member_never_gets_the_anonymous_answer(api_client, django_capture_on_commit_callbacks):
    # given: the member's own paused offer is listed to them only
    member = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        make_offer(title="Public offer")
    paused = make_offer(owner=member, title="My paused offer")
    Offer.objects.filter(pk=paused.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert titles(api_client) == ["Public offer"]

    # when
    api_client.force_authenticate(member)
    shown = titles(api_client)

    # then
    assert shown == ["My paused offer", "Public offer"]


def test_nothing_is_kept_with_the_cache_off(api_client, listed, settings):
    # given
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    assert titles(api_client) == ["Oud for beginners"]

    # when
    Offer.objects.filter(pk=listed.pk).update(title="Changed without a bump")

    # then
    assert titles(api_client) == ["Changed without a bump"]
