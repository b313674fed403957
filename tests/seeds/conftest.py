"""Fixtures for the seed-client tests: members and staff as each seed's client meets them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.accounts.factories import UserFactory, user_with_role
from tests.conftest import bearer


@pytest.fixture
def client_for(db):
    """An API client signed in as ``user`` (``client_for(None)`` is anonymous)."""

    def build(user=None, *, language: str | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=bearer(user))
        if language:
            client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        client.user = user
        return client

    return build


@pytest.fixture
def member(db):
    return UserFactory(first_name="John", last_name="Doe")


@pytest.fixture
def other_member(db):
    return UserFactory(first_name="Jane", last_name="Smith")


@pytest.fixture
def staff(db):
    return user_with_role(Role.ADMIN, first_name="Ada", last_name="Admin", is_staff=True)
