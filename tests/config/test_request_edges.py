"""No request body, path or page number makes the API answer outside its error shape.

Every refusal is a JSON error in the caller's language, changes nothing, and never leaks the
parser's internals (docs/api.md, "Errors"; docs/pitfalls.md, "JSON at the edges").
"""

import json

import pytest
from django.test import Client
from django.utils import translation

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.probe_urls")]

DEEP = b"[" * 5000 + b"]" * 5000


def _error(response):
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


@pytest.mark.parametrize("path", ["/api/v1/probe/validate/", "/api/v1/auth/login"])
def test_json_nested_5000_deep_is_a_parse_error_not_a_crash(api_client, path):
    # when
    response = api_client.post(path, data=DEEP, content_type="application/json")

    # then
    assert response.status_code == 400
    assert _error(response) == {
        "code": "parse_error",
        "message": "JSON nested more than 64 levels deep is not accepted.",
        "fields": {},
    }


def test_json_nested_too_deep_in_arabic(api_client):
    response = api_client.post(
        "/api/v1/probe/validate/",
        data=DEEP,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert _error(response)["message"] == "لا يُقبل JSON متداخل بأكثر من 64 مستوى."


def test_json_at_the_depth_limit_is_parsed(api_client, settings):
    # given: the probe validates a body; nesting at the limit reaches validation
    settings.API_MAX_JSON_DEPTH = 3
    body = {"email": "a@example.test", "age": 1, "extra": [[1]]}

    response = api_client.post(
        "/api/v1/probe/validate/", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"email": "a@example.test", "age": 1}


def test_json_body_over_the_byte_limit_is_refused(api_client, settings):
    settings.API_MAX_JSON_BYTES = 100
    body = json.dumps({"email": "a@example.test", "age": 1, "pad": "x" * 200})

    response = api_client.post(
        "/api/v1/probe/validate/", data=body, content_type="application/json"
    )

    assert response.status_code == 400
    assert _error(response) == {
        "code": "parse_error",
        "message": "The request body is too large.",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("language", "message"), [("en", "JSON parse error."), ("ar", "خطأ في تحليل JSON.")]
)
def test_malformed_json_answers_without_parser_internals(api_client, language, message):
    response = api_client.post(
        "/api/v1/probe/validate/",
        data='{"email": ',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert _error(response) == {"code": "parse_error", "message": message, "fields": {}}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_outside_the_standard_are_refused(api_client, constant):
    response = api_client.post(
        "/api/v1/probe/validate/",
        data=f'{{"email": "a@example.test", "age": {constant}}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def test_sign_in_with_a_deep_body_signs_nobody_in(api_client):
    # given
    user = UserFactory(email="deep@example.test")
    before = user.last_login

    # when
    response = api_client.post("/api/v1/auth/login", data=DEEP, content_type="application/json")

    # then
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.last_login == before


@pytest.mark.parametrize("path", ["/api/v1/nowhere/", "/api/v1/auth/no-such-action", "/api/x/"])
def test_post_to_an_unrouted_api_path_is_a_json_404_not_the_csrf_page(path):
    # given: a browser-like client that enforces CSRF and has no cookie
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, data={"a": "b"}, HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "غير موجود.", "fields": {}}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_wrong_method_on_an_existing_api_path_is_a_json_405(method):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)("/api/v1/auth/login")

    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"


def test_csrf_failure_under_the_api_is_json(rf):
    from config.api.errors import csrf_failure

    request = rf.post("/api/v1/anything/")

    with translation.override("ar"):  # what LocaleMiddleware did for Accept-Language: ar
        response = csrf_failure(request, reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert json.loads(response.content) == {
        "error": {"code": "csrf_failed", "message": "رُفض الطلب: فشل التحقق من CSRF.", "fields": {}}
    }


def test_csrf_failure_elsewhere_is_djangos_page(rf):
    from config.api.errors import csrf_failure

    response = csrf_failure(rf.post("/en/somewhere/"), reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_csrf_failure_view_is_the_configured_one(settings):
    assert settings.CSRF_FAILURE_VIEW == "config.api.errors.csrf_failure"


def test_multipart_body_without_boundary_is_a_parse_error_in_the_error_shape(api_client):
    response = api_client.generic(
        "POST",
        "/api/v1/probe/validate/",
        data=b"--nothing\r\n",
        content_type="multipart/form-data",
        HTTP_ACCEPT_LANGUAGE="ar",
    )

    assert response.status_code == 400
    assert _error(response) == {
        "code": "parse_error",
        "message": "تعذّرت قراءة نص الطلب متعدد الأجزاء.",
        "fields": {},
    }


def test_empty_multipart_body_is_a_validation_error_in_the_error_shape(api_client):
    response = api_client.generic(
        "POST",
        "/api/v1/probe/validate/",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
    )

    assert response.status_code == 400
    assert _error(response) == {
        "code": "validation_error",
        "message": "Some fields are not valid.",
        "fields": {"email": ["This field is required."], "age": ["This field is required."]},
    }


def test_body_over_djangos_upload_limit_is_a_parse_error(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50
    settings.API_MAX_JSON_BYTES = 10_000

    response = api_client.post(
        "/api/v1/probe/validate/",
        data=json.dumps({"email": "a@example.test", "age": 1, "pad": "x" * 100}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _error(response) == {
        "code": "parse_error",
        "message": "The request body is too large.",
        "fields": {},
    }


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "١", "1_0", "+1"])
def test_page_that_is_not_a_number_from_one_is_400_naming_page(api_client, page):
    UserFactory.create_batch(3)

    response = api_client.get("/api/v1/probe/users/", {"page": page})

    assert response.status_code == 400
    assert _error(response) == {
        "code": "validation_error",
        "message": "Some fields are not valid.",
        "fields": {"page": ["Give a page number from 1."]},
    }


@pytest.mark.parametrize("page", ["2", "999999999", "9" * 5000])
def test_page_past_the_end_is_404(api_client, page):
    UserFactory.create_batch(3)

    response = api_client.get("/api/v1/probe/users/", {"page": page})

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": "Invalid page.", "fields": {}}


def test_last_page_keyword_still_works(api_client):
    UserFactory.create_batch(25)

    response = api_client.get("/api/v1/probe/users/", {"page": "last"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 5


def test_schema_documents_400_and_404_on_every_paginated_list(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)

    users = schema["paths"]["/api/v1/probe/users/"]["get"]["responses"]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    assert users["400"]["content"]["application/json"]["schema"] == error_ref
    assert users["404"]["content"]["application/json"]["schema"] == error_ref
    assert "page" in users["400"]["description"]
    assert users["404"]["description"] == "Not found: `page` is past the last page."
    lists = [
        (path, operation["responses"])
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method == "get" and "page" in {p["name"] for p in operation.get("parameters", [])}
    ]
    assert lists
    assert [path for path, responses in lists if not {"400", "404"} <= set(responses)] == []
