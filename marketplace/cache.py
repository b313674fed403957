"""The anonymous page cache of the public site: whole responses, keyed by data versions.

A cached page is stored under the current *versions* of the data it shows; a write bumps a version
(``offers_cache_bump`` after offers, categories, skills or availability change; ``pages_cache_bump``
after a Wagtail page is published, unpublished or moved), so every page built from the old data is
missed from then on and expires by itself (``PUBLIC_PAGE_CACHE_SECONDS``). No page is ever purged
by name, so one bump invalidates the lists, the details, the home page's featured offers and the
profiles at once, on every replica sharing the cache.

What is cached, and when (``PublicPageCacheMiddleware``):

- only GET requests under a language prefix, without a session or messages cookie: a signed-in
  member, or a visitor with messages waiting, always gets a fresh page;
- only responses a view marked with ``@public_page`` (or a Wagtail page's ``serve``; previews are
  served by ``serve_preview`` and never marked): 200, not streamed, no cookie set, no CSRF token
  rendered into them.

A warm hit answers from the cache before the session, the user or the database is touched: 0 SQL
queries.

The API's anonymous offers list caches its data the same way, in the view (``api_list_get`` /
``api_list_store``): under the offers version, and never past the moment the first listed offer
of that answer expires (expiry is the one change no write announces).
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

OFFERS = "offers"
PAGES = "pages"
TOPICS = (OFFERS, PAGES)
_VERSION_KEY = "public-page-cache:version:{}"
_PAGE_KEY = "public-page-cache:page:{}:{}"
# Member pages and browser flows are never cached even if a view were marked by mistake.
_NEVER = ("me/", "accounts/", "calls/")


def _seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 600))


def cache_bump(topic: str) -> None:
    """Invalidate every cached page showing data of ``topic`` (offers or pages)."""
    # A fresh value, never an increment: after an eviction a version is never reused, so a page
    # stored under an old version can never be served again.
    cache.set(_VERSION_KEY.format(topic), time.time_ns(), timeout=None)


def offers_cache_bump() -> None:
    """Invalidate cached pages after offers, categories, skills or availability changed.

    Call it after commit: ``transaction.on_commit(offers_cache_bump)``.
    """
    cache_bump(OFFERS)


def pages_cache_bump() -> None:
    """Invalidate cached pages after a Wagtail page was published, unpublished or moved."""
    cache_bump(PAGES)


def _versions() -> str:
    keys = [_VERSION_KEY.format(topic) for topic in TOPICS]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, time.time_ns(), timeout=None)
        found = cache.get_many(keys)
    return ".".join(str(found.get(key, 0)) for key in keys)


def _language_path(request: HttpRequest) -> bool:
    path = request.path_info
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            return not rest.startswith(_NEVER)
    return False


def request_is_cacheable(request: HttpRequest) -> bool:
    """True for an anonymous visitor's GET of a public page (decided from cookies only)."""
    if request.method != "GET" or not _language_path(request):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark the view's responses as cacheable for anonymous visitors (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        mark_public(response)
        return response

    return wrapper


def mark_public(response: HttpResponse) -> HttpResponse:
    """Let the middleware store ``response`` if the request allows it."""
    response.public_page_cache = True  # type: ignore[attr-defined]
    return response


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return _PAGE_KEY.format(_versions(), digest)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        getattr(response, "public_page_cache", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "no-store" not in response.get("Cache-Control", "")
        and "private" not in response.get("Cache-Control", "")
    )


class PublicPageCacheMiddleware:
    """Serve and store anonymous public pages (placed before the session middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API is never a page (its anonymous lists cache their data in the view, below the
        # throttle): one string test and nothing else on /api/.
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        if not _seconds() or not request_is_cacheable(request):
            return self.get_response(request)
        key = _key(request)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _storable(request, response):
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in {"set-cookie", "x-page-cache"}
            ]
            cache.set(key, (response.status_code, headers, response.content), _seconds())
            response["X-Page-Cache"] = "miss"
        return response


# --- the API's anonymous offers list --------------------------------------------------------------

_API_KEY = "public-page-cache:api:{}"


def api_list_get(request_key: str) -> tuple[str, int, Any]:
    """(the cache key, the offers version now, the stored data or None) in one round trip.

    ``request_key`` names everything the answer depends on (the absolute URL with its query, the
    language, the time zone). A stored answer counts only under the current version and before
    its ``valid_until``.
    """
    key = _API_KEY.format(hashlib.sha256(request_key.encode()).hexdigest()[:32])
    version_key = _VERSION_KEY.format(OFFERS)
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:
        cache.add(version_key, time.time_ns(), timeout=None)
        return key, cache.get(version_key), None
    stored = found.get(key)
    if stored is not None and stored[0] == version and time.time() < stored[1]:
        return key, version, stored[2]
    return key, version, None


def api_list_store(key: str, version: int | None, valid_until: float, data: Any) -> None:
    """Keep ``data`` (read after ``version`` was) until ``valid_until`` (epoch seconds) at most.

    The version is read before the data: a write committed in between bumps it, so the answer
    is stored under a version nobody asks for any more.
    """
    seconds = min(float(_seconds()), valid_until - time.time())
    if version is None or seconds < 1:
        return
    cache.set(key, (version, valid_until, data), timeout=math.floor(seconds))


def api_cache_seconds() -> int:
    """How long an anonymous API answer may be kept (``PUBLIC_PAGE_CACHE_SECONDS``; 0: off)."""
    return _seconds()
