"""allauth's browser flows in the site's frame, Google's guards, the language redirects, and the
member's profile page."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from PIL import Image

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="PNG")
    return out.getvalue()


# --- allauth pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "direction"), [("en", 'dir="ltr"'), ("ar", 'dir="rtl"')])
def test_login_page_is_in_the_site_frame_in_each_language(client, language, direction):
    # when
    response = client.get(f"/{language}/accounts/login/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}" {direction}>' in html
    assert 'class="form stack"' in html
    assert "csrfmiddlewaretoken" in html
    assert html.count("<h1") == 1


def test_arabic_login_page_is_translated(client):
    # when
    html = client.get("/ar/accounts/login/").content.decode()
    # then: allauth's own Arabic catalogue
    assert "تسجيل الدخول" in html


@pytest.mark.parametrize(
    ("path", "accept", "target"),
    [
        ("/accounts/login/", "ar", "/ar/accounts/login/"),
        ("/accounts/login/", "en", "/en/accounts/login/"),
        ("/accounts/signup/?next=/ar/me/", "ar", "/ar/accounts/signup/?next=/ar/me/"),
        ("/accounts/google/login/", "ar", "/ar/accounts/google/login/"),
    ],
)
def test_unprefixed_account_addresses_redirect_to_the_visitors_language(
    client, path, accept, target
):
    # when
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=accept)
    # then
    assert response.status_code == 302
    assert response["Location"] == target


@pytest.mark.parametrize(
    "path",
    [
        "/en/accounts/google/login/",
        "/ar/accounts/google/login/",
        "/accounts/google/login/callback/",
    ],
)
def test_google_without_configuration_answers_a_clear_page(client, settings, path):
    # given: no client id and no SocialApp row
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APPS": []}}
    # when
    response = client.get(path)
    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert "Google sign-in is not available here" in html or "Google" in html
    assert reverse("account_login") in html or "/accounts/login/" in html


def test_google_button_is_hidden_without_configuration(client, settings):
    # given
    settings.SOCIALACCOUNT_PROVIDERS = {"google": {"APPS": []}}
    # when
    html = client.get("/en/accounts/login/").content.decode()
    # then
    assert "google/login" not in html


def test_google_button_and_login_with_configuration(client, settings):
    # given
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "id-123", "secret": "s", "key": ""}], "SCOPE": ["email"]}
    }
    # when
    html = client.get("/en/accounts/login/").content.decode()
    response = client.post("/en/accounts/google/login/")
    # then: the button, and Google's consent page with our one language-neutral callback
    assert "/en/accounts/google/login/" in html
    assert response.status_code == 302
    assert response["Location"].startswith("https://accounts.google.com/")
    assert (
        "redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Fgoogle%2Flogin%2Fcallback%2F"
        in (response["Location"])
    )


def test_sign_in_message_shows_on_the_very_next_page(client):
    # given
    user = UserFactory(email="ann@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # when
    response = client.post(
        "/en/accounts/login/",
        {"login": "ann@example.test", "password": DEFAULT_PASSWORD},
        follow=True,
    )
    # then
    assert response.status_code == 200
    assert "Successfully signed in as" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/en/me/"


def test_signup_through_the_form_sends_a_verification_mail(client):
    # when
    response = client.post(
        "/ar/accounts/signup/",
        {
            "email": "new@example.test",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    # then
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.test").exists()
    assert len(mail.outbox) == 1
    assert "new@example.test" in mail.outbox[0].to


def test_signup_errors_rerender_in_arabic(client):
    # when
    response = client.post(
        "/ar/accounts/signup/", {"email": "not-an-email", "password1": "x", "password2": "y"}
    )
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "errorlist" in html
    assert not User.objects.filter(email="not-an-email").exists()


@pytest.mark.parametrize(
    "path",
    ["/en/accounts/password/reset/", "/ar/accounts/signup/", "/en/accounts/password/reset/done/"],
)
def test_other_allauth_pages_render_in_the_frame(client, path):
    # when
    response = client.get(path)
    # then
    assert response.status_code == 200
    assert 'class="skip-link"' in response.content.decode()


def test_password_change_page_for_a_member(client):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.get("/ar/accounts/password/change/")
    # then
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


# --- profile -----------------------------------------------------------------------------------


def test_profile_page_needs_sign_in(client):
    # when
    response = client.get("/ar/me/profile/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/ar/accounts/login/?next=/ar/me/profile/"


def _profile_post(**changes):
    data = {
        "display_name": "Ann",
        "first_name": "Ann",
        "last_name": "Lee",
        "username": "ann_lee",
        "bio": "I teach <b>guitar</b>",
        "languages": "ar, en",
        "language": "ar",
        "time_zone": "Africa/Cairo",
    }
    data.update(changes)
    return data


def test_profile_page_saves_through_the_service(client):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post("/en/me/profile/", _profile_post())
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.username, user.bio) == (
        "Ann",
        "ann_lee",
        "I teach <b>guitar</b>",
    )
    assert user.languages == ["ar", "en"]
    assert (user.language, user.time_zone) == ("ar", "Africa/Cairo")


def test_profile_page_stores_an_avatar_through_the_image_pipeline(client):
    # given
    user = UserFactory()
    client.force_login(user)
    upload = io.BytesIO(_png())
    upload.name = "me.png"
    # when
    response = client.post("/en/me/profile/", {**_profile_post(), "avatar": upload})
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.endswith(".webp")


def test_profile_refusals_rerender_and_change_nothing(client):
    # given
    UserFactory(username="taken")
    user = UserFactory(display_name="Before")
    client.force_login(user)
    bad = io.BytesIO(b"not an image")
    bad.name = "x.png"
    # when
    taken = client.post("/en/me/profile/", _profile_post(username="TAKEN"))
    wrong_language = client.post("/en/me/profile/", _profile_post(languages="xx"))
    wrong_image = client.post("/ar/me/profile/", {**_profile_post(), "avatar": bad})
    # then
    assert taken.status_code == 400
    assert "This username is taken." in taken.content.decode()
    assert wrong_language.status_code == 400
    assert wrong_image.status_code == 400
    assert 'dir="rtl"' in wrong_image.content.decode()
    user.refresh_from_db()
    assert (user.display_name, user.username, user.avatar.name) == ("Before", "", "")


def test_profile_page_query_count(client, django_assert_max_num_queries):
    # given
    user = UserFactory()
    client.force_login(user)
    # when / then
    with django_assert_max_num_queries(8):
        response = client.get("/en/me/profile/")
    assert response.status_code == 200
