"""The edge inputs issue 11 names, sent explicitly to every write endpoint of the schema.

- ``9999-12-31T23:59:59Z`` in every date-time field (and every date-time query parameter): a 400
  on that field, never an OverflowError (docs/api.md, the date window);
- a JSON body nested 5,000 levels deep: a 400 ``parse_error``, never a RecursionError;
- U+202E and ``<script>`` in every string field: never a 500, and what is stored and answered
  has no bidi override while the angle brackets stay (docs/api.md, the text rule).
A refusal changes nothing in any table of our apps.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from tests.api_fuzz.conftest import changed_tables, fingerprint, real_path_parameters
from tests.api_fuzz.schema import WRITE_METHODS, body_fields, json_body_schema, operations

FAR_FUTURE = "9999-12-31T23:59:59Z"
HOSTILE = "\u202e<script>alert(1)</script>"
DEEP_JSON = "[" * 5000 + "]" * 5000

WRITES = [(method, path, op) for method, path, op in operations(WRITE_METHODS)]
WITH_JSON = [entry for entry in WRITES if json_body_schema(entry[2]) is not None]


def concrete(path: str, ids: dict) -> str:
    params = real_path_parameters(path, {}, ids)
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path.replace("{", "").replace("}", "")  # an unresolved parameter stays a plain 404


def client_as(user) -> APIClient:
    from tests.conftest import bearer

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    return client


def send(client: APIClient, method: str, path: str, payload: object):
    return getattr(client, method)(path, payload, format="json")


def ids_of(params: list[tuple[str, str, dict]]) -> list[str]:
    return [f"{method.upper()} {path}" for method, path, _ in params]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), WITH_JSON, ids=ids_of(WITH_JSON))
def test_far_future_dates_are_a_400_on_the_field(world, method, path, operation):
    date_fields = [
        name for name, field in body_fields(operation).items() if field.get("format") == "date-time"
    ]
    client = client_as(world["member"])
    target = concrete(path, world["ids"])

    for name in date_fields:
        before = fingerprint()

        response = send(client, method, target, {name: FAR_FUTURE})

        assert response.status_code < 500, (name, response.content[:300])
        assert 400 <= response.status_code < 500, (name, response.status_code)
        if response.status_code == 400:
            assert name in response.json()["error"].get("fields", {}), (name, response.json())
        assert changed_tables(before, fingerprint()) == [], name


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=ids_of(WRITES))
def test_deeply_nested_json_is_a_400_parse_error(world, method, path, operation):
    client = client_as(world["member"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ar"
    before = fingerprint()

    response = getattr(client, method)(
        concrete(path, world["ids"]), DEEP_JSON, content_type="application/json"
    )

    assert response.status_code < 500, response.content[:300]
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "parse_error"
    assert changed_tables(before, fingerprint()) == []


@pytest.mark.django_db
def test_deeply_nested_json_at_sign_in_without_credentials_is_a_400_parse_error():
    response = APIClient().post("/api/v1/auth/login/", DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), WITH_JSON, ids=ids_of(WITH_JSON))
def test_bidi_overrides_never_survive_and_never_crash(world, method, path, operation):
    text_fields = [
        name
        for name, field in body_fields(operation).items()
        if field.get("type") == "string" and "format" not in field and "enum" not in field
    ]
    client = client_as(world["member"])
    target = concrete(path, world["ids"])

    for name in text_fields:
        before = fingerprint()

        response = send(client, method, target, {name: HOSTILE})

        assert response.status_code < 500, (name, response.content[:300])
        if response.status_code < 300:
            assert "\u202e" not in response.content.decode(), name
        elif 400 <= response.status_code < 500:
            assert changed_tables(before, fingerprint()) == [], name


@pytest.mark.django_db
def test_far_future_in_date_query_parameters_is_never_a_500(world):
    client = client_as(world["member"])
    for method, path, operation in operations(("get",)):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter.get("in") != "query" or schema.get("format") not in ("date", "date-time"):
                continue
            value = FAR_FUTURE if schema["format"] == "date-time" else "9999-12-31"

            response = client.get(concrete(path, world["ids"]), {parameter["name"]: value})

            assert response.status_code < 500, (method, path, parameter["name"])


@pytest.mark.django_db
def test_any_api_request_gets_json_for_a_missing_path_or_a_wrong_method(world):
    client = client_as(world["member"])

    missing = client.post("/api/v1/no-such-thing/", {"a": 1}, format="json")
    wrong_method = client.delete("/api/v1/categories/")
    anonymous = APIClient(enforce_csrf_checks=True).post("/api/v1/no-such-thing/", {"a": 1})

    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert json.loads(wrong_method.content)["error"]["code"] == "method_not_allowed"
    assert anonymous.status_code == 404
    assert anonymous["Content-Type"] == "application/json"
