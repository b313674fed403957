"""The offers list built from rows answers the very bytes the generic DRF list answered.

``OfferViewSet.list`` formats dict rows with OfferSerializer's own fields (docs/benchmarks.md,
"Reads and serving"); each case renders both lists for the same request and compares the JSON.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework import mixins
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory, force_authenticate

from marketplace.api import filters
from marketplace.api.views import OfferViewSet
from marketplace.models import Category, Offer, OfferImage, SkillStatus
from marketplace.services import offer_remove
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer

pytestmark = pytest.mark.django_db
URL = "/api/v1/offers/"


class GenericOfferViewSet(OfferViewSet):
    """The list as DRF builds it: instances, prefetches and OfferSerializer per row."""

    list = mixins.ListModelMixin.list


@pytest.fixture
def catalogue():
    programming = CategoryFactory(name_en="Programming", name_ar="البرمجة", slug="programming")
    music = CategoryFactory(name_en="Music", name_ar="", slug="music")
    owner = UserFactory(display_name="", first_name="Amal", last_name="Haddad")
    owner.avatar = "avatars/amal.webp"
    owner.rating_average = Decimal("4.5")
    owner.rating_count = 3
    owner.save()
    python = SkillFactory(name_en="Python", name_ar="بايثون", slug="python", category=programming)
    guitar = SkillFactory(name_en="Guitar", name_ar="", slug="guitar", category=music)
    pending = SkillFactory(
        name_en="Rust", slug="rust", category=programming, status=SkillStatus.PENDING
    )
    first = make_offer(
        owner=owner,
        title="Python lessons",
        description="Loops <b>and</b> functions",
        category=programming,
        offered=[python, pending],
        desired=[guitar],
        mode="offline",
        location="Cairo",
        latitude=Decimal("30.044420"),
        longitude=Decimal("31.235712"),
        language="ar",
    )
    OfferImage.objects.create(offer=first, image="offers/b.webp", width=640, height=480, position=1)
    OfferImage.objects.create(offer=first, image="offers/a.webp", width=320, height=200, position=0)
    make_offer(title="Guitar evenings", category=music, offered=[guitar], price_points=25)
    make_offer(title="Python again", category=programming, offered=[python], desired=[python])
    removed = make_offer(owner=owner, title="Old offer", category=music, offered=[guitar])
    offer_remove(offer=removed, actor=owner)
    expired = make_offer(owner=owner, title="Expired offer", category=music, offered=[guitar])
    Offer.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    # A sub-category: the category filter includes it.
    CategoryFactory(name_en="Web", slug="web", parent=programming)
    make_offer(
        title="Web lessons",
        category=Category.objects.get(slug="web"),
        offered=[python],
        mode="both",
        location="Alexandria",
        language="en",
        price_points=40,
    )
    return {"owner": owner}


def moderator():
    from accounts.roles import Role
    from accounts.services import user_role_set

    user = UserFactory(is_staff=True)
    user_role_set(user=user, role=Role.MODERATOR)
    return user


def _render(viewset, params, user, language):
    request = APIRequestFactory().get(URL, params, HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        force_authenticate(request, user=user)
    response = viewset.as_view({"get": "list"})(request)
    assert response.status_code == 200, response.data
    return JSONRenderer().render(response.data)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(
    ("viewer", "params"),
    [
        ("anonymous", {}),
        ("anonymous", {"search": "python"}),
        ("anonymous", {"near": "30.04,31.23", "radius_km": "50"}),
        ("anonymous", {"ordering": "-price_points", "page_size": 2}),
        ("anonymous", {"ordering": "created_at", "page": 2, "page_size": 2}),
        ("anonymous", {"category": "programming", "mode": "online", "ordering": "rating"}),
        ("anonymous", {"mode": "both", "language": "EN", "price_min": "10", "price_max": "40"}),
        ("anonymous", {"ordering": "relevance", "category": "music,programming"}),
        ("owner", {}),
        ("owner", {"owner": "me", "status": "active", "ordering": "-rating"}),
        ("moderator", {}),
        ("owner", {"owner": "me", "status": "removed"}),
        ("moderator", {"status": "removed"}),
    ],
)
def test_row_list_answers_the_generic_lists_bytes(catalogue, viewer, params, language):
    # given
    user = {"anonymous": None, "owner": catalogue["owner"]}.get(viewer) or (
        moderator() if viewer == "moderator" else None
    )

    # when
    fast = _render(OfferViewSet, params, user, language)
    generic = _render(GenericOfferViewSet, params, user, language)

    # then
    assert fast == generic
    assert b'"results":[' in fast


def test_row_list_shows_the_owner_their_pending_skill_only(catalogue, api_client):
    # given
    owner = catalogue["owner"]

    # when
    anonymous = api_client.get(URL, {"search": "python lessons"}).json()["results"]
    api_client.force_authenticate(owner)
    own = [
        offer
        for offer in api_client.get(URL, {"owner": "me"}).json()["results"]
        if offer["title"] == "Python lessons"
    ]

    # then
    assert [skill["slug"] for skill in anonymous[0]["offered_skills"]] == ["python"]
    assert [skill["slug"] for skill in own[0]["offered_skills"]] == ["python", "rust"]


@pytest.mark.parametrize(
    ("params", "fast"),
    [
        ({}, True),
        ({"page": "2", "page_size": "5", "ordering": "-price", "category": "3,music"}, True),
        ({"mode": "offline", "language": "ar", "price_min": "1", "owner": "me"}, True),
        ({"search": "python"}, False),
        ({"status": "removed"}, False),
        ({"price_min": "1.5"}, False),
        ({"mode": "nope"}, False),
        ({"category": "music, programming"}, False),
        ({"ordering": "newest", "unknown": "1"}, False),
    ],
)
def test_common_requests_skip_the_filter_set(catalogue, api_client, params, fast):
    # given
    api_client.force_authenticate(catalogue["owner"])

    # when
    with mock.patch.object(
        filters.OfferFilterSet,
        "is_valid",
        autospec=True,
        side_effect=filters.OfferFilterSet.is_valid,
    ) as generic:
        response = api_client.get(URL, params)

    # then
    assert response.status_code in {200, 400, 404}
    assert generic.called is (not fast)


def test_a_shape_that_cannot_be_compiled_takes_the_generic_path(catalogue, api_client):
    # given: the ORM folds a value into the SQL text, so its mark is not among the parameters
    from marketplace import selectors

    expected = api_client.get(URL, {"ordering": "oldest"}).json()["results"]
    selectors._compiled.__dict__.get("lists", {}).clear()

    # when
    try:
        with mock.patch.object(
            selectors.CompiledSQL, "__init__", autospec=True, side_effect=ValueError("folded")
        ):
            response = api_client.get(URL, {"ordering": "oldest", "page_size": 3})
    finally:
        selectors._compiled.__dict__.get("lists", {}).clear()  # later tests compile afresh

    # then
    assert response.status_code == 200
    assert response.json()["results"] == expected[:3]
