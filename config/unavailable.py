"""When the database or Redis cannot be reached, answer 503 (try again shortly), never 500.

Two failures mean "the database is unavailable", not "this request is wrong":

- the connection pool gives no connection within ``DATABASE_POOL_TIMEOUT`` seconds: every
  connection is busy, or PostgreSQL refuses or does not answer new connections (the pool keeps
  trying in the background, so a request waits that long and gets the pool's timeout).
  Django 5.2 opens a pooled connection with ``pool.getconn()`` inside its error wrapper, so the
  view sees ``django.db.utils.OperationalError`` whose ``__cause__`` is
  ``psycopg_pool.PoolTimeout`` (tests/config/test_unavailable.py exhausts a one-connection pool);
- a connection dies under a query (the server shut down or restarted): psycopg's
  ``OperationalError`` without a server error code, or with a connection-class one.

Other database errors (a deadlock, a constraint, a statement timeout) keep their own handling.

The API's exception handler (``config/api/errors.py``) answers those in the error shape with code
``service_unavailable``; ``DatabaseUnavailableMiddleware`` answers the site's pages (and any
non-DRF view) with a plain 503 page. Both send ``Retry-After``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _

logger = logging.getLogger("skillswap.unavailable")

# Seconds a client is asked to wait: about one pool timeout, so a retry meets a recovered pool.
RETRY_AFTER_SECONDS = 5

# SQLSTATEs that mean the connection, not the statement, failed: class 08 (connection exception),
# 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached right now."""
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # SQLite-only installs have no pool to time out
        return False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, psycopg_pool.PoolTimeout | psycopg_pool.TooManyRequests):
            return True
        if isinstance(current, psycopg.OperationalError):
            sqlstate = getattr(current, "sqlstate", None)
            return (
                sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
            )
        current = current.__cause__ or current.__context__
    return False


def redis_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says Redis cannot be reached right now.

    The throttles and the sign-in lock count in the cache first: with Redis down they cannot
    decide, so the request is refused as unavailable (fail closed) rather than let through.
    """
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RedisConnectionError | RedisTimeoutError):
            return True
        current = current.__cause__ or current.__context__
    return False


def service_unavailable(exc: BaseException) -> bool:
    """The database or Redis cannot be reached: a 503 with Retry-After, never a 500."""
    return database_unavailable(exc) or redis_unavailable(exc)


def unavailable_message() -> str:
    return _("The service is busy or briefly unavailable. Please try again in a few seconds.")


def unavailable_page() -> HttpResponse:
    """A plain 503 page: no template context processors, no database, in the active language."""
    language = get_language() or "en"
    title = _("Service unavailable")
    body = format_html(
        '<!DOCTYPE html>\n<html lang="{}" dir="{}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{} · SkillSwap</title>\n"
        '<link rel="stylesheet" href="{}">\n</head>\n<body class="error-503">\n'
        '<main id="main">\n<section class="error-page stack">\n'
        '<p class="code" aria-hidden="true">503</p>\n<h1>{}</h1>\n<p>{}</p>\n'
        '<p><a class="btn btn-primary" href="">{}</a></p>\n'
        "</section>\n</main>\n</body>\n</html>\n",
        language,
        "rtl" if get_language_bidi() else "ltr",
        title,
        static("css/site.css"),
        title,
        unavailable_message(),
        _("Try again"),
    )
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for ``request``: the API's error shape under /api/, the plain page elsewhere."""
    from config.api.errors import api_unavailable_response, is_api_request

    if is_api_request(request):
        return api_unavailable_response(request)
    return unavailable_page()


class DatabaseUnavailableMiddleware:
    """Turn an unreachable database in a view (or its template) into a 503 instead of a 500.

    DRF views never get here for their own exceptions: the API's exception handler answers them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not service_unavailable(exception):
            return None
        logger.warning("Service unavailable: %s (%s)", exception, request.path)
        return unavailable_response(request)
