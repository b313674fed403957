"""A database the pool cannot reach is a 503 to try again, never a 500 (config/unavailable.py).

The exceptions are real: a one-connection pool whose connection is taken, a pool pointed at a
port where no PostgreSQL listens, and a pooled connection the server terminated. The views open
a connection from that pool as any view's first query would.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator

import psycopg
import psycopg_pool
import pytest
import redis
from django.db import DatabaseError, OperationalError, connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.utils import ConnectionHandler
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import translation
from rest_framework.response import Response
from rest_framework.views import APIView

from config.unavailable import RETRY_AFTER_SECONDS, database_unavailable

# pytest-django guards every connection's opening, also of pools made here.
pytestmark = pytest.mark.django_db

# The pool the probe views take a connection from (set by each test).
probe_database: dict = {}


def _first_query() -> None:
    with probe_database["wrapper"].cursor() as cursor:
        cursor.execute("SELECT 1")


class ProbeApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def get(self, request):
        _first_query()
        return Response({"ok": True})


def probe_page(request: HttpRequest) -> HttpResponse:
    _first_query()
    return HttpResponse("ok")


def _redis_call() -> None:
    """What a throttle does first: a command to a Redis that is down (nothing on its port)."""
    redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.5).incr("probe")


class ProbeRedisApiView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def get(self, request):
        _redis_call()
        return Response({"ok": True})


def probe_redis_page(request: HttpRequest) -> HttpResponse:
    _redis_call()
    return HttpResponse("ok")


urlpatterns = [
    path("api/v1/probe-database/", ProbeApiView.as_view()),
    path("probe-database/", probe_page),
    path("api/v1/probe-redis/", ProbeRedisApiView.as_view()),
    path("probe-redis/", probe_redis_page),
]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pooled_wrapper(alias: str, settings: dict):
    """A Django PostgreSQL connection with a pool of one that waits 0.3 s for a connection."""
    settings = {**settings, "OPTIONS": {"pool": {"min_size": 0, "max_size": 1, "timeout": 0.3}}}
    # ConnectionHandler fills in Django's defaults; the alias keys the backend's pool.
    return DatabaseWrapper(ConnectionHandler({"default": settings}).settings["default"], alias)


@pytest.fixture
def refused_database() -> Iterator:
    """A pool whose PostgreSQL refuses connections (nothing listens on its port)."""
    wrapper = pooled_wrapper(
        "h3_refused",
        {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": closed_port(),
            "NAME": "skillswap",
            "USER": "postgres",
            "CONN_MAX_AGE": 0,
        },
    )
    probe_database["wrapper"] = wrapper
    yield wrapper
    probe_database.clear()
    wrapper.close_pool()


@pytest.fixture
def exhausted_pool() -> Iterator:
    """A one-connection pool on the test database whose connection another thread holds."""
    wrapper = pooled_wrapper("h3_exhausted", {**connection.settings_dict, "CONN_MAX_AGE": 0})
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        connection_of_thread = wrapper.pool.getconn()
        held.set()
        release.wait(10)
        wrapper.pool.putconn(connection_of_thread)

    wrapper.pool.open(wait=True)
    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    probe_database["wrapper"] = wrapper
    yield wrapper
    release.set()
    holder.join()
    probe_database.clear()
    wrapper.close_pool()


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def test_refused_connections_surface_as_django_operational_error_caused_by_pool_timeout(
    refused_database,
):
    # when
    with pytest.raises(OperationalError) as raised:
        refused_database.ensure_connection()

    # then: Django 5.2 wraps the pool's timeout; that chain is what the handlers recognise
    assert type(raised.value.__cause__) is psycopg_pool.PoolTimeout
    assert database_unavailable(raised.value) is True


@pytest.mark.urls(__name__)
def test_api_answers_503_in_the_error_shape_when_postgresql_refuses_connections(
    api_client, refused_database
):
    # when
    response = api_client.get("/api/v1/probe-database/")

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert _error(response) == {
        "code": "service_unavailable",
        "message": "The service is busy or briefly unavailable. Please try again in a few seconds.",
        "fields": {},
    }


@pytest.mark.urls(__name__)
def test_api_answers_the_503_in_the_callers_language(api_client, refused_database):
    # when
    response = api_client.get("/api/v1/probe-database/", HTTP_ACCEPT_LANGUAGE="ar")

    # then
    assert response.status_code == 503
    with translation.override("ar"):
        expected = translation.gettext(
            "The service is busy or briefly unavailable. Please try again in a few seconds."
        )
    assert _error(response)["message"] == expected


@pytest.mark.urls(__name__)
def test_a_page_answers_a_plain_503_page_when_postgresql_refuses_connections(
    client, refused_database
):
    # when
    response = client.get("/probe-database/", HTTP_ACCEPT_LANGUAGE="ar")

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert page.count("<h1>") == 1
    assert "<script" not in page
    assert "style=" not in page


@pytest.mark.postgres
@pytest.mark.urls(__name__)
def test_an_exhausted_pool_is_a_503_for_the_api_and_for_pages(api_client, client, exhausted_pool):
    # given a pool whose only connection is taken: the next one times out
    with pytest.raises(OperationalError) as raised:
        exhausted_pool.ensure_connection()
    assert type(raised.value.__cause__) is psycopg_pool.PoolTimeout
    exhausted_pool.close()

    # when
    api = api_client.get("/api/v1/probe-database/")
    page = client.get("/probe-database/")

    # then
    assert (api.status_code, _error(api)["code"], api["Retry-After"]) == (
        503,
        "service_unavailable",
        str(RETRY_AFTER_SECONDS),
    )
    assert (page.status_code, page["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))


@pytest.mark.postgres
@pytest.mark.urls(__name__)
def test_a_connection_the_server_terminated_is_a_503(api_client):
    # given a pooled connection that PostgreSQL then terminates (as a shutdown or restart does)
    wrapper = pooled_wrapper("h3_terminated", {**connection.settings_dict, "CONN_MAX_AGE": 0})
    probe_database["wrapper"] = wrapper
    try:
        wrapper.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])

        # when
        response = api_client.get("/api/v1/probe-database/")

        # then
        assert (response.status_code, _error(response)["code"]) == (503, "service_unavailable")
    finally:
        probe_database.clear()
        wrapper.close()
        wrapper.close_pool()


def test_other_database_errors_are_not_unavailability():
    # given errors that are about the statement or the transaction, not the connection
    deadlock = DatabaseError("deadlock")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    timeout = OperationalError("canceling statement due to statement timeout")
    timeout.__cause__ = psycopg.errors.QueryCanceled("statement timeout")
    locked = OperationalError("database is locked")
    locked.__cause__ = sqlite3.OperationalError("database is locked")

    # then
    assert [database_unavailable(error) for error in (deadlock, timeout, locked)] == [
        False,
        False,
        False,
    ]
    assert database_unavailable(psycopg.errors.AdminShutdown("terminating connection")) is True
    assert database_unavailable(psycopg.errors.TooManyConnections("too many clients")) is True


@pytest.mark.urls(__name__)
def test_redis_down_is_a_503_for_the_api_and_for_pages_never_a_500(api_client, client):
    # when a view's first Redis command finds nobody listening (a throttle or the sign-in lock)
    api = api_client.get("/api/v1/probe-redis/", HTTP_ACCEPT_LANGUAGE="ar")
    page = client.get("/probe-redis/")

    # then the API refuses in its error shape and language, and the page is the plain 503
    assert api.status_code == 503
    assert api["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert _error(api)["code"] == "service_unavailable"
    with translation.override("ar"):
        assert _error(api)["message"] == translation.gettext(
            "The service is busy or briefly unavailable. Please try again in a few seconds."
        )
    assert page.status_code == 503
    assert page["Retry-After"] == str(RETRY_AFTER_SECONDS)
