"""CORS answers only configured front-end origins; Celery finds every app's tasks."""

import pytest

pytestmark = pytest.mark.django_db


def test_configured_origin_is_allowed_with_rate_headers_exposed(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.skillswap.example"]

    response = client.options(
        "/api/v1/health/",
        HTTP_ORIGIN="https://app.skillswap.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )

    assert response["Access-Control-Allow-Origin"] == "https://app.skillswap.example"
    actual = client.get("/api/v1/health/", HTTP_ORIGIN="https://app.skillswap.example")
    exposed = {h.strip() for h in actual["Access-Control-Expose-Headers"].split(",")}
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"} <= (
        exposed
    )


def test_unknown_origin_gets_no_cors_grant(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.skillswap.example"]

    response = client.get("/api/v1/health/", HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_celery_is_eager_when_embedded_and_discovers_app_tasks(settings):
    from config.celery import app

    app.loader.import_default_modules()

    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert "accounts.tasks.flush_expired_tokens_task" in app.tasks
    beat = settings.CELERY_BEAT_SCHEDULE["flush-expired-tokens"]
    assert beat["task"] == "accounts.tasks.flush_expired_tokens_task"
