"""Shared fixtures. Databases, caches and channel layers are real: SQLite/local memory when
embedded, PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set (``.ci/run`` sets both)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.accounts.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("CI_REQUIRE_SERVICES") == "1"
# Filled once by django_db_setup below: the fresh test database, serialized.
PRISTINE_DATABASE: list[str] = []


def _service_missing(marker: str) -> str | None:
    if marker == "postgres":
        engine = settings.DATABASES["default"]["ENGINE"]
        return None if engine.endswith("postgresql") else "needs PostgreSQL (set DATABASE_URL)"
    if marker == "redis":
        return None if settings.REDIS_URL else "needs Redis (set REDIS_URL)"
    return None


def _uses_database(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in fixtures for name in ("db", "transactional_db", "live_server")
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests after every other database test (pytest-django has ordered them).

    They restore the migrations' rows (Wagtail tree, groups) by serialized rollback and leave an
    empty database behind them (their flushes skip post_migrate), which the other transactional
    tests, coming after a normal flush, do not expect. tests/e2e/conftest.py empties the database
    before each restore, whatever ran before.
    """
    e2e = [item for item in items if "/tests/e2e/" in str(item.fspath)]
    if not e2e:
        return
    rest = [item for item in items if "/tests/e2e/" not in str(item.fspath)]
    last_db = max((i for i, item in enumerate(rest) if _uses_database(item)), default=-1)
    items[:] = rest[: last_db + 1] + e2e + rest[last_db + 1 :]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "redis"):
        if item.get_closest_marker(marker) is None:
            continue
        missing = _service_missing(marker)
        if missing:
            # CI must never go green on the embedded runtime alone.
            if REQUIRE_SERVICES:
                pytest.fail(f"{missing}; CI_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
            pytest.skip(missing)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let pytest-django drop the test database even if a worker thread still holds a connection.

    Connections opened by asgiref executor threads (database_sync_to_async in consumer tests) live
    as long as their thread; PostgreSQL refuses DROP DATABASE while any session is attached.
    """
    from django.db import connection

    # The migrations' rows (Wagtail tree, Site, groups, content types) as the fresh test database
    # holds them, for the browser tests to start from (tests/e2e/conftest.py).
    with django_db_blocker.unblock():
        PRISTINE_DATABASE.append(connection.creation.serialize_db_to_string())
    yield

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached values never leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in Arabic leaves Arabic active in
    the thread, which would turn the next test's messages Arabic."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


def bearer(user) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    client.user = user
    return client


@pytest.fixture
def make_auth_client(db):
    """Build an authenticated client for any user: ``make_auth_client(user)``."""

    def build(for_user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(for_user))
        client.user = for_user
        return client

    return build
