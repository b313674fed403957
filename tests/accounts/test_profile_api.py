"""The caller's own profile: read, replace, change, pictures, export and deletion."""

import io
import os
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import extensions
from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/auth/profile"
ME = "/api/v1/users/me/"
EXPORT = "/api/v1/auth/export"
DELETE = "/api/v1/auth/account/delete"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _snapshot(user: User) -> dict:
    return {
        field.name: getattr(User.objects.get(pk=user.pk), field.attname)
        for field in User._meta.concrete_fields
    }


def _picture(fmt="PNG", size=(800, 600), mode="RGB", name="picture.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 40, 90) if mode == "RGB" else (200, 40, 90, 128)).save(
        buffer, format=fmt
    )
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def hooks():
    """Record the extension calls accounts makes, and remove the recorder afterwards."""
    calls = []

    def changed(user, fields):
        calls.append(("profile_changed", user.pk, fields))

    def deleted(user):
        calls.append(("user_deleted", user.pk, user.email))

    extensions.on_profile_changed(changed)
    extensions.on_user_deleted(deleted)
    extensions.register_export_section("test_section", lambda user: {"seen": user.pk})
    yield calls
    extensions._profile_changed.remove(changed)
    extensions._user_deleted.remove(deleted)
    extensions._export_sections.pop("test_section")


# --- read --------------------------------------------------------------------------------------


def test_profile_shows_every_field(auth_client):
    user = auth_client.user
    User.objects.filter(pk=user.pk).update(
        display_name="Sam",
        city="Cairo",
        country="EG",
        latitude=Decimal("30.044420"),
        longitude=Decimal("31.235712"),
        languages=["ar", "en"],
        interests={"interests": ["chess"], "communication_style": "formal"},
    )

    response = auth_client.get(PROFILE)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "email",
        "username",
        "email_verified",
        "has_password",
        "first_name",
        "last_name",
        "name",
        "display_name",
        "public_name",
        "phone",
        "address",
        "city",
        "country",
        "latitude",
        "longitude",
        "avatar",
        "profile_picture",
        "banner",
        "bio",
        "languages",
        "language",
        "time_zone",
        "interests",
        "role",
        "rating_average",
        "rating_count",
        "points_balance",
        "subscription_status",
        "date_joined",
        "created_at",
        "sections",
    }
    assert body["public_name"] == "Sam"
    assert body["latitude"] == "30.044420"
    assert body["languages"] == ["ar", "en"]
    assert body["interests"] == {"interests": ["chess"], "communication_style": "formal"}
    assert body["role"] == "member"
    assert body["has_password"] is True
    assert body["rating_average"] == "0.00"
    assert body["avatar"] is None
    assert body["profile_picture"] is None
    assert body["subscription_status"] == "none"
    assert body["created_at"] == body["date_joined"]
    assert body["points_balance"] == extensions.points_balance(user)
    assert isinstance(body["sections"], dict)


def test_other_apps_add_sections_to_the_profile(auth_client, user):
    extensions.register_profile_section("test_skills", lambda owner: {"offered": [owner.pk]})
    try:
        own = auth_client.get(PROFILE).json()
        public = auth_client.get(f"/api/v1/users/{user.pk}/").json()
    finally:
        extensions._profile_sections.pop("test_skills")

    assert own["sections"]["test_skills"] == {"offered": [user.pk]}
    assert public["sections"]["test_skills"] == {"offered": [user.pk]}


def test_users_me_is_the_same_profile(auth_client):
    assert auth_client.get(ME).json() == auth_client.get(PROFILE).json()


def test_profile_needs_authentication(api_client):
    for method in ("get", "put", "patch"):
        response = getattr(api_client, method)(PROFILE)
        assert response.status_code == 401
        assert _error(response)["code"] == "not_authenticated"
    assert api_client.post(DELETE, {"password": "x"}).status_code == 401


# --- update ------------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields_and_tells_other_apps(auth_client, hooks):
    user = auth_client.user
    User.objects.filter(pk=user.pk).update(
        interests={"interests": ["chess"], "communication_style": "formal"}
    )

    response = auth_client.patch(
        PROFILE,
        {
            "bio": "أعلم العود",
            "languages": ["AR", "en"],
            "phone": "+20 100 123 4567",
            "personality_data": {"interests": ["music", "oud"]},
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["bio"] == "أعلم العود"
    assert body["languages"] == ["ar", "en"]
    assert body["phone"] == "+201001234567"
    # PATCH merges interests: the communication style stays
    assert body["interests"] == {"interests": ["music", "oud"], "communication_style": "formal"}
    assert body["first_name"] == user.first_name
    assert hooks == [("profile_changed", user.pk, {"bio", "languages", "phone", "interests"})]


def test_patch_with_unchanged_values_calls_no_hook(auth_client, hooks):
    response = auth_client.patch(
        PROFILE, {"first_name": auth_client.user.first_name}, format="json"
    )

    assert response.status_code == 200
    assert hooks == []


def test_put_changes_the_fields_given_and_keeps_the_names(auth_client):
    # given a member with a name
    user = auth_client.user

    # when a PUT leaves the names out (seed 000 sends only some fields)
    response = auth_client.put(PROFILE, {"bio": "hello"}, format="json")

    # then the fields given change and the others keep their values
    assert response.status_code == 200
    assert (response.json()["bio"], response.json()["first_name"]) == ("hello", user.first_name)

    response = auth_client.put(
        PROFILE,
        {
            "first_name": "Rania",
            "last_name": "Aziz",
            "interests": {"interests": ["yoga"]},
            "time_zone": "Asia/Dubai",
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["interests"] == {"interests": ["yoga"]}
    assert response.json()["time_zone"] == "Asia/Dubai"
    assert response.json()["bio"] == "hello"


def test_update_refuses_each_invalid_field_and_changes_nothing(auth_client, hooks):
    before = _snapshot(auth_client.user)

    response = auth_client.patch(
        PROFILE,
        {
            "phone": "12345",
            "country": "XX",
            "languages": ["en", "zz", "en"],
            "time_zone": "Europe/Atlantis",
            "latitude": "91",
            "language": "fr",
            "interests": {"interests": "chess"},
            "bio": "x" * 2001,
        },
        format="json",
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "phone": ["Enter the phone number in international format, e.g. +201001234567."],
        "country": ["“XX” is not an ISO 3166-1 country code."],
        "languages": ["“zz” is not an ISO 639-1 language code."],
        "time_zone": ["“Europe/Atlantis” is not an IANA time zone such as Africa/Cairo."],
        "latitude": ["Ensure this value is less than or equal to 90."],
        "language": ['"fr" is not a valid choice.'],
        "interests.interests": ['Expected a list of items but got type "str".'],
        "bio": ["Ensure this field has no more than 2000 characters."],
    }
    assert _snapshot(auth_client.user) == before
    assert hooks == []


def test_duplicate_languages_are_refused(auth_client):
    response = auth_client.patch(PROFILE, {"languages": ["en", "EN"]}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"languages": ["Each language may appear only once."]}


def test_latitude_without_longitude_is_refused(auth_client):
    before = _snapshot(auth_client.user)

    response = auth_client.patch(PROFILE, {"latitude": "30.1"}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "longitude": ["Give both latitude and longitude, or neither."]
    }
    assert _snapshot(auth_client.user) == before


def test_read_only_fields_are_refused_by_name_and_change_nothing(auth_client):
    # given a member
    before = _snapshot(auth_client.user)

    # when they try to write fields the profile only shows
    response = auth_client.patch(
        PROFILE,
        {"email": "new@example.test", "rating_average": "5.00", "role": "admin"},
        format="json",
    )

    # then each is named in a 400 and nothing changed
    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "email": ["This field is not known."],
        "rating_average": ["This field is not known."],
        "role": ["This field is not known."],
    }
    assert _snapshot(auth_client.user) == before
    user = User.objects.get(pk=auth_client.user.pk)
    assert (user.email, user.rating_average) == (auth_client.user.email, 0)


# --- pictures ----------------------------------------------------------------------------------


def test_avatar_upload_is_reencoded_as_webp_and_shrunk(auth_client):
    response = auth_client.patch(
        PROFILE, {"avatar": _picture(size=(1200, 900))}, format="multipart"
    )

    assert response.status_code == 200
    user = User.objects.get(pk=auth_client.user.pk)
    assert user.avatar.name.startswith("avatars/")
    assert user.avatar.name.endswith(".webp")
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (512, 384)
    assert response.json()["avatar"].endswith(user.avatar.name)


def test_banner_keeps_transparency_and_replacing_deletes_the_old_file(
    auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(
            PROFILE, {"banner": _picture(size=(2000, 500), mode="RGBA")}, format="multipart"
        )
    first_path = User.objects.get(pk=auth_client.user.pk).banner.path
    with Image.open(first_path) as stored:
        assert (stored.format, stored.mode, stored.size) == ("WEBP", "RGBA", (1600, 400))

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(PROFILE, {"banner": _picture(fmt="JPEG")}, format="multipart")

    assert response.status_code == 200
    with Image.open(User.objects.get(pk=auth_client.user.pk).banner.path) as stored:
        assert stored.format == "WEBP"
    assert not os.path.exists(first_path)


def test_avatar_null_removes_it(auth_client, django_capture_on_commit_callbacks):
    auth_client.patch(PROFILE, {"avatar": _picture()}, format="multipart")
    path = User.objects.get(pk=auth_client.user.pk).avatar.path

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(PROFILE, {"avatar": None}, format="json")

    assert response.status_code == 200
    assert response.json()["avatar"] is None
    assert User.objects.get(pk=auth_client.user.pk).avatar.name == ""
    assert not os.path.exists(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("notes.png", b"just some text pretending to be a picture"),
    ],
)
def test_non_pictures_are_refused(auth_client, name, content):
    before = _snapshot(auth_client.user)

    response = auth_client.patch(
        PROFILE, {"avatar": SimpleUploadedFile(name, content)}, format="multipart"
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "avatar": ["Upload a JPEG, PNG, WebP or GIF picture; this file is not one."]
    }
    assert _snapshot(auth_client.user) == before


def test_too_large_pictures_are_refused(auth_client, settings):
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1))

    response = auth_client.patch(PROFILE, {"avatar": big}, format="multipart")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"avatar": ["The file is too large (at most 5 MB)."]}
    assert User.objects.get(pk=auth_client.user.pk).avatar.name == ""


def test_other_formats_pillow_reads_are_refused(auth_client):
    response = auth_client.patch(
        PROFILE, {"avatar": _picture(fmt="BMP", name="old.bmp")}, format="multipart"
    )

    assert response.status_code == 400
    assert list(_error(response)["fields"]) == ["avatar"]


# --- export ------------------------------------------------------------------------------------


def test_export_holds_the_account_and_every_app_section(auth_client, hooks):
    user = auth_client.user
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = auth_client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="skillswap-export.json"'
    body = response.json()
    assert set(body) == {
        "generated_at",
        "account",
        "email_addresses",
        "social_accounts",
        "sections",
    }
    assert body["account"]["email"] == user.email
    assert body["account"]["status"] == "active"
    assert body["email_addresses"] == [{"email": user.email, "verified": True, "primary": True}]
    assert body["social_accounts"] == []
    assert body["sections"]["test_section"] == {"seen": user.pk}


def test_export_needs_authentication(api_client):
    assert api_client.get(EXPORT).status_code == 401


# --- deletion ----------------------------------------------------------------------------------


def test_delete_anonymises_the_account_and_keeps_the_row(
    auth_client, hooks, django_capture_on_commit_callbacks
):
    # given a full profile, a picture, a Google link and a live refresh token
    user = auth_client.user
    auth_client.patch(
        PROFILE, {"avatar": _picture(), "bio": "bio", "city": "Rabat"}, format="multipart"
    )
    picture = User.objects.get(pk=user.pk).avatar.path
    account = SocialAccount.objects.create(user=user, provider="google", uid="42")
    SocialToken.objects.create(account=account, token="access", token_secret="refresh")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    refresh = str(RefreshToken.for_user(user))
    old_email = user.email

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(DELETE, {"password": DEFAULT_PASSWORD}, format="json")

    # then
    assert response.status_code == 204
    gone = User.objects.get(pk=user.pk)
    assert gone.email == f"deleted-{user.pk}@deleted.invalid"
    assert (gone.first_name, gone.last_name, gone.bio, gone.city) == ("", "", "", "")
    assert gone.avatar.name == ""
    assert gone.languages == []
    assert gone.interests == {}
    assert gone.is_active is False
    assert gone.deleted_at is not None
    assert gone.has_usable_password() is False
    assert gone.status == "deleted"
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not SocialToken.objects.exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2  # fixture's and ours
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert not os.path.exists(picture)
    assert hooks[-1] == ("user_deleted", user.pk, old_email)
    # and nobody can sign in with the old address or use the old token
    assert auth_client.get(PROFILE).status_code == 401
    login = auth_client.post(
        "/api/v1/auth/login", {"email": old_email, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 401
    assert auth_client.post("/api/v1/auth/refresh", {"refresh": refresh}).status_code == 401


def test_delete_with_the_wrong_password_changes_nothing(auth_client, hooks):
    before = _snapshot(auth_client.user)

    response = auth_client.post(DELETE, {"password": "nope"}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"password": ["The password is incorrect."]}
    assert _snapshot(auth_client.user) == before
    assert hooks == []


def test_google_only_accounts_delete_without_a_password(make_auth_client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client = make_auth_client(user)

    response = client.post(DELETE, {}, format="json")

    assert response.status_code == 204
    assert User.objects.get(pk=user.pk).deleted_at is not None
