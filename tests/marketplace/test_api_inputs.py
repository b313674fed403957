"""The marketplace's input rules and seed aliases (docs/api.md): unknown fields are a 400 naming
them, member text is stored minus bidi and control characters and escaped when shown, dates are
bounded, refusals answer in the caller's language, seed 002's ``skills/`` is the member's own
listings."""

import ast
import pathlib

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from marketplace.models import AvailabilityException, AvailabilitySlot, Offer, UserSkill
from tests.accounts.factories import UserFactory
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer

pytestmark = pytest.mark.django_db
BIDI_SCRIPT = "Guitar \u202e<script>alert(1)</script>\u202c lessons"
BIDI_SCRIPT_CLEAN = "Guitar <script>alert(1)</script> lessons"


@pytest.fixture
def guitar():
    return SkillFactory(name_en="Guitar", category=CategoryFactory(name_en="Music"))


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/offers/", {"title": "x", "offered_skills": ["Guitar"], "colour": "red"}),
        (
            "/api/v1/user-skills/",
            {"skill_name": "Guitar", "proficiency_level": "expert", "colour": "red"},
        ),
        (
            "/api/v1/availability/",
            {"day_of_week": 1, "start_time": "09:00", "end_time": "10:00", "colour": "red"},
        ),
        (
            "/api/v1/availability/exceptions/",
            {
                "starts_at": "2030-01-01T00:00:00Z",
                "ends_at": "2030-01-02T00:00:00Z",
                "colour": "red",
            },
        ),
        ("/api/v1/skills/", {"title": "Guitar", "colour": "red"}),
    ],
)
def test_an_unknown_field_is_a_400_naming_it_and_nothing_is_stored(auth_client, guitar, url, body):
    response = auth_client.post(url, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["This field is not known."]}
    assert Offer.objects.count() == 0
    assert UserSkill.objects.count() == 0
    assert AvailabilitySlot.objects.count() == 0
    assert AvailabilityException.objects.count() == 0


def test_offer_text_is_stored_without_bidi_characters_and_escaped_in_the_admin(
    auth_client, guitar, client
):
    # when a member writes an offer with a bidi override and a script tag
    response = auth_client.post(
        "/api/v1/offers/",
        {
            "title": BIDI_SCRIPT,
            "description": BIDI_SCRIPT,
            "location": BIDI_SCRIPT,
            "offered_skills": ["Guitar"],
        },
        format="json",
    )

    # then the text is kept exactly, minus the bidi characters
    assert response.status_code == 201, response.content
    offer = Offer.objects.get()
    assert (offer.title, offer.description, offer.location) == (BIDI_SCRIPT_CLEAN,) * 3
    assert response.json()["title"] == BIDI_SCRIPT_CLEAN
    # and the HTML that shows it (the moderation queue) escapes it
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    page = client.get(reverse("marketplace_offer_queue:index")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_skill_names_and_exception_reasons_are_cleaned(auth_client):
    named = auth_client.post(
        "/api/v1/user-skills/",
        {"skill_name": "Oud\u202e <i>", "proficiency_level": "expert"},
        format="json",
    )
    reason = auth_client.post(
        "/api/v1/availability/exceptions/",
        {
            "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-01-02T00:00:00Z",
            "reason": BIDI_SCRIPT,
        },
        format="json",
    )

    assert named.status_code == 201, named.content
    assert named.json()["skill_name"] == "Oud <i>"
    assert reason.status_code == 201, reason.content
    assert AvailabilityException.objects.get().reason == BIDI_SCRIPT_CLEAN


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_year_9999_exception_is_a_400_on_the_field(auth_client, field):
    body = {"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}
    body[field] = "9999-12-31T23:59:59Z"

    response = auth_client.post("/api/v1/availability/exceptions/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert AvailabilityException.objects.count() == 0


def test_a_refusal_answers_in_arabic(auth_client):
    response = auth_client.post(
        "/api/v1/offers/",
        {
            "title": "Oud",
            "category": CategoryFactory().pk,
            "offered_skills": [SkillFactory().pk],
            "mode": "offline",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["location"] == ["الموقع مطلوب للعروض الحضورية."]
    assert Offer.objects.count() == 0


def test_an_unknown_skill_id_is_a_400_naming_the_field(auth_client):
    response = auth_client.post(
        "/api/v1/offers/",
        {"title": "x", "category": CategoryFactory().pk, "offered_skills": [999999]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["offered_skills"]
    assert Offer.objects.count() == 0


def test_availability_times_match_their_schema(auth_client, api_client):
    # when a slot is created and the schema read
    created = auth_client.post(
        "/api/v1/user-availability/",
        {"day_of_week": 3, "start_time": "09:00:00", "end_time": "17:00:00"},
        format="json",
    )
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    # then the times are HH:MM:SS strings and the schema says so (no RFC 3339 format: time)
    assert created.status_code == 201, created.content
    assert (created.json()["start_time"], created.json()["end_time"]) == ("09:00:00", "17:00:00")
    slot = schema["components"]["schemas"]["AvailabilitySlot"]["properties"]["start_time"]
    assert slot["type"] == "string"
    assert "format" not in slot
    assert slot["pattern"].startswith("^")


# --- seed 002: skills/ are the member's own listings --------------------------------------------


def test_seed_002_listing_lifecycle(auth_client, make_auth_client, guitar):
    # when a member publishes, lists, reads, changes and deletes a listing with seed 002's names
    created = auth_client.post(
        "/api/v1/skills/",
        {"title": "Guitar", "description": "Chords in a week", "price_in_points": 0},
        format="json",
    )
    listing_id = created.json()["id"]
    listed = auth_client.get("/api/v1/skills/").json()
    theirs = make_auth_client(UserFactory()).get("/api/v1/skills/").json()
    changed = auth_client.put(
        f"/api/v1/skills/{listing_id}/",
        {"title": "Guitar, faster", "description": "Chords in a day", "category_id": None},
        format="json",
    )
    deleted = auth_client.delete(f"/api/v1/skills/{listing_id}/")

    # then it is an offer under seed 002's field names, the member's only
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["price_in_points"], body["tags"]) == ("Guitar", 0, ["Guitar"])
    assert (body["category"], body["user"], body["user_id"]) == (
        guitar.category_id,
        auth_client.user.pk,
        auth_client.user.pk,
    )
    assert [row["id"] for row in listed["results"]] == [listing_id]
    assert theirs["results"] == []
    assert changed.status_code == 200, changed.content
    assert changed.json()["description"] == "Chords in a day"
    assert deleted.status_code == 204
    assert Offer.objects.get(pk=listing_id).status == "removed"
    assert auth_client.get("/api/v1/skills/").json()["results"] == []


def test_seed_002_another_members_listing_is_a_404_and_unchanged(make_auth_client, guitar):
    offer = make_offer(title="Mine", offered=[guitar])
    stranger = make_auth_client(UserFactory())

    response = stranger.put(f"/api/v1/skills/{offer.pk}/", {"title": "Theirs"}, format="json")

    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.title == "Mine"


def test_seed_002_categories_are_the_categories(api_client):
    CategoryFactory(name_en="Music", name_ar="موسيقى")

    ours = api_client.get("/api/v1/categories/").json()
    theirs = api_client.get("/api/v1/skills/categories/").json()

    assert theirs == ours
    assert [row["name"] for row in theirs] == ["Music"]


# --- structure ------------------------------------------------------------------------------------


def test_every_row_lock_of_the_marketplace_names_no_key():
    root = pathlib.Path(__file__).resolve().parents[2] / "marketplace"
    missing = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
                and not any(keyword.arg == "no_key" for keyword in node.keywords)
            ):
                missing.append(f"{path.name}:{node.lineno}")

    assert missing == []


def test_offer_pictures_are_removed_from_storage_when_the_rows_cannot_be_written(
    auth_client, guitar, monkeypatch
):
    # given an offer whose row insert fails after the files were stored
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from marketplace.models import OfferImage
    from marketplace.services import offer_images

    offer = make_offer(owner=auth_client.user, offered=[guitar])
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")
    storage = OfferImage._meta.get_field("image").storage
    saved: list[str] = []
    original_save = storage.save

    def recording_save(name, content, **kwargs):
        saved.append(original_save(name, content, **kwargs))
        return saved[-1]

    def failing_attach(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(storage, "save", recording_save)
    monkeypatch.setattr(offer_images, "_attach", failing_attach)

    # when pictures are added
    with pytest.raises(RuntimeError):
        offer_images.offer_images_add(offer=offer, files=[upload])

    # then the stored file is gone again and no row exists
    assert len(saved) == 1
    assert not storage.exists(saved[0])
    assert OfferImage.objects.count() == 0
