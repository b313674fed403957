"""The caller's own profile costs one user query: the JWT authentication's (docs/benchmarks.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.accounts.factories import UserFactory
from tests.conftest import bearer

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/profile"


def test_profile_reads_the_user_row_once(api_client):
    # given
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=bearer(user))

    # when
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(URL)

    # then
    assert response.status_code == 200
    assert response.json()["id"] == user.pk
    user_reads = [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(user_reads) == 1


def test_profile_query_count_is_pinned(api_client, django_assert_num_queries):
    # given: the user row (with role and e-mail verification), the points balance, the skills,
    # on a cold cache billing's one subscription read (premium rate, profile status and badge
    # share it; billing/subscriptions.py, subscription_facts), and the badges section (one query)
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=bearer(user))

    # when / then
    with django_assert_num_queries(5):
        response = api_client.get(URL)
    assert response.status_code == 200


def test_profile_answers_the_same_fields_under_arabic(api_client):
    # given
    user = UserFactory()
    api_client.credentials(HTTP_AUTHORIZATION=bearer(user))

    # when
    english = api_client.get(URL).json()
    arabic = api_client.get(URL, HTTP_ACCEPT_LANGUAGE="ar").json()

    # then
    assert list(arabic) == list(english)
    assert arabic["email"] == english["email"] == user.email
