"""The OpenAPI schema of the real routes generates without a warning and validates."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generation_is_clean_with_fail_on_warn():
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("openapi: 3")
