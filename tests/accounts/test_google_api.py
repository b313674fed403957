"""POST auth/google: Google ID tokens and authorisation codes, Google faked over real HTTP."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.selectors import google_credentials_get
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.accounts.google_fake import CLIENT_ID, rsa_key

pytestmark = pytest.mark.django_db

GOOGLE = "/api/v1/auth/google"


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _refused(response) -> None:
    assert response.status_code == 401
    assert _error(response) == {
        "code": "google_token_invalid",
        "message": "Google did not confirm this sign-in.",
        "fields": {},
    }
    # and nothing was created or linked
    assert not User.objects.filter(email="nadia.farouk@gmail.com").exists()
    assert SocialAccount.objects.count() == 0
    assert OutstandingToken.objects.count() == 0


def test_valid_id_token_creates_exactly_one_account(api_client, google):
    # when the same Google user signs in twice
    first = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")
    second = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    # then one account exists, created by the first call
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["created"] is True
    assert second.json()["created"] is False
    assert set(first.json()) == {"user", "access", "refresh", "created"}
    user = User.objects.get()
    assert user.email == "nadia.farouk@gmail.com"
    assert (user.first_name, user.last_name, user.language) == ("Nadia", "Farouk", "ar")
    assert user.has_usable_password() is False
    assert user.role == "member"
    assert first.json()["user"]["email_verified"] is True
    assert first.json()["user"]["has_password"] is False
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (
        user,
        "google",
        "110169484474386276334",
    )
    assert EmailAddress.objects.get(user=user).verified is True
    # and our tokens work
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['access']}")
    assert api_client.get("/api/v1/auth/profile").json()["id"] == user.pk


def test_keys_are_fetched_once_and_cached(api_client, google):
    api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")
    api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    assert [request[1] for request in google.requests] == ["/oauth2/v3/certs"]


def test_token_signed_by_an_untrusted_key_is_401(api_client, google):
    # the attacker reuses Google's key id but signs with their own key
    forged = google.id_token(key=rsa_key("attacker"))
    unknown_kid = google.id_token(key=rsa_key("attacker"), kid="attacker-key")

    _refused(api_client.post(GOOGLE, {"id_token": forged}, format="json"))
    _refused(api_client.post(GOOGLE, {"id_token": unknown_kid}, format="json"))
    assert User.objects.count() == 0
    assert SocialAccount.objects.count() == 0


def test_token_for_another_audience_is_401(api_client, google):
    token = google.id_token(aud="someone-else.apps.googleusercontent.com")

    _refused(api_client.post(GOOGLE, {"id_token": token}, format="json"))
    assert User.objects.count() == 0


def test_expired_token_is_401(api_client, google):
    now = int(time.time())
    token = google.id_token(iat=now - 7200, exp=now - 3600)

    _refused(api_client.post(GOOGLE, {"id_token": token}, format="json"))
    assert User.objects.count() == 0


def test_token_from_another_issuer_is_401(api_client, google):
    token = google.id_token(iss="https://evil.example")

    _refused(api_client.post(GOOGLE, {"id_token": token}, format="json"))


def test_unsigned_or_hmac_tokens_are_401(api_client, google):
    import jwt

    unsigned = jwt.encode(google.claims(), None, algorithm="none", headers={"kid": google.kid})
    hmac = jwt.encode(
        google.claims(),
        "a-shared-secret-of-32-bytes-length",
        algorithm="HS256",
        headers={"kid": google.kid},
    )

    _refused(api_client.post(GOOGLE, {"id_token": unsigned}, format="json"))
    _refused(api_client.post(GOOGLE, {"id_token": hmac}, format="json"))
    _refused(api_client.post(GOOGLE, {"id_token": "not-a-jwt"}, format="json"))


def test_unverified_google_email_is_refused(api_client, google):
    token = google.id_token(email_verified=False)

    response = api_client.post(GOOGLE, {"id_token": token}, format="json")

    assert response.status_code == 401
    assert _error(response)["code"] == "google_email_unverified"
    assert User.objects.count() == 0


def test_mobile_client_ids_are_accepted_audiences(api_client, google, settings):
    settings.GOOGLE_EXTRA_CLIENT_IDS = ["ios-app.apps.googleusercontent.com"]

    response = api_client.post(
        GOOGLE,
        {"id_token": google.id_token(aud="ios-app.apps.googleusercontent.com")},
        format="json",
    )

    assert response.status_code == 201


def test_links_an_existing_account_with_a_verified_address(api_client, google):
    user = UserFactory(email="nadia.farouk@gmail.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.pk
    assert User.objects.count() == 1
    assert SocialAccount.objects.get().user == user
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)


def test_linking_an_unverified_account_removes_the_unproven_password(api_client, google):
    # given someone registered the address earlier without ever proving it
    squatter = UserFactory(email="Nadia.Farouk@gmail.com")
    squatter_refresh = str(RefreshToken.for_user(squatter))

    # when the owner of the inbox signs in with Google
    response = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    # then the account is theirs: the squatter's password and tokens no longer work
    assert response.status_code == 200
    user = User.objects.get(pk=squatter.pk)
    assert user.has_usable_password() is False
    refused = api_client.post("/api/v1/auth/refresh", {"refresh": squatter_refresh})
    assert refused.status_code == 401
    assert EmailAddress.objects.get(user=user).verified is True


def test_suspended_account_cannot_sign_in_with_google(api_client, google):
    api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")
    User.objects.update(is_active=False)

    response = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    assert response.status_code == 401
    assert _error(response)["code"] == "account_suspended"


def test_authorisation_code_stores_google_credentials_for_the_calendar(api_client, google):
    # given Google accepts this code
    google.grant_code("4/0Adeu5BW-code", id_token=google.id_token())

    # when
    response = api_client.post(
        GOOGLE,
        {
            "code": "4/0Adeu5BW-code",
            "redirect_uri": "https://app.skillswap.test/oauth/google",
            "code_verifier": "verifier-123",
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    method, path, form = google.requests[0]
    assert (method, path) == ("POST", "/token")
    assert form["grant_type"] == ["authorization_code"]
    assert form["redirect_uri"] == ["https://app.skillswap.test/oauth/google"]
    assert form["code_verifier"] == ["verifier-123"]
    user = User.objects.get()
    token = SocialToken.objects.get(account__user=user)
    assert (token.token, token.token_secret) == ("ya29.a0AfH6SMB-access", "1//0rt")
    credentials = google_credentials_get(user)
    assert credentials.refresh_token == "1//0rt"
    assert credentials.client_id == CLIENT_ID
    assert credentials.token_uri == google.token_url
    assert credentials.has_scope("https://www.googleapis.com/auth/calendar.events")
    assert credentials.expired is False


def test_a_later_code_without_refresh_token_keeps_the_stored_one(api_client, google):
    google.grant_code("first", id_token=google.id_token())
    api_client.post(GOOGLE, {"code": "first", "redirect_uri": "https://app.test/cb"})
    google.grant_code("second", id_token=google.id_token(), refresh_token="")

    api_client.post(GOOGLE, {"code": "second", "redirect_uri": "https://app.test/cb"})

    assert SocialToken.objects.get().token_secret == "1//0rt"


def test_refused_code_is_401(api_client, google):
    response = api_client.post(
        GOOGLE, {"code": "stolen", "redirect_uri": "https://app.test/cb"}, format="json"
    )

    _refused(response)
    assert User.objects.count() == 0


def test_google_credentials_are_none_without_a_grant(user):
    assert google_credentials_get(user) is None


def test_request_needs_exactly_one_of_id_token_and_code(api_client, google):
    neither = api_client.post(GOOGLE, {}, format="json")
    both = api_client.post(GOOGLE, {"id_token": "a", "code": "b"}, format="json")
    no_redirect = api_client.post(GOOGLE, {"code": "b"}, format="json")

    assert neither.status_code == both.status_code == no_redirect.status_code == 400
    assert _error(neither)["fields"] == {"id_token": ["Send either id_token or code."]}
    assert _error(no_redirect)["fields"] == {"redirect_uri": ["This field is required."]}
    assert google.requests == []


def test_google_not_configured_is_503(api_client, settings):
    settings.GOOGLE_CLIENT_ID = ""

    response = api_client.post(GOOGLE, {"id_token": "x.y.z"}, format="json")

    assert response.status_code == 503
    assert _error(response)["code"] == "service_unavailable"


def test_google_unreachable_is_503(api_client, google):
    google.jwks_status = 500

    response = api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    assert response.status_code == 503
    assert User.objects.count() == 0


def test_google_sign_in_is_rate_limited_per_ip(api_client, google):
    for _ in range(10):
        api_client.post(GOOGLE, {"id_token": "x"}, REMOTE_ADDR="192.0.2.1")

    response = api_client.post(GOOGLE, {"id_token": "x"}, REMOTE_ADDR="192.0.2.1")

    assert response.status_code == 429
    assert "Retry-After" in response


def test_outstanding_tokens_are_recorded_for_google_sign_ins(api_client, google):
    api_client.post(GOOGLE, {"id_token": google.id_token()}, format="json")

    assert OutstandingToken.objects.count() == 1
