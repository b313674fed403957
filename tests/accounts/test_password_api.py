"""Password change, password reset by e-mail, and e-mail verification."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail, signing
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.emails import password_reset_token, verification_key
from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password/change"
RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
VERIFY = "/api/v1/auth/email/verify"
RESEND = "/api/v1/auth/email/verify/resend"
NEW_PASSWORD = "another-long-passphrase-77"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _live_refresh_tokens(user) -> int:
    return OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).count()


# --- change ------------------------------------------------------------------------------------


def test_password_change_revokes_every_token_and_returns_a_new_pair(auth_client):
    # given two signed-in devices
    user = auth_client.user
    old_refresh = str(RefreshToken.for_user(user))

    # when
    response = auth_client.post(
        CHANGE,
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert auth_client.post("/api/v1/auth/refresh", {"refresh": old_refresh}).status_code == 401
    # the old access token died with the old password; the new one works
    assert auth_client.get("/api/v1/auth/profile").status_code == 401
    auth_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert auth_client.get("/api/v1/auth/profile").status_code == 200
    assert _live_refresh_tokens(user) == 1


def test_password_change_with_a_wrong_current_password_changes_nothing(auth_client):
    user = auth_client.user
    before = User.objects.get(pk=user.pk).password

    response = auth_client.post(
        CHANGE, {"current_password": "wrong", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "current_password": ["The current password is incorrect."]
    }
    assert User.objects.get(pk=user.pk).password == before


def test_password_change_validates_the_new_password(auth_client):
    response = auth_client.post(
        CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": "x7$kQ"}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "new_password": ["This password is too short. It must contain at least 8 characters."]
    }


def test_password_change_requires_both_fields(auth_client):
    response = auth_client.post(CHANGE, {}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "current_password": ["This field is required."],
        "new_password": ["This field is required."],
    }


def test_password_change_needs_authentication(api_client):
    response = api_client.post(CHANGE, {"current_password": "a", "new_password": "b"})

    assert response.status_code == 401


def test_accounts_without_a_password_set_one_by_reset(make_auth_client):
    user = UserFactory()
    user.set_unusable_password()
    user.save()

    response = make_auth_client(user).post(
        CHANGE, {"current_password": "", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "current_password": ["This account has no password yet; set one with a password reset."]
    }


# --- reset -------------------------------------------------------------------------------------


def test_reset_mails_a_link_and_the_token_sets_a_new_password_once(
    api_client, django_capture_on_commit_callbacks
):
    # given
    user = UserFactory(email="rami@example.test")
    old_refresh = str(RefreshToken.for_user(user))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET, {"email": "RAMI@example.test"}, format="json")

    # then
    assert response.status_code == 202
    assert response.json() == {
        "detail": "If an account uses this address, we have sent it a link to choose "
        "a new password."
    }
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    uid = re.search(r"uid: (\S+)", body).group(1)
    token = re.search(r"token: (\S+)", body).group(1)
    assert f"/accounts/password/reset/key/{uid}-{token}/" in body

    confirm = api_client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD}, format="json"
    )
    assert confirm.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api_client.post("/api/v1/auth/refresh", {"refresh": old_refresh}).status_code == 401
    assert EmailAddress.objects.filter(user=user, verified=True).count() == 1

    # the token is single use
    again = api_client.post(
        CONFIRM, {"uid": uid, "token": token, "new_password": "yet-another-phrase-9"}
    )
    assert again.status_code == 400
    assert _error(again)["fields"] == {
        "token": ["This password reset link is invalid or has expired."]
    }
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    api_client, django_capture_on_commit_callbacks
):
    UserFactory(email="known@example.test")

    with django_capture_on_commit_callbacks(execute=True):
        unknown = api_client.post(RESET, {"email": "unknown@example.test"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET, {"email": "known@example.test"}, format="json")

    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert [message.to for message in mail.outbox] == [["known@example.test"]]


def test_reset_sends_nothing_to_a_suspended_account(api_client, django_capture_on_commit_callbacks):
    UserFactory(email="banned@example.test", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESET, {"email": "banned@example.test"})

    assert response.status_code == 202
    assert mail.outbox == []


def test_reset_requires_a_valid_address(api_client):
    response = api_client.post(RESET, {"email": "nope"}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"email": ["Enter a valid email address."]}


def test_reset_token_expires(api_client, settings):
    user = UserFactory()
    uid, token = password_reset_token(user)
    settings.PASSWORD_RESET_TIMEOUT = -1

    response = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)


def test_reset_confirm_refuses_forged_values_and_weak_passwords(api_client):
    user = UserFactory()
    uid, token = password_reset_token(user)

    forged = api_client.post(
        CONFIRM, {"uid": uid, "token": token[:-2] + "xx", "new_password": NEW_PASSWORD}
    )
    bad_uid = api_client.post(CONFIRM, {"uid": "!!", "token": token, "new_password": NEW_PASSWORD})
    weak = api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": "password"})
    empty = api_client.post(CONFIRM, {}, format="json")

    assert forged.status_code == bad_uid.status_code == weak.status_code == 400
    assert _error(forged)["fields"] == _error(bad_uid)["fields"]
    assert _error(weak)["fields"] == {"new_password": ["This password is too common."]}
    assert _error(empty)["fields"] == {
        "uid": ["This field is required."],
        "token": ["This field is required."],
        "new_password": ["This field is required."],
    }
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)


def test_reset_clears_the_account_sign_in_lock(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    user = UserFactory(email="locked@example.test")
    for _ in range(3):
        api_client.post("/api/v1/auth/login", {"email": "locked@example.test", "password": "x"})
    uid, token = password_reset_token(user)

    api_client.post(CONFIRM, {"uid": uid, "token": token, "new_password": NEW_PASSWORD})
    response = api_client.post(
        "/api/v1/auth/login", {"email": "locked@example.test", "password": NEW_PASSWORD}
    )

    assert response.status_code == 200


# --- e-mail verification -----------------------------------------------------------------------


def test_verification_key_from_the_signup_mail_verifies_the_address(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            "/api/v1/auth/signup", {"email": "new@example.test", "password": NEW_PASSWORD}
        )
    key = re.search(r"/accounts/confirm-email/([^/]+)/", mail.outbox[0].body).group(1)

    response = api_client.post(VERIFY, {"key": key}, format="json")

    assert response.status_code == 200
    assert response.json() == {"detail": "Your e-mail address is verified."}
    assert EmailAddress.objects.get(email="new@example.test").verified is True
    # clicking twice is fine
    assert api_client.post(VERIFY, {"key": key}).status_code == 200


def test_verification_refuses_forged_and_expired_keys(api_client, settings):
    user = UserFactory()
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
    key = verification_key(address)
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 0

    expired = api_client.post(VERIFY, {"key": key})
    forged = api_client.post(VERIFY, {"key": signing.dumps(address.pk, salt="other")})
    missing = api_client.post(VERIFY, {}, format="json")

    assert expired.status_code == forged.status_code == 400
    assert _error(forged)["fields"] == {
        "key": ["This verification link is invalid or has expired."]
    }
    assert _error(missing)["fields"] == {"key": ["This field is required."]}
    assert EmailAddress.objects.get(pk=address.pk).verified is False


def test_verification_key_for_an_old_address_is_refused(api_client):
    user = UserFactory(email="old@example.test")
    address = EmailAddress.objects.create(user=user, email="old@example.test")
    key = verification_key(address)
    User.objects.filter(pk=user.pk).update(email="changed@example.test")

    response = api_client.post(VERIFY, {"key": key})

    assert response.status_code == 400


def test_resend_mails_again_until_verified(auth_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = auth_client.post(RESEND)
    EmailAddress.objects.filter(user=auth_client.user).update(verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        second = auth_client.post(RESEND)

    assert first.status_code == second.status_code == 202
    assert first.json() == {"detail": "We have sent you a new verification link."}
    assert second.json() == {"detail": "Your e-mail address is already verified."}
    assert len(mail.outbox) == 1
    assert auth_client.get("/api/v1/auth/profile").json()["email_verified"] is True


def test_resend_needs_authentication(api_client):
    assert api_client.post(RESEND).status_code == 401


def test_mail_follows_the_users_language(api_client, django_capture_on_commit_callbacks):
    UserFactory(email="arabic@example.test", language="ar")

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(RESET, {"email": "arabic@example.test"})

    assert mail.outbox[0].subject == "اختر كلمة مرور جديدة لـ SkillSwap"
