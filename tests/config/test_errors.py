"""Every error, from every kind of failure, has one shape (docs/api.md), in the caller's tongue."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.probe_urls")]


def _error(response):
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def test_validation_error_lists_each_field_in_english(api_client):
    response = api_client.post(
        "/api/v1/probe/validate/", {"email": "nope", "age": -1}, format="json"
    )

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert error["message"] == "Some fields are not valid."
    assert error["fields"] == {
        "email": ["Enter a valid email address."],
        "age": ["Ensure this value is greater than or equal to 0."],
    }


def test_validation_error_in_arabic(api_client):
    response = api_client.post(
        "/api/v1/probe/validate/", {"age": 3}, format="json", HTTP_ACCEPT_LANGUAGE="ar"
    )

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "validation_error"
    assert error["message"] == "بعض الحقول غير صالحة."
    assert error["fields"] == {"email": ["هذا الحقل مطلوب."]}
    assert response["Content-Language"] == "ar"


def test_parse_error(api_client):
    response = api_client.post(
        "/api/v1/probe/validate/", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Authentication credentials were not provided."),
        ("ar", "لم يتم تزويد بيانات الدخول."),
    ],
)
def test_unauthenticated_is_401(api_client, language, message):
    response = api_client.get("/api/v1/probe/staff/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 401
    error = _error(response)
    assert error == {"code": "not_authenticated", "message": message, "fields": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get("/api/v1/probe/staff/")

    assert response.status_code == 401
    assert _error(response)["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You do not have permission to perform this action."),
        ("ar", "ليس لديك صلاحية للقيام بهذا الإجراء."),
    ],
)
def test_forbidden_is_403(make_auth_client, language, message):
    client = make_auth_client(UserFactory())

    response = client.get("/api/v1/probe/staff/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 403
    assert _error(response) == {"code": "permission_denied", "message": message, "fields": {}}


@pytest.mark.parametrize(("language", "message"), [("en", "Not found."), ("ar", "غير موجود.")])
def test_unknown_api_path_is_404_in_error_shape(api_client, language, message):
    response = api_client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 404
    assert _error(response) == {"code": "not_found", "message": message, "fields": {}}


def test_method_not_allowed_is_405(api_client):
    response = api_client.delete("/api/v1/probe/validate/", HTTP_ACCEPT_LANGUAGE="ar")

    assert response.status_code == 405
    error = _error(response)
    assert error["code"] == "method_not_allowed"
    assert error["message"] == 'طريقة "DELETE" غير مسموح بها.'


def test_conflict_is_409_with_extra_state(api_client):
    response = api_client.post("/api/v1/probe/conflict/")

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "conflict",
            "message": "The swap is already accepted.",
            "fields": {},
            "current_status": "accepted",
        }
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Something went wrong on our side. Please try again later."),
        ("ar", "حدث خطأ من جهتنا. يرجى المحاولة لاحقًا."),
    ],
)
def test_crash_is_500_without_traceback(api_client, language, message):
    api_client.raise_request_exception = False

    response = api_client.get("/api/v1/probe/crash/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 500
    assert _error(response) == {"code": "server_error", "message": message, "fields": {}}
    assert b"passwd" not in response.content
    assert b"Traceback" not in response.content
