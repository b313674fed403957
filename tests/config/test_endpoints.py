"""The schema, the docs and the health check answer."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_health_reports_each_service(api_client, settings):
    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["backend"] in {"sqlite", "postgresql"}
    assert body["cache"]["status"] == "ok"
    assert body["channel_layer"]["status"] == "ok"


def test_health_without_trailing_slash(api_client):
    assert api_client.get("/api/v1/health").status_code == 200


def test_health_is_503_when_the_cache_is_down(api_client, settings):
    # given a cache server nobody listens on
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["cache"]["status"] == "error"
    assert body["cache"]["detail"] == "ConnectionError"
    assert body["database"]["status"] == "ok"


def test_health_is_503_when_the_channel_layer_is_down(api_client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json()["channel_layer"]["status"] == "error"


def test_schema_is_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/health/" in schema["paths"]
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]


@pytest.mark.urls("tests.config.probe_urls")
def test_schema_documents_error_responses_of_each_operation(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)

    validate = schema["paths"]["/api/v1/probe/validate/"]["post"]["responses"]
    staff = schema["paths"]["/api/v1/probe/staff/"]["get"]["responses"]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    assert validate["400"]["content"]["application/json"]["schema"] == error_ref
    assert {"200", "401", "403"} <= set(staff)
    assert staff["401"]["content"]["application/json"]["schema"] == error_ref
    assert "401" not in validate
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


def test_schema_as_json(api_client):
    response = api_client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "SkillSwap API"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_render_without_a_cdn(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content
