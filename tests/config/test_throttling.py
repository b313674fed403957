"""Rate limits: headers on every throttled-scope response, 429 with Retry-After past the limit."""

import time

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.probe_urls")]


def test_auth_scope_allows_ten_per_minute_then_429_with_retry_after(api_client):
    # given ten requests from one IP
    for expected_remaining in range(9, -1, -1):
        response = api_client.post("/api/v1/probe/auth-throttled/", REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "10"
        assert response["X-RateLimit-Remaining"] == str(expected_remaining)

    # when the eleventh arrives within the minute
    response = api_client.post(
        "/api/v1/probe/auth-throttled/", REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="ar"
    )

    # then it is refused, in the error shape, with an honest wait
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "throttled"
    assert body["message"].startswith("تم حد الطلب")
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["retry_after"] == retry_after
    reset = int(response["X-RateLimit-Reset"])
    assert reset - 60 <= time.time() <= reset
    assert response["X-RateLimit-Remaining"] == "0"


def test_auth_scope_counts_each_ip_separately(api_client):
    for _ in range(10):
        api_client.post("/api/v1/probe/auth-throttled/", REMOTE_ADDR="203.0.113.7")

    response = api_client.post("/api/v1/probe/auth-throttled/", REMOTE_ADDR="203.0.113.8")

    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "9"


def test_anonymous_scope_headers_on_default_views(api_client):
    response = api_client.get("/api/v1/probe/users/")

    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "100"
    assert response["X-RateLimit-Remaining"] == "99"


def test_authenticated_scope_uses_the_user_rate(auth_client):
    response = auth_client.get("/api/v1/probe/users/")

    assert response["X-RateLimit-Limit"] == "1000"
    assert response["X-RateLimit-Remaining"] == "999"


def test_premium_users_get_the_premium_rate(auth_client):
    auth_client.user.__class__.is_premium = property(lambda self: True)
    try:
        response = auth_client.get("/api/v1/probe/users/")
    finally:
        del auth_client.user.__class__.is_premium

    assert response["X-RateLimit-Limit"] == "5000"


def test_unthrottled_views_carry_no_rate_headers(api_client):
    response = api_client.get("/api/v1/health/")

    assert "X-RateLimit-Limit" not in response
