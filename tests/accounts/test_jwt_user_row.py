"""The JWT authentication's user row, read with SQL compiled once per process
(accounts/authentication.py), is the row ``user_queryset()`` gives: every field, the role and the
e-mail verification, with the database's converters applied (SQLite's dates and booleans)."""

from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress

from accounts.authentication import _user_by_id
from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_queryset
from tests.accounts.factories import UserFactory, user_with_role
from tests.conftest import bearer

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_compiled_row_is_the_querysets_row():
    # given: a moderator with a verified address, a suspension date and a login time
    user = user_with_role(Role.MODERATOR, first_name="Ann")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    User.objects.filter(pk=user.pk).update(
        last_login=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        tokens_valid_after=datetime(2026, 1, 1, tzinfo=UTC),
    )
    expected = user_queryset().get(pk=user.pk)

    # when
    found = _user_by_id(User, user.pk)

    # then
    assert _fields(found) == _fields(expected)
    assert found.role_name == expected.role_name == Role.MODERATOR.value
    assert found.email_is_verified is True
    assert found.last_login == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert found._state.adding is False
    assert found._state.db == "default"


def test_an_unverified_member_reads_as_such():
    # given
    user = UserFactory()

    # when
    found = _user_by_id(User, user.pk)

    # then
    assert found.role_name == Role.MEMBER.value
    assert found.email_is_verified is False


@pytest.mark.parametrize("user_id", ["not-a-number", None, 2**70])
def test_an_id_that_names_nobody_finds_nobody(user_id):
    assert _user_by_id(User, user_id) is None


def test_a_token_of_a_deleted_account_is_401_in_the_error_shape(api_client):
    # given
    user = UserFactory()
    token = bearer(user)
    User.objects.filter(pk=user.pk).delete()

    # when
    response = api_client.get("/api/v1/auth/profile", HTTP_AUTHORIZATION=token)

    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
