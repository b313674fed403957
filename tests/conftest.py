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


def _is_transactional(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = ("transactional_db", "live_server", "django_db_reset_sequences")
    if any(name in fixtures for name in transactional):
        return True
    kwargs = marker.kwargs if marker else {}
    return bool(kwargs.get("transaction") or kwargs.get("reset_sequences"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests first.

    Every transactional test leaves the database as the migrations made it
    (``pytest_runtest_teardown`` below), so no order is needed for correctness any more. With two
    workers (``make test``: pytest-xdist, ``--dist load``) the browser tests, the slowest, start
    first rather than leaving one worker alone with them at the end.
    """
    e2e = [item for item in items if "/tests/e2e/" in str(item.fspath)]
    rest = [item for item in items if "/tests/e2e/" not in str(item.fspath)]
    items[:] = e2e + rest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a transactional test's flush, put back the migrations' rows (Wagtail tree, role
    groups, content types), so the next test finds the database as it was created."""
    yield
    # With no next test the session's fixtures are already gone (the test database dropped).
    if nextitem is None or not _is_transactional(item) or not PRISTINE_DATABASE:
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        if connection.vendor == "postgresql":
            pristine_restore(connection)
        else:
            from django.core.management import call_command

            call_command(
                "flush",
                interactive=False,
                inhibit_post_migrate=True,
                reset_sequences=False,
                verbosity=0,
            )
            connection.creation.deserialize_db_from_string(PRISTINE_DATABASE[0])
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


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


# --- fast flushes and restores on PostgreSQL ------------------------------------------------------
# Every transactional test (the browser tests, the concurrency and fault tests) ends with Django's
# flush, a TRUNCATE of some 250 tables: each gets new files, about 3 s per test. Emptying small
# tables with DELETE is a few milliseconds. The ledger's append-only triggers refuse a DELETE and
# the foreign keys would want an order, so the flush runs as a replica session, which fires
# neither (the test role is a superuser, as in CI). A flush that resets sequences keeps TRUNCATE.
PRISTINE_SCHEMA = "pristine"


def _delete_instead_of_truncate() -> None:
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET LOCAL session_replication_role = replica;",
            *(f"DELETE FROM {self.quote_name(table)};" for table in tables),  # noqa: S608
        ]

    DatabaseOperations.sql_flush = sql_flush


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _delete_instead_of_truncate()


def _tables_with_rows(connection) -> list[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {quote(table)})"  # noqa: S608
                for table in sorted(tables)
            )
        )
        return [row[0] for row in cursor.fetchall()]


def _pristine_snapshot(connection) -> None:
    """Copy the migrations' rows into a schema of their own, for ``pristine_restore``."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {PRISTINE_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {PRISTINE_SCHEMA}")
        for table in _tables_with_rows(connection):
            cursor.execute(
                f"CREATE TABLE {PRISTINE_SCHEMA}.{quote(table)} AS "  # noqa: S608
                f"SELECT * FROM {quote(table)}"
            )


def pristine_restore(connection) -> None:
    """Empty every table and put back the rows the migrations made (PostgreSQL: a few ms).

    Sequences are kept, so restored rows never collide with ids handed out later.
    """
    quote = connection.ops.quote_name
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            [PRISTINE_SCHEMA],
        )
        saved = [row[0] for row in cursor.fetchall()]
    statements = [
        "SET LOCAL session_replication_role = replica",
        *(f"DELETE FROM {quote(table)}" for table in sorted(tables)),  # noqa: S608
        *(
            f"INSERT INTO {quote(table)} SELECT * FROM {PRISTINE_SCHEMA}.{quote(table)}"  # noqa: S608
            for table in saved
        ),
    ]
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(";\n".join(statements))


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
        if connection.vendor == "postgresql":
            _pristine_snapshot(connection)
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
