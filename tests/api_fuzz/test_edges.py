"""The edge inputs of docs/api.md, sent explicitly to every write endpoint of the schema.

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


def not_a_crash(response, operation: dict) -> bool:
    """Below 500, or a 5xx the operation documents (e.g. an outside service that is down)."""
    return response.status_code < 500 or str(response.status_code) in operation["responses"]


def far_future_dates(client, method, target, operation) -> list[str]:
    problems = []
    for name, field in body_fields(operation).items():
        if field.get("format") != "date-time":
            continue
        before = fingerprint()
        response = send(client, method, target, {name: FAR_FUTURE})
        if not not_a_crash(response, operation):
            problems.append(f"{name}={FAR_FUTURE}: {response.status_code}")
        elif response.status_code < 400:
            problems.append(f"{name}={FAR_FUTURE}: accepted with {response.status_code}")
        elif response.status_code == 400 and name not in response.json()["error"].get("fields", {}):
            problems.append(f"{name}={FAR_FUTURE}: 400 not on the field: {response.json()}")
        if response.status_code >= 400 and changed_tables(before, fingerprint()):
            problems.append(f"{name}={FAR_FUTURE}: refused but changed the database")
    return problems


def deep_json(client, method, target, operation) -> list[str]:
    before = fingerprint()
    response = getattr(client, method)(target, DEEP_JSON, content_type="application/json")
    problems = []
    if not not_a_crash(response, operation):
        problems.append(f"5,000-deep JSON: {response.status_code}")
    elif response.status_code == 400 and response.json()["error"]["code"] != "parse_error":
        problems.append(f"5,000-deep JSON: 400 {response.json()['error']['code']}")
    if response.status_code >= 400 and changed_tables(before, fingerprint()):
        problems.append("5,000-deep JSON: refused but changed the database")
    return problems


def has_bidi_override(text: str) -> bool:
    return "\u202e" in text or "\\u202e" in text.lower()


def hostile_text(client, method, target, operation) -> list[str]:
    problems = []
    for name, field in body_fields(operation).items():
        if field.get("type") != "string" or "format" in field or "enum" in field:
            continue
        before = fingerprint()
        response = send(client, method, target, {name: HOSTILE})
        if not not_a_crash(response, operation):
            problems.append(f"{name}=U+202E<script>: {response.status_code}")
        elif response.status_code < 300 and has_bidi_override(response.content.decode()):
            problems.append(f"{name}=U+202E<script>: the bidi override came back")
        elif response.status_code >= 400 and changed_tables(before, fingerprint()):
            problems.append(f"{name}=U+202E<script>: refused but changed the database")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=ids_of(WRITES))
def test_edge_inputs_never_crash_and_refusals_change_nothing(world, method, path, operation):
    # given the member's own objects behind the path, answering in Arabic
    client = client_as(world["member"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ar"
    target = concrete(path, world["ids"])

    # when each edge input the issue names is sent, one field at a time
    problems = deep_json(client, method, target, operation)
    if json_body_schema(operation) is not None:
        problems += far_future_dates(client, method, target, operation)
        problems += hostile_text(client, method, target, operation)

    # then none crashed, dates were refused on their field, and no override survived
    assert problems == []


@pytest.mark.django_db
def test_deeply_nested_json_at_sign_in_without_credentials_is_a_400_parse_error():
    response = APIClient().post("/api/v1/auth/login/", DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


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
