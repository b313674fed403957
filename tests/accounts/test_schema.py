"""The OpenAPI schema documents every accounts endpoint with its bodies and error responses."""

import pytest
import yaml

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/ErrorResponse"}

# path → {method: (request component or None, success status, response component or None)}
ENDPOINTS = {
    "/api/v1/auth/signup/": {"post": ("Signup", "201", "AuthResponse")},
    "/api/v1/auth/register/": {"post": ("Signup", "201", "AuthResponse")},
    "/api/v1/auth/login/": {"post": ("Login", "200", "AuthResponse")},
    "/api/v1/auth/refresh/": {"post": ("Refresh", "200", "TokenPair")},
    "/api/v1/auth/logout/": {"post": ("Logout", "204", None)},
    "/api/v1/users/register/": {"post": ("Signup", "201", "UsersAuthResponse")},
    "/api/v1/users/login/": {"post": ("Login", "200", "UsersAuthResponse")},
    "/api/v1/users/logout/": {"post": ("Logout", "200", "LogoutResult")},
    "/api/v1/auth/google/": {"post": ("GoogleSignIn", "200", "GoogleAuthResponse")},
    "/api/v1/auth/profile/": {
        "get": (None, "200", "Profile"),
        "put": ("ProfileUpdate", "200", "Profile"),
        "patch": ("PatchedProfileUpdate", "200", "Profile"),
    },
    "/api/v1/users/me/": {
        "get": (None, "200", "Profile"),
        "put": ("ProfileUpdate", "200", "Profile"),
        "patch": ("PatchedProfileUpdate", "200", "Profile"),
    },
    "/api/v1/auth/export/": {"get": (None, "200", "Export")},
    "/api/v1/auth/account/delete/": {"post": ("AccountDelete", "204", None)},
    "/api/v1/auth/password/change/": {"post": ("PasswordChange", "200", "TokenPair")},
    "/api/v1/auth/password/reset/": {"post": ("PasswordReset", "202", "Detail")},
    "/api/v1/auth/password/reset/confirm/": {"post": ("PasswordResetConfirm", "200", "Detail")},
    "/api/v1/auth/email/verify/": {"post": ("EmailVerify", "200", "Detail")},
    "/api/v1/auth/email/verify/resend/": {"post": (None, "202", "Detail")},
    "/api/v1/users/": {"get": (None, "200", "PaginatedStaffUserList")},
    "/api/v1/admin/users/": {"get": (None, "200", "PaginatedStaffUserList")},
    "/api/v1/admin/users/{user_id}/": {"get": (None, "200", "StaffUser")},
    "/api/v1/users/{user_id}/": {"get": (None, "200", "PublicUser")},
    "/api/v1/users/{user_id}/suspend/": {"post": ("Suspend", "200", "StaffUser")},
    "/api/v1/users/{user_id}/reactivate/": {"post": (None, "200", "StaffUser")},
    "/api/v1/users/{user_id}/role/": {"post": ("Role", "200", "StaffUser")},
}

ANONYMOUS = {
    "/api/v1/auth/signup/",
    "/api/v1/auth/register/",
    "/api/v1/auth/login/",
    "/api/v1/auth/refresh/",
    "/api/v1/auth/logout/",
    "/api/v1/users/register/",
    "/api/v1/users/login/",
    "/api/v1/users/logout/",
    "/api/v1/auth/google/",
    "/api/v1/auth/password/reset/",
    "/api/v1/auth/password/reset/confirm/",
    "/api/v1/auth/email/verify/",
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize(
    ("path", "method"),
    [(path, method) for path, methods in ENDPOINTS.items() for method in methods],
)
def test_every_endpoint_documents_request_response_and_errors(schema, path, method):
    operation = schema["paths"][path][method]
    request, success, response = ENDPOINTS[path][method]
    responses = operation["responses"]

    if request is None:
        assert "requestBody" not in operation
    else:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == _ref(f"{request}Request")  # COMPONENT_SPLIT_REQUEST names
    assert success in responses
    if response is not None:
        assert responses[success]["content"]["application/json"]["schema"] == _ref(response)
    if method in {"post", "put", "patch"} and request is not None:
        assert responses["400"]["content"]["application/json"]["schema"] == ERROR
    if path not in ANONYMOUS:
        assert responses["401"]["content"]["application/json"]["schema"] == ERROR
        assert responses["403"]["content"]["application/json"]["schema"] == ERROR
    if "{user_id}" in path:
        assert responses["404"]["content"]["application/json"]["schema"] == ERROR
    assert operation["operationId"]


def test_auth_endpoints_document_throttling_and_refusals(schema):
    for path in ("/api/v1/auth/login/", "/api/v1/auth/signup/", "/api/v1/auth/google/"):
        assert (
            schema["paths"][path]["post"]["responses"]["429"]["content"]["application/json"][
                "schema"
            ]
            == ERROR
        )
    assert "401" in schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]
    assert "503" in schema["paths"]["/api/v1/auth/google/"]["post"]["responses"]


def test_profile_fields_have_their_real_names_and_types(schema):
    profile = schema["components"]["schemas"]["Profile"]["properties"]
    update = schema["components"]["schemas"]["PatchedProfileUpdateRequest"]["properties"]

    assert profile["role"]["allOf"] == [_ref("RoleEnum")] or profile["role"].get("$ref")
    assert profile["interests"] == {"allOf": [_ref("Interests")], "readOnly": True} or profile[
        "interests"
    ].get("$ref")
    assert profile["points_balance"]["type"] == "integer"
    assert profile["latitude"]["nullable"] is True
    assert profile["avatar"]["nullable"] is True
    assert update["languages"]["items"]["type"] == "string"
    assert set(schema["components"]["schemas"]["Interests"]["properties"]) == {
        "interests",
        "communication_style",
    }
    assert (
        "multipart/form-data"
        in schema["paths"]["/api/v1/auth/profile/"]["patch"]["requestBody"]["content"]
    )


def test_user_list_documents_its_filters(schema):
    parameters = {
        parameter["name"] for parameter in schema["paths"]["/api/v1/users/"]["get"]["parameters"]
    }

    assert {"role", "status", "search", "ordering", "page", "page_size"} <= parameters


def test_operation_ids_are_unique(schema):
    ids = [
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]

    assert len(ids) == len(set(ids))
