"""CSP and flash messages skip the JSON API and stay on the site (config/site_only.py); the API's
language comes from Accept-Language, resolved once (config/locale.py)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_builds_no_message_store_and_carries_no_policy(api_client):
    # when
    response = api_client.get("/api/v1/health/")

    # then
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "_messages")
    assert not hasattr(response.wsgi_request, "csp_nonce")
    assert "Content-Security-Policy" not in response
    # the security headers the API keeps
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "Permissions-Policy" in response


def test_site_pages_keep_messages_and_their_policy(client):
    # when
    response = client.get("/en/accounts/login/")

    # then
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "_messages")
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("accept", "expected"), [("ar", "ar"), ("en", "en"), ("ar;q=0.2, en;q=0.9", "en"), ("", "en")]
)
def test_the_api_answers_in_the_accept_language(api_client, accept, expected):
    # when
    response = api_client.post("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE=accept)

    # then
    assert response.status_code == 404
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]
    message = response.json()["error"]["message"]
    assert message == ("غير موجود." if expected == "ar" else "Not found.")


def test_the_language_cookie_still_chooses_the_api_language(api_client, settings):
    # given
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    # when
    response = api_client.post("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response["Content-Language"] == "ar"
