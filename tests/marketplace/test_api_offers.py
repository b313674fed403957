"""Offers API: CRUD and its aliases, permissions, images, moderation, filters and ordering."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from marketplace.models import Offer, OfferImage, OfferStatus
from messaging.models import Notification
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_expert, make_offer

pytestmark = pytest.mark.django_db
URL = "/api/v1/offers/"


def detail(offer) -> str:
    return f"{URL}{offer.pk}/"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


@pytest.fixture
def tree():
    programming = CategoryFactory(name_en="Programming", name_ar="البرمجة", slug="programming")
    web = CategoryFactory(name_en="Web", name_ar="الويب", slug="web", parent=programming)
    music = CategoryFactory(name_en="Music", name_ar="الموسيقى", slug="music")
    return {
        "programming": programming,
        "web": web,
        "music": music,
        "python": SkillFactory(name_en="Python", slug="python", category=programming),
        "react": SkillFactory(name_en="React", slug="react", category=web),
        "guitar": SkillFactory(name_en="Guitar", slug="guitar", category=music),
    }


@pytest.fixture
def moderator(db):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def offer_body(tree, **overrides) -> dict:
    body = {
        "title": "Python for beginners",
        "description": "Loops and functions.",
        "category": tree["programming"].pk,
        "offered_skills": [tree["python"].pk],
        "desired_skills": [tree["guitar"].pk],
        "mode": "online",
        "price_points": 10,
        "session_minutes": 60,
        "language": "en",
    }
    body.update(overrides)
    return body


# --- create ---------------------------------------------------------------------------------------


def test_create_offer(auth_client, tree):
    make_expert(auth_client.user)
    response = auth_client.post(URL, offer_body(tree), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    offer = Offer.objects.get()
    assert body["id"] == offer.pk
    assert body["owner"]["id"] == auth_client.user.pk
    assert body["created_by"] == auth_client.user.pk
    assert body["category"] == {
        "id": tree["programming"].pk,
        "name": "Programming",
        "slug": "programming",
    }
    assert [s["slug"] for s in body["offered_skills"]] == ["python"]
    assert [s["slug"] for s in body["desired_skills"]] == ["guitar"]
    assert body["status"] == "active"
    assert body["price_points"] == 10
    assert body["images"] == []
    assert offer.in_moderation_queue is True
    assert "python" in offer.search_text


def test_create_gig_alias_answers_the_same_body(auth_client, tree):
    make_expert(auth_client.user)
    response = auth_client.post("/api/v1/create-gig/", offer_body(tree), format="json")

    assert response.status_code == 201
    offer_id = response.json()["id"]
    assert auth_client.get(f"/api/v1/gigs/{offer_id}/").json() == response.json()
    assert auth_client.get(f"/api/v1/offers/{offer_id}").json() == response.json()
    assert (
        auth_client.post("/api/v1/create-gig", offer_body(tree), format="json").status_code == 201
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mode": "offline", "location": ""}, "location"),
        ({"mode": "both"}, "location"),
        ({"latitude": "30.1"}, "latitude"),
        ({"offered_skills": []}, "offered_skills"),
        ({"price_points": -1}, "price_points"),
        ({"session_minutes": 5}, "session_minutes"),
        ({"status": "removed"}, "status"),
        ({"title": ""}, "title"),
        ({"language": "english"}, "language"),
    ],
)
def test_create_refuses_invalid_offers(auth_client, tree, overrides, field):
    response = auth_client.post(URL, offer_body(tree, **overrides), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert Offer.objects.count() == 0


def test_offline_offer_with_location(auth_client, tree):
    make_expert(auth_client.user)
    body = offer_body(
        tree, mode="offline", location="Cairo", latitude="30.044420", longitude="31.235712"
    )

    response = auth_client.post(URL, body, format="json")

    assert response.status_code == 201
    assert response.json()["location"] == "Cairo"
    assert response.json()["latitude"] == "30.044420"


def test_member_cannot_sell_a_paid_session(auth_client, tree):
    # given a member without the expert role
    # when they publish a priced offer
    response = auth_client.post(URL, offer_body(tree, price_points=10), format="json")

    # then it is refused on the price, and nothing is created
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "expert_required"
    assert error["fields"] == {
        "price_points": ["Only experts can sell paid sessions; set the price to 0 for a swap."]
    }
    assert Offer.objects.count() == 0


def test_member_can_offer_a_swap_but_not_raise_its_price(auth_client, tree):
    created = auth_client.post(URL, offer_body(tree, price_points=0), format="json")
    assert created.status_code == 201
    offer = Offer.objects.get()

    response = auth_client.patch(detail(offer), {"price_points": 5}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "expert_required"
    offer.refresh_from_db()
    assert offer.price_points == 0


def test_anonymous_cannot_create(api_client, tree):
    response = api_client.post(URL, offer_body(tree), format="json")

    assert response.status_code == 401
    assert Offer.objects.count() == 0


# --- read -----------------------------------------------------------------------------------------


def test_anonymous_lists_active_offers_only(api_client, tree):
    make_offer(title="Active")
    make_offer(title="Paused", status="paused")
    removed = make_offer(title="Removed")
    removed.status = OfferStatus.REMOVED
    removed.save()

    assert titles(api_client.get(URL)) == ["Active"]


def test_another_members_active_offer_is_visible_their_paused_one_is_not(auth_client, tree):
    active = make_offer(title="Active")
    paused = make_offer(title="Paused", status="paused")

    assert auth_client.get(detail(active)).status_code == 200
    response = auth_client.get(detail(paused))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_owner_sees_and_lists_their_paused_offers(auth_client, tree):
    mine = make_offer(owner=auth_client.user, title="Mine, paused", status="paused")
    make_offer(title="Someone else's, paused", status="paused")

    assert auth_client.get(detail(mine)).status_code == 200
    assert titles(auth_client.get(URL, {"status": "paused"})) == ["Mine, paused"]
    assert titles(auth_client.get(URL, {"owner": "me", "status": "paused"})) == ["Mine, paused"]


def test_offer_in_arabic(api_client, tree):
    offer = make_offer(title="Python", category=tree["programming"], offered=[tree["python"]])

    body = api_client.get(detail(offer), HTTP_ACCEPT_LANGUAGE="ar").json()

    assert body["category"]["name"] == "البرمجة"


# --- update and delete ----------------------------------------------------------------------------


def test_owner_patches_their_offer(auth_client, tree):
    offer = make_offer(owner=auth_client.user, title="Old title")

    response = auth_client.patch(
        detail(offer), {"title": "New title", "status": "paused"}, format="json"
    )

    assert response.status_code == 200
    offer.refresh_from_db()
    assert (offer.title, offer.status) == ("New title", "paused")
    assert "new title" in offer.search_text


def test_owner_puts_a_whole_offer(auth_client, tree):
    make_expert(auth_client.user)
    offer = make_offer(owner=auth_client.user, title="Old", category=tree["music"])

    response = auth_client.put(
        f"/api/v1/gigs/{offer.pk}/", offer_body(tree, title="Replaced"), format="json"
    )

    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.title == "Replaced"
    assert offer.category == tree["programming"]
    assert list(offer.offered_skills.values_list("slug", flat=True)) == ["python"]


def test_put_needs_every_required_field(auth_client, tree):
    offer = make_offer(owner=auth_client.user, title="Old")

    response = auth_client.put(detail(offer), {"title": "Only a title"}, format="json")

    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.title == "Old"


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_another_members_offer_is_404_on_write_and_unchanged(auth_client, tree, method):
    offer = make_offer(title="Not yours")

    response = getattr(auth_client, method)(
        detail(offer), offer_body(tree, title="Hijacked"), format="json"
    )

    assert response.status_code == 404
    offer.refresh_from_db()
    assert (offer.title, offer.status) == ("Not yours", "active")


def test_delete_is_a_soft_remove(auth_client, make_auth_client, tree):
    offer = make_offer(owner=auth_client.user, title="Going away")

    response = auth_client.delete(detail(offer))

    assert response.status_code == 204
    offer.refresh_from_db()
    assert offer.status == OfferStatus.REMOVED
    assert offer.removed_by == auth_client.user
    assert titles(auth_client.get(URL)) == []
    assert auth_client.get(detail(offer)).json()["status"] == "removed"
    assert auth_client.delete(detail(offer)).status_code == 204  # removing twice is a no-op
    assert make_auth_client(UserFactory()).get(detail(offer)).status_code == 404


def test_an_offer_stays_editable_after_its_skill_is_deactivated(auth_client, tree):
    offer = make_offer(owner=auth_client.user, offered=[tree["python"]])
    tree["python"].is_active = False
    tree["python"].save()

    renamed = auth_client.patch(detail(offer), {"title": "Renamed"}, format="json")
    reused = auth_client.patch(
        detail(offer), {"offered_skills": [tree["python"].pk]}, format="json"
    )

    assert renamed.status_code == 200
    assert reused.status_code == 400
    assert "offered_skills" in reused.json()["error"]["fields"]


def test_a_removed_offer_cannot_be_edited(auth_client, tree):
    offer = make_offer(owner=auth_client.user, title="Gone")
    auth_client.delete(detail(offer))

    response = auth_client.patch(detail(offer), {"title": "Back"}, format="json")

    assert response.status_code == 409
    offer.refresh_from_db()
    assert offer.title == "Gone"


# --- moderation -----------------------------------------------------------------------------------


def test_moderator_removes_with_a_reason_the_owner_sees_and_is_told(
    make_auth_client, moderator, tree
):
    owner = UserFactory()
    offer = make_offer(owner=owner, title="Spam")

    response = make_auth_client(moderator).post(
        f"{detail(offer)}remove", {"reason": "Advertising"}, format="json"
    )

    assert response.status_code == 200
    offer.refresh_from_db()
    assert (offer.status, offer.removal_reason, offer.removed_by) == (
        "removed",
        "Advertising",
        moderator,
    )
    notification = Notification.objects.get(recipient=owner)
    assert (notification.kind, notification.related_type, notification.related_id) == (
        "moderation_decision",
        "offer",
        offer.pk,
    )
    assert "Advertising" in notification.body
    assert "Spam" in notification.title
    assert make_auth_client(owner).get(detail(offer)).json()["removal_reason"] == "Advertising"
    assert make_auth_client(UserFactory()).get(detail(offer)).status_code == 404


def test_members_cannot_moderate(auth_client, tree):
    offer = make_offer(title="Fine")

    response = auth_client.post(f"{detail(offer)}remove", {"reason": "I dislike it"}, format="json")

    assert response.status_code == 403
    offer.refresh_from_db()
    assert offer.status == "active"


def test_removal_needs_a_reason(make_auth_client, moderator, tree):
    offer = make_offer(title="Fine")

    response = make_auth_client(moderator).post(f"{detail(offer)}remove", {}, format="json")

    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.status == "active"


def test_moderator_approves_an_offer_out_of_the_queue(make_auth_client, moderator, tree):
    offer = make_offer(title="New")
    assert offer.in_moderation_queue

    response = make_auth_client(moderator).post(f"{detail(offer)}approve")

    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.reviewed_by == moderator
    assert not offer.in_moderation_queue


def test_moderators_see_paused_offers_of_everyone(make_auth_client, moderator, tree):
    paused = make_offer(title="Paused", status="paused")

    assert make_auth_client(moderator).get(detail(paused)).status_code == 200


# --- images ---------------------------------------------------------------------------------------


def picture(name="photo.png", *, size=(40, 30), fmt="PNG") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def test_owner_uploads_several_pictures_reencoded_in_order(auth_client, tree):
    offer = make_offer(owner=auth_client.user)

    response = auth_client.post(
        f"{detail(offer)}images",
        {"images": [picture("a.png"), picture("b.jpg", size=(3000, 1500), fmt="JPEG")]},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    rows = response.json()
    assert [row["position"] for row in rows] == [0, 1]
    assert (rows[0]["width"], rows[0]["height"]) == (40, 30)
    assert (rows[1]["width"], rows[1]["height"]) == (1600, 800)
    assert all(row["url"].endswith(".webp") for row in rows)
    stored = OfferImage.objects.get(pk=rows[0]["id"])
    with Image.open(stored.image.path) as image:
        assert image.format == "WEBP"
    assert [i["id"] for i in auth_client.get(detail(offer)).json()["images"]] == [
        rows[0]["id"],
        rows[1]["id"],
    ]


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_stored(auth_client, tree):
    offer = make_offer(owner=auth_client.user)
    fake = SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>", content_type="image/png")

    response = auth_client.post(
        f"{detail(offer)}images", {"images": [picture(), fake]}, format="multipart"
    )

    assert response.status_code == 400
    assert "images.1" in response.json()["error"]["fields"]
    assert OfferImage.objects.count() == 0


def test_pictures_are_limited_per_offer(auth_client, tree, settings):
    settings.MARKETPLACE_OFFER_MAX_IMAGES = 2
    offer = make_offer(owner=auth_client.user)
    auth_client.post(f"{detail(offer)}images", {"images": [picture()]}, format="multipart")

    response = auth_client.post(
        f"{detail(offer)}images", {"images": [picture(), picture()]}, format="multipart"
    )

    assert response.status_code == 400
    assert OfferImage.objects.count() == 1


def test_reorder_and_delete_pictures(auth_client, tree):
    offer = make_offer(owner=auth_client.user)
    ids = [
        row["id"]
        for row in auth_client.post(
            f"{detail(offer)}images",
            {"images": [picture(), picture(), picture()]},
            format="multipart",
        ).json()
    ]

    reordered = auth_client.post(
        f"{detail(offer)}images/reorder", {"order": [ids[2], ids[0], ids[1]]}, format="json"
    )
    assert reordered.status_code == 200
    assert [row["id"] for row in reordered.json()] == [ids[2], ids[0], ids[1]]

    assert auth_client.delete(f"{detail(offer)}images/{ids[0]}").status_code == 204
    assert list(offer.images.values_list("pk", "position")) == [(ids[2], 0), (ids[1], 1)]

    bad = auth_client.post(f"{detail(offer)}images/reorder", {"order": [ids[1]]}, format="json")
    assert bad.status_code == 400


def test_another_member_cannot_touch_pictures(make_auth_client, tree):
    offer = make_offer()
    stranger = make_auth_client(UserFactory())

    response = stranger.post(f"{detail(offer)}images", {"images": [picture()]}, format="multipart")

    assert response.status_code == 404
    assert OfferImage.objects.count() == 0


# --- filters and ordering -------------------------------------------------------------------------


def test_filter_by_category_includes_subcategories(api_client, tree):
    make_offer(title="Python", category=tree["programming"], offered=[tree["python"]])
    make_offer(title="React", category=tree["web"], offered=[tree["react"]])
    make_offer(title="Guitar", category=tree["music"], offered=[tree["guitar"]])

    assert titles(api_client.get(URL, {"category": tree["programming"].pk})) == ["React", "Python"]
    assert titles(api_client.get(URL, {"category": "web"})) == ["React"]
    assert titles(api_client.get(URL, {"category": "music,web"})) == ["Guitar", "React"]


def test_filter_by_offered_skill_id_or_slug(api_client, tree):
    make_offer(title="Python", offered=[tree["python"]])
    make_offer(title="Guitar", offered=[tree["guitar"]], desired=[tree["python"]])

    assert titles(api_client.get(URL, {"skill": tree["python"].pk})) == ["Python"]
    assert titles(api_client.get(URL, {"skill": "guitar"})) == ["Guitar"]


def test_filter_by_mode(api_client, tree):
    make_offer(title="Online", mode="online")
    make_offer(title="Offline", mode="offline", location="Cairo")
    make_offer(title="Both", mode="both", location="Cairo")

    assert titles(api_client.get(URL, {"mode": "online"})) == ["Both", "Online"]
    assert titles(api_client.get(URL, {"mode": "offline"})) == ["Both", "Offline"]
    assert titles(api_client.get(URL, {"mode": "both"})) == ["Both"]
    assert api_client.get(URL, {"mode": "teleport"}).status_code == 400


def test_filter_by_location_text(api_client, tree):
    make_offer(title="Cairo", mode="offline", location="Cairo, Zamalek")
    make_offer(title="Amman", mode="offline", location="Amman")

    assert titles(api_client.get(URL, {"location": "cairo"})) == ["Cairo"]


def test_filter_near_with_radius_and_distance(api_client, tree):
    cairo = {"latitude": Decimal("30.044420"), "longitude": Decimal("31.235712")}
    giza = {"latitude": Decimal("30.013056"), "longitude": Decimal("31.208853")}
    alexandria = {"latitude": Decimal("31.200092"), "longitude": Decimal("29.918739")}
    make_offer(title="Cairo", mode="offline", location="Cairo", **cairo)
    make_offer(title="Giza", mode="offline", location="Giza", **giza)
    make_offer(title="Alexandria", mode="offline", location="Alexandria", **alexandria)
    make_offer(title="Online")

    near = api_client.get(URL, {"near": "30.0444,31.2357", "radius_km": 10}).json()
    wide = api_client.get(URL, {"near": "30.0444,31.2357", "radius_km": 200})

    assert [row["title"] for row in near["results"]] == ["Giza", "Cairo"]
    distances = {row["title"]: row["distance_km"] for row in near["results"]}
    assert distances["Cairo"] == pytest.approx(0.0, abs=0.05)
    assert distances["Giza"] == pytest.approx(4.4, abs=0.2)
    assert titles(wide) == ["Alexandria", "Giza", "Cairo"]
    assert api_client.get(URL, {"near": "north"}).status_code == 400
    assert api_client.get(URL, {"near": "95,0"}).status_code == 400


def test_filter_by_language_price_owner_and_rating(auth_client, tree):
    rated = UserFactory(rating_average=Decimal("4.80"), rating_count=12)
    make_offer(title="Arabic free", language="ar", price_points=0)
    make_offer(title="English 20", language="en", price_points=20, owner=rated)
    make_offer(title="English 50", language="en", price_points=50, owner=auth_client.user)

    assert titles(auth_client.get(URL, {"language": "ar"})) == ["Arabic free"]
    assert titles(auth_client.get(URL, {"price_min": 10, "price_max": 30})) == ["English 20"]
    assert titles(auth_client.get(URL, {"price_max": 0})) == ["Arabic free"]
    assert titles(auth_client.get(URL, {"owner": rated.pk})) == ["English 20"]
    assert titles(auth_client.get(URL, {"owner": "me"})) == ["English 50"]
    assert titles(auth_client.get(URL, {"min_rating": 4.5})) == ["English 20"]
    assert auth_client.get(URL, {"owner": "someone"}).status_code == 400


def test_orderings(api_client, tree):
    low = UserFactory(rating_average=Decimal("3.00"), rating_count=1)
    high = UserFactory(rating_average=Decimal("5.00"), rating_count=3)
    now = timezone.now()
    make_offer(title="Old cheap", price_points=5, owner=high, created_at=now - dt.timedelta(days=3))
    make_offer(title="Mid dear", price_points=50, owner=low, created_at=now - dt.timedelta(days=2))
    make_offer(title="New mid", price_points=20, owner=high, created_at=now - dt.timedelta(days=1))

    def ordered(value):
        return titles(api_client.get(URL, {"ordering": value}))

    assert titles(api_client.get(URL)) == ["New mid", "Mid dear", "Old cheap"]
    assert ordered("newest") == ["New mid", "Mid dear", "Old cheap"]
    assert ordered("oldest") == ["Old cheap", "Mid dear", "New mid"]
    assert ordered("price") == ["Old cheap", "New mid", "Mid dear"]
    assert ordered("-price") == ["Mid dear", "New mid", "Old cheap"]
    assert ordered("-price_points") == ["Mid dear", "New mid", "Old cheap"]
    assert ordered("-rating") == ["New mid", "Old cheap", "Mid dear"]
    assert ordered("rating") == ["Mid dear", "New mid", "Old cheap"]
    assert ordered("relevance") == ["New mid", "Mid dear", "Old cheap"]
    assert api_client.get(URL, {"ordering": "title"}).status_code == 400


def test_search_orders_by_relevance_unless_asked_otherwise(api_client, tree):
    now = timezone.now()
    make_offer(
        title="Guitar lessons",
        description="We also play python scripts",
        created_at=now,
    )
    make_offer(title="Python lessons", created_at=now - dt.timedelta(days=1))

    assert titles(api_client.get(URL, {"search": "python"})) == [
        "Python lessons",
        "Guitar lessons",
    ]
    assert titles(api_client.get(URL, {"search": "python", "ordering": "newest"})) == [
        "Guitar lessons",
        "Python lessons",
    ]


# --- query count ----------------------------------------------------------------------------------


def _list_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"search": "lessons"}, {"category": "programming"}])
def test_list_query_count_does_not_grow_with_the_page(
    api_client, tree, params, django_assert_max_num_queries
):
    def add(count):
        for index in range(count):
            offer = make_offer(
                title=f"Python lessons {index}",
                category=tree["programming"],
                offered=[tree["python"], tree["react"]],
                desired=[tree["guitar"]],
            )
            OfferImage.objects.create(offer=offer, image="offers/x.webp", position=0)

    add(2)
    small = _list_queries(api_client, {**params, "page_size": 2})
    add(28)
    large = _list_queries(api_client, {**params, "page_size": 30})

    assert large == small
    # count, page, images, offered and desired skills (+ the typo lookup when searching on PG)
    with django_assert_max_num_queries(6):
        api_client.get(URL, {**params, "page_size": 30})


def test_list_query_count_is_constant_for_a_signed_in_member_too(auth_client, tree):
    def add(count):
        for index in range(count):
            make_offer(title=f"Offer {index}", offered=[tree["python"]], desired=[tree["guitar"]])

    add(2)
    # the caller's subscription facts are read once, then cached (billing/subscriptions.py)
    _list_queries(auth_client, {"page_size": 1})
    small = _list_queries(auth_client, {"page_size": 3, "status": "active"})
    add(25)
    large = _list_queries(auth_client, {"page_size": 30, "status": "active"})

    assert large == small


def test_a_signed_in_members_list_takes_no_permission_query(
    auth_client, tree, django_assert_num_queries
):
    # given: a member (not a moderator) and two offers; the caller's subscription facts warm
    make_offer(title="Offer 1", offered=[tree["python"]], desired=[tree["guitar"]])
    make_offer(title="Offer 2", offered=[tree["python"]])
    _list_queries(auth_client, {"page_size": 1})

    # when / then: the JWT's user, count, page, images, skills (the moderator check took two more)
    with django_assert_num_queries(5):
        response = auth_client.get(URL, {"ordering": "newest"})

    assert titles(response) == ["Offer 2", "Offer 1"]


def test_list_filters_do_not_hide_an_offer_on_its_detail_url(api_client, tree):
    offer = make_offer(title="Online only", mode="online", category=tree["music"])

    response = api_client.get(detail(offer), {"mode": "offline", "price_min": 500})

    assert response.status_code == 200
    assert response.json()["id"] == offer.pk
