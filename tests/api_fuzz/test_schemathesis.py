"""schemathesis over the whole schema, as a member and as staff (docs/api.md: every response is in
the schema), and over every write endpoint's body: no 500, and a refusal changes nothing.

No server error, no status code the schema does not document, no
response that breaks its schema, no content type it does not declare.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.api_fuzz.conftest import changed_tables, fingerprint, real_path_parameters
from tests.api_fuzz.schema import WRITE_METHODS, loaded_schema

schema = loaded_schema()

# Two examples per operation keep CI within its minutes; `FUZZ_EXAMPLES=50 pytest tests/api_fuzz`
# digs deeper by hand.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

CONFORMANCE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_answer_to_a_member_and_to_staff_is_documented(case, world):
    # One generated request, sent as a member and then as staff (one world for both: the
    # fixture is the expensive part of each operation's run).
    for role in ("member", "staff"):
        response = case.call(headers=world["headers"][role])

        case.validate_response(response, checks=CONFORMANCE)


@pytest.mark.django_db
@schema.include(method=[m.upper() for m in WRITE_METHODS]).parametrize()
@FUZZ_SETTINGS
def test_write_endpoints_never_fail_and_refusals_change_nothing(case, world):
    # given the member's own objects behind every path parameter
    if case.path_parameters:
        case.path_parameters = real_path_parameters(
            case.operation.path, case.path_parameters, world["ids"]
        )
    before = fingerprint()

    # when a generated body arrives
    response = case.call(headers=world["headers"]["member"])

    # then it is never a server error, and a refusal leaves every table as it was
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if 400 <= response.status_code < 500:
        assert changed_tables(before, fingerprint()) == [], (
            case.method,
            case.formatted_path,
            response.status_code,
            case.body,
        )
