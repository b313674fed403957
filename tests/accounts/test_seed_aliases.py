"""Seed clients' paths, bodies and field names on accounts (docs/api.md, seed aliases)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework import serializers
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import extensions
from accounts.models import User
from core.exceptions import ValidationFailed
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/auth/profile"
PASSWORD = "a-long-passphrase-42"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _picture(name="me.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def skills_writer(monkeypatch):
    """A stand-in for marketplace's ``skills`` profile writer; records what it is given."""
    applied = []

    def apply(user, value):
        if "forbidden" in value:
            raise ValidationFailed(fields={"skills": ["No such skill: forbidden."]})
        applied.append((user.pk, value))

    monkeypatch.setitem(
        extensions._profile_writers,
        "skills",
        extensions.ProfileWriter(
            field=lambda: serializers.ListField(child=serializers.CharField()), apply=apply
        ),
    )
    return applied


# --- seed 003: users/register, users/login, users/logout -----------------------------------------


def test_seed_003_registers_signs_in_and_out_with_its_paths_and_fields(api_client):
    # when a seed 003 client registers with its body
    registered = api_client.post(
        "/api/v1/users/register/",
        {
            "username": "johndoe",
            "email": "john@example.com",
            "password": PASSWORD,
            "first_name": "John",
            "last_name": "Doe",
        },
        format="json",
    )

    # then it gets its documented fields, with the access token as `token`
    assert registered.status_code == 201
    body = registered.json()
    user = User.objects.get(email="john@example.com")
    assert {key: body[key] for key in ("id", "username", "email", "first_name", "last_name")} == {
        "id": user.pk,
        "username": "johndoe",
        "email": "john@example.com",
        "first_name": "John",
        "last_name": "Doe",
    }
    assert body["token"] == body["access"]

    # when it signs in with the username
    login = api_client.post(
        "/api/v1/users/login/", {"username": "johndoe", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    assert login.json()["id"] == user.pk
    token = login.json()["token"]

    # and signs out with no body, its access token in the header
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    logout = client.post("/api/v1/users/logout/")

    # then every refresh token of the account is revoked
    assert logout.status_code == 200
    assert logout.json() == {"success": True, "message": "Logged out successfully."}
    alive = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    assert alive.count() == 0
    refreshed = api_client.post(
        "/api/v1/auth/refresh", {"refresh": login.json()["refresh"]}, format="json"
    )
    assert refreshed.status_code == 401


def test_users_logout_with_a_refresh_token_revokes_only_that_one(api_client):
    user = UserFactory()
    kept, ended = RefreshToken.for_user(user), RefreshToken.for_user(user)

    response = api_client.post("/api/v1/users/logout/", {"refresh": str(ended)}, format="json")

    assert response.status_code == 200
    assert set(BlacklistedToken.objects.values_list("token__jti", flat=True)) == {ended["jti"]}
    assert kept["jti"] not in set(BlacklistedToken.objects.values_list("token__jti", flat=True))


def test_auth_logout_without_a_body_signs_the_caller_out_everywhere(auth_client):
    user = auth_client.user
    tokens = [RefreshToken.for_user(user) for _ in range(3)]
    other = RefreshToken.for_user(UserFactory())

    response = auth_client.post("/api/v1/auth/logout")

    assert response.status_code == 204
    revoked = set(BlacklistedToken.objects.values_list("token__jti", flat=True))
    assert revoked == set(OutstandingToken.objects.filter(user=user).values_list("jti", flat=True))
    assert {token["jti"] for token in tokens} <= revoked
    assert other["jti"] not in revoked


def test_logout_without_a_body_or_a_sign_in_is_401_and_revokes_nothing(api_client):
    RefreshToken.for_user(UserFactory())

    response = api_client.post("/api/v1/auth/logout", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert _error(response)["message"] == "أرسل رمز التحديث، أو سجّل الدخول لإنهاء كل الجلسات."
    assert BlacklistedToken.objects.count() == 0


def test_existing_users_routes_keep_working(auth_client):
    other = UserFactory(username="someone")

    assert auth_client.get("/api/v1/users/me/").json()["id"] == auth_client.user.pk
    assert auth_client.get(f"/api/v1/users/{other.pk}/").json()["username"] == "someone"


# --- seed 001: refresh `token`, sign-up `name`, `address`, `bannerImage`, `profile_picture` ----


def test_refresh_accepts_seed_001s_token_field(api_client):
    refresh = RefreshToken.for_user(UserFactory())

    response = api_client.post("/api/v1/auth/refresh", {"token": str(refresh)}, format="json")

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_refresh_without_any_token_names_refresh(api_client):
    response = api_client.post("/api/v1/auth/refresh", {}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"refresh": ["This field is required."]}


def test_signup_splits_seed_001s_full_name(api_client):
    response = api_client.post(
        "/api/v1/auth/signup",
        {"name": "Mohamed Ali Hassan", "email": "m@example.test", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 201
    user = User.objects.get(email="m@example.test")
    assert (user.first_name, user.last_name) == ("Mohamed", "Ali Hassan")
    assert response.json()["user"]["name"] == "Mohamed Ali Hassan"


def test_name_together_with_first_name_is_refused_and_creates_nothing(api_client):
    response = api_client.post(
        "/api/v1/auth/signup",
        {"name": "A B", "first_name": "A", "email": "m@example.test", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "name": ["Send either name, or first_name and last_name."]
    }
    assert User.objects.count() == 0


def test_an_unknown_signup_field_is_named_and_creates_nothing(api_client):
    response = api_client.post(
        "/api/v1/auth/signup",
        {"email": "m@example.test", "password": PASSWORD, "nickname": "mo"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["nickname"]
    assert _error(response)["message"] == "بعض الحقول غير صالحة."
    assert User.objects.count() == 0


def test_signup_text_is_cleaned(api_client):
    response = api_client.post(
        "/api/v1/auth/signup",
        {"email": "m@example.test", "password": PASSWORD, "first_name": "Sa\u202eRa <b>"},
        format="json",
    )

    assert response.status_code == 201
    assert User.objects.get(email="m@example.test").first_name == "SaRa <b>"


def test_profile_keeps_seed_001s_address_and_banner_image(auth_client, settings):
    # when a seed 001 client sends its multipart profile
    response = auth_client.patch(
        PROFILE,
        {"address": "12 Nile St, Cairo", "bannerImage": _picture("banner.png")},
        format="multipart",
    )

    # then the address is stored and the banner replaced (re-encoded)
    assert response.status_code == 200
    user = User.objects.get(pk=auth_client.user.pk)
    assert user.address == "12 Nile St, Cairo"
    assert user.banner.name.endswith(".webp")
    assert response.json()["address"] == "12 Nile St, Cairo"


def test_alias_and_canonical_picture_together_are_refused(auth_client, settings):
    response = auth_client.patch(
        PROFILE,
        {"avatar": _picture(), "profile_picture": _picture()},
        format="multipart",
    )

    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["profile_picture"]
    assert _media_files(settings) == []


# --- seed 000: PUT auth/profile with bio, skills, profile_picture ------------------------------


def test_seed_000_put_with_bio_skills_and_profile_picture(auth_client, skills_writer):
    # given a member with a name, and a registered `skills` writer
    user = auth_client.user

    # when a seed 000 client PUTs only bio, skills and profile_picture
    response = auth_client.put(
        PROFILE,
        {"bio": "I teach Arabic", "skills": ["Arabic", "Cooking"], "profile_picture": _picture()},
        format="multipart",
    )

    # then everything is applied and the names are kept
    assert response.status_code == 200
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.bio, fresh.first_name) == ("I teach Arabic", user.first_name)
    assert fresh.avatar.name.endswith(".webp")
    assert skills_writer == [(user.pk, ["Arabic", "Cooking"])]
    assert response.json()["profile_picture"] == response.json()["avatar"]
    assert response.json()["profile_picture"].endswith(".webp")


def test_a_refused_writer_value_changes_nothing_and_keeps_no_file(
    auth_client, skills_writer, settings
):
    before = User.objects.get(pk=auth_client.user.pk)

    response = auth_client.put(
        PROFILE,
        {"bio": "changed", "skills": ["forbidden"], "profile_picture": _picture()},
        format="multipart",
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {"skills": ["No such skill: forbidden."]}
    after = User.objects.get(pk=auth_client.user.pk)
    assert (after.bio, after.avatar.name) == (before.bio, before.avatar.name)
    assert _media_files(settings) == []
    assert skills_writer == []


def test_writer_fields_are_in_the_profile_update_schema(api_client, skills_writer):
    schema = api_client.get("/api/v1/schema/?format=json").json()

    properties = schema["components"]["schemas"]["PatchedProfileUpdateRequest"]["properties"]
    assert properties["skills"]["writeOnly"] is True


def test_sending_back_the_current_picture_url_changes_nothing(auth_client):
    uploaded = auth_client.patch(PROFILE, {"avatar": _picture()}, format="multipart")
    url = uploaded.json()["profile_picture"]

    response = auth_client.put(PROFILE, {"bio": "b", "profile_picture": url}, format="json")

    assert response.status_code == 200
    assert response.json()["avatar"] == url


def test_a_picture_link_is_refused_not_fetched(auth_client):
    response = auth_client.put(
        PROFILE, {"profile_picture": "https://example.com/profile.jpg"}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "profile_picture": [
            "Upload the picture as a file (multipart/form-data); links are not fetched."
        ]
    }
    assert not User.objects.get(pk=auth_client.user.pk).avatar


def test_a_picture_that_is_not_one_is_refused_with_the_same_message(auth_client, settings):
    fake = SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")

    response = auth_client.patch(PROFILE, {"profile_picture": fake}, format="multipart")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "profile_picture": ["Upload a JPEG, PNG, WebP or GIF picture; this file is not one."]
    }
    assert _media_files(settings) == []


# --- seed 004: subscription_status, created_at ---------------------------------------------------


def test_subscription_status_comes_from_the_registered_provider(auth_client, monkeypatch):
    assert auth_client.get(PROFILE).json()["subscription_status"] == "none"
    monkeypatch.setattr(extensions, "_subscription_status", lambda user: "active")

    body = auth_client.get("/api/v1/users/me/").json()

    assert body["subscription_status"] == "active"
    assert body["created_at"] == body["date_joined"]


def test_login_password_is_never_cleaned_or_trimmed(api_client):
    UserFactory(email="pw@example.test", username="pw_user")

    response = api_client.post(
        "/api/v1/users/login/",
        {"username": "pw_user", "password": f" {DEFAULT_PASSWORD}"},
        format="json",
    )

    assert response.status_code == 401
