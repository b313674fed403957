"""Sign-up, sign-in, token refresh and logout through the API (docs/api.md, Accounts)."""

import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PROFILE = "/api/v1/auth/profile"
NEW_PASSWORD = "a-long-unusual-passphrase-42"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _signup(client, **fields):
    body = {"email": "Hala.Saeed@Example.test", "password": NEW_PASSWORD, **fields}
    return client.post(SIGNUP, body, format="json")


# --- sign-up -----------------------------------------------------------------------------------


def test_signup_creates_a_member_signs_in_and_mails_a_verification_link(
    api_client, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(
            api_client,
            first_name="Hala",
            last_name="Saeed",
            language="ar",
            time_zone="Africa/Cairo",
            personality_data={"interests": ["music"], "communication_style": "friendly"},
        )

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    user = User.objects.get()
    assert user.email == "hala.saeed@example.test"
    assert user.check_password(NEW_PASSWORD)
    assert user.interests == {"interests": ["music"], "communication_style": "friendly"}
    assert body["user"]["id"] == user.pk
    assert body["user"]["email"] == "hala.saeed@example.test"
    assert body["user"]["role"] == "member"
    assert body["user"]["email_verified"] is False
    assert body["user"]["language"] == "ar"
    assert body["user"]["time_zone"] == "Africa/Cairo"
    assert list(user.groups.values_list("name", flat=True)) == ["Members"]
    assert EmailAddress.objects.filter(user=user, verified=False, primary=True).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hala.saeed@example.test"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    # the access token works at once
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api_client.get(PROFILE).json()["id"] == user.pk


def test_register_alias_creates_the_same_account(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "omar@example.test", "password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 201
    assert User.objects.filter(email="omar@example.test").count() == 1


def test_signup_email_is_unique_whatever_its_case(api_client):
    # given
    UserFactory(email="hala.saeed@example.test")

    # when
    response = _signup(api_client, email="HALA.SAEED@example.TEST")

    # then
    assert response.status_code == 400
    assert _error(response) == {
        "code": "validation_error",
        "message": "Some fields are not valid.",
        "fields": {"email": ["An account with this e-mail address already exists."]},
    }
    assert User.objects.count() == 1


def test_signup_requires_email_and_password(api_client):
    response = api_client.post(SIGNUP, {}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "email": ["This field is required."],
        "password": ["This field is required."],
    }
    assert User.objects.count() == 0


def test_signup_refuses_malformed_fields(api_client):
    response = _signup(
        api_client,
        email="not-an-address",
        language="fr",
        time_zone="Mars/Olympus",
        interests={"interests": ["x" * 51], "communication_style": "shouty"},
    )

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "email": ["Enter a valid email address."],
        "language": ['"fr" is not a valid choice.'],
        "time_zone": ["“Mars/Olympus” is not an IANA time zone such as Africa/Cairo."],
        "interests.interests.0": ["Ensure this field has no more than 50 characters."],
        "interests.communication_style": ['"shouty" is not a valid choice.'],
    }
    assert User.objects.count() == 0


def test_signup_runs_django_password_validators(api_client):
    response = _signup(api_client, password="12345678", email="short@example.test")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "password": ["This password is too common.", "This password is entirely numeric."]
    }
    assert User.objects.count() == 0


def test_signup_password_may_not_resemble_the_email(api_client):
    response = _signup(api_client, email="marwan.khoury@example.test", password="khoury123")

    assert response.status_code == 400
    assert _error(response)["fields"] == {
        "password": ["The password is too similar to the e-mail address."]
    }


def test_signup_errors_in_arabic(api_client):
    # given an address already taken
    UserFactory(email="taken@example.test")

    response = api_client.post(
        SIGNUP,
        {"email": "taken@example.test", "password": NEW_PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    error = _error(response)
    assert error["message"] == "بعض الحقول غير صالحة."
    assert error["fields"] == {"email": ["يوجد حساب بعنوان البريد الإلكتروني هذا بالفعل."]}
    assert response["Content-Language"] == "ar"


def test_signup_required_field_message_in_arabic(api_client):
    response = api_client.post(SIGNUP, {"email": "x@example.test"}, HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"password": ["هذا الحقل مطلوب."]}


# --- sign-in -----------------------------------------------------------------------------------


def test_login_returns_tokens_and_profile(api_client):
    # given
    user = UserFactory(email="lina@example.test")

    # when
    response = api_client.post(
        LOGIN, {"email": "Lina@Example.test", "password": DEFAULT_PASSWORD}, format="json"
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    assert body["user"]["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None
    assert OutstandingToken.objects.filter(user=user).count() == 1


def test_login_accepts_username_as_seed_003_sends_it(api_client):
    user = UserFactory(email="johndoe@example.test")

    response = api_client.post(
        LOGIN, {"username": "johndoe@example.test", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk


def test_login_with_wrong_password_is_401_and_issues_nothing(api_client):
    user = UserFactory(email="lina@example.test")

    response = api_client.post(
        LOGIN, {"email": "lina@example.test", "password": "wrong-password"}, format="json"
    )

    assert response.status_code == 401
    assert _error(response) == {
        "code": "authentication_failed",
        "message": "Incorrect e-mail address, username or password.",
        "fields": {},
    }
    assert OutstandingToken.objects.count() == 0
    user.refresh_from_db()
    assert user.last_login is None


def test_login_with_unknown_email_is_the_same_401(api_client):
    response = api_client.post(
        LOGIN, {"email": "nobody@example.test", "password": "whatever"}, format="json"
    )

    assert response.status_code == 401
    assert _error(response)["message"] == "Incorrect e-mail address, username or password."


def test_login_requires_email_and_password(api_client):
    response = api_client.post(LOGIN, {}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"password": ["This field is required."]}

    response = api_client.post(LOGIN, {"password": "x"}, format="json")

    assert response.status_code == 400
    assert _error(response)["fields"] == {"email": ["This field is required."]}


def test_login_of_a_suspended_account_is_refused(api_client):
    UserFactory(email="banned@example.test", is_active=False)

    response = api_client.post(
        LOGIN, {"email": "banned@example.test", "password": DEFAULT_PASSWORD}, format="json"
    )

    assert response.status_code == 401
    assert _error(response)["code"] == "account_suspended"
    assert OutstandingToken.objects.count() == 0


def test_eleventh_login_in_a_minute_from_one_ip_is_429_with_retry_after(api_client):
    UserFactory(email="lina@example.test")
    for _ in range(10):
        response = api_client.post(
            LOGIN,
            {"email": "lina@example.test", "password": DEFAULT_PASSWORD},
            format="json",
            REMOTE_ADDR="198.51.100.4",
        )
        assert response.status_code == 200

    response = api_client.post(
        LOGIN,
        {"email": "lina@example.test", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 429
    assert _error(response)["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "10"
    assert response["X-RateLimit-Remaining"] == "0"


def test_brute_force_on_one_account_is_slowed_across_ips(api_client, settings):
    # given an attacker trying passwords for one account from five addresses
    UserFactory(email="target@example.test")
    for attempt in range(5):
        response = api_client.post(
            LOGIN,
            {"email": "target@example.test", "password": f"guess-{attempt}"},
            format="json",
            REMOTE_ADDR=f"203.0.113.{attempt + 1}",
        )
        assert response.status_code == 401

    # when a sixth address tries, even with the right password
    response = api_client.post(
        LOGIN,
        {"email": "target@example.test", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.99",
    )

    # then the account's sign-in is locked for a minute, whatever the address
    assert response.status_code == 429
    error = _error(response)
    assert error["code"] == "throttled"
    assert error["message"] == (
        "Too many failed sign-in attempts for this account. Try again in 60 s."
    )
    assert error["retry_after"] == 60
    assert response["Retry-After"] == "60"
    assert OutstandingToken.objects.count() == 0
    # another account is not affected
    UserFactory(email="other@example.test")
    response = api_client.post(
        LOGIN,
        {"email": "other@example.test", "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR="203.0.113.99",
    )
    assert response.status_code == 200


def test_account_lock_ends_and_doubles_on_the_next_failure(api_client, settings):
    # given a one-second base lock, armed by three failures
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_SECONDS = 1
    UserFactory(email="target@example.test")
    for attempt in range(3):
        api_client.post(
            LOGIN,
            {"email": "target@example.test", "password": f"guess-{attempt}"},
            format="json",
            REMOTE_ADDR=f"203.0.113.{attempt + 1}",
        )
    locked = api_client.post(
        LOGIN, {"email": "target@example.test", "password": "x"}, REMOTE_ADDR="203.0.113.9"
    )
    assert locked.status_code == 429

    # when the lock has passed, one more failure
    time.sleep(1.1)
    failed = api_client.post(
        LOGIN, {"email": "target@example.test", "password": "x"}, REMOTE_ADDR="203.0.113.9"
    )

    # then that attempt was checked, and the next lock is twice as long
    assert failed.status_code == 401
    relocked = api_client.post(
        LOGIN,
        {"email": "target@example.test", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="203.0.113.10",
    )
    assert relocked.status_code == 429
    assert relocked["Retry-After"] == "2"


def test_successful_login_clears_the_failure_count(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(email="lina@example.test")
    for _ in range(2):
        api_client.post(LOGIN, {"email": "lina@example.test", "password": "typo"})
    assert (
        api_client.post(
            LOGIN, {"email": "lina@example.test", "password": DEFAULT_PASSWORD}
        ).status_code
        == 200
    )

    for _ in range(2):
        response = api_client.post(LOGIN, {"email": "lina@example.test", "password": "typo"})
        assert response.status_code == 401


# --- refresh and logout ------------------------------------------------------------------------


def _pair(user):
    refresh = RefreshToken.for_user(user)
    return str(refresh.access_token), str(refresh)


def test_refresh_rotates_and_the_used_token_is_refused(api_client, user):
    # given
    _, refresh = _pair(user)

    # when
    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != refresh
    again = api_client.post(REFRESH, {"refresh": refresh}, format="json")
    assert again.status_code == 401
    assert _error(again) == {
        "code": "token_not_valid",
        "message": "The refresh token is invalid, expired or already used.",
        "fields": {},
    }
    # the new one works once
    assert api_client.post(REFRESH, {"refresh": body["refresh"]}).status_code == 200


def test_refresh_refuses_garbage_and_access_tokens(api_client, user):
    access, _ = _pair(user)

    assert api_client.post(REFRESH, {"refresh": "not.a.jwt"}).status_code == 401
    assert api_client.post(REFRESH, {"refresh": access}).status_code == 401
    response = api_client.post(REFRESH, {}, format="json")
    assert response.status_code == 400
    assert _error(response)["fields"] == {"refresh": ["This field is required."]}


def test_refresh_refused_for_a_suspended_account(api_client, user):
    _, refresh = _pair(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = api_client.post(REFRESH, {"refresh": refresh})

    assert response.status_code == 401
    assert _error(response)["code"] == "account_suspended"


def test_logout_blacklists_the_refresh_token_and_refresh_is_then_refused(auth_client):
    # given
    _, refresh = _pair(auth_client.user)

    # when
    response = auth_client.post(LOGOUT, {"refresh": refresh}, format="json")

    # then
    assert response.status_code == 204
    assert BlacklistedToken.objects.filter(token__token=refresh).count() == 1
    refused = auth_client.post(REFRESH, {"refresh": refresh})
    assert refused.status_code == 401


def test_logging_out_twice_is_not_an_error(api_client, user):
    _, refresh = _pair(user)

    first = api_client.post(LOGOUT, {"refresh": refresh})
    second = api_client.post(LOGOUT, {"refresh": refresh})

    assert (first.status_code, second.status_code) == (204, 204)
    assert BlacklistedToken.objects.count() == 1


def test_logout_with_an_expired_token_is_a_no_op(api_client, user):
    token = RefreshToken.for_user(user)
    token.set_exp(lifetime=-__import__("datetime").timedelta(seconds=1))

    response = api_client.post(LOGOUT, {"refresh": str(token)})

    assert response.status_code == 204
    assert BlacklistedToken.objects.count() == 0


def test_logout_refuses_what_is_not_a_refresh_token(api_client, user):
    access, _ = _pair(user)

    for value in ("garbage", access):
        response = api_client.post(LOGOUT, {"refresh": value})
        assert response.status_code == 400
        assert _error(response)["fields"] == {"refresh": ["This is not a valid refresh token."]}
    assert BlacklistedToken.objects.count() == 0


def test_full_journey_signup_login_update_refresh_logout(api_client):
    signup = _signup(api_client, email="journey@example.test").json()
    login = api_client.post(
        LOGIN, {"email": "journey@example.test", "password": NEW_PASSWORD}
    ).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access']}")
    patched = api_client.patch(PROFILE, {"city": "Amman", "country": "jo"}, format="json")
    refreshed = api_client.post(REFRESH, {"refresh": login["refresh"]}).json()
    logout = api_client.post(LOGOUT, {"refresh": refreshed["refresh"]})

    assert signup["user"]["id"] == login["user"]["id"]
    assert patched.json()["city"] == "Amman"
    assert patched.json()["country"] == "JO"
    assert logout.status_code == 204
    assert api_client.post(REFRESH, {"refresh": refreshed["refresh"]}).status_code == 401
