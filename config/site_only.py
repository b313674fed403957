"""Middleware the site needs and the JSON API does not: each skips requests under ``/api/v1/``.

Each class is the original middleware (a subclass, so Django's and Wagtail's checks that look for
it still find it) whose ``__call__`` hands an API request straight to the next layer. Under
``/api/v1/`` they had nothing to do and still cost CPU on every request (docs/benchmarks.md,
"Reads and serving"):

- ``CSPMiddleware``: ``CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"]`` keeps the header off
  ``/api/`` anyway, but django-csp built the policy and the report-only policy (two dataclass
  copies and joins) before looking at the prefix: a tenth of the static view's CPU.
- ``MessageMiddleware``: the API answers JSON and never shows a flash message; the middleware built
  a cookie and a session message store per request.

Kept on the API, on purpose: ``SessionMiddleware`` and ``AuthenticationMiddleware`` (lazy:
nothing is read unless a view asks, and Django's ``request.user`` must keep working wherever it is
read),
``CsrfViewMiddleware`` (DRF views are exempt and enforce CSRF themselves for session
authentication; the API's 404 view is exempt too), and every security header.
"""

from __future__ import annotations

from typing import Any

from csp.middleware import CSPMiddleware as _CSPMiddleware
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.http import HttpRequest

API_PREFIX = "/api/v1/"


def is_api(request: HttpRequest) -> bool:
    """Whether ``request`` is for the JSON API (``/api/v1/…``; not the API's HTML docs)."""
    return request.path_info.startswith(API_PREFIX)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's middleware everywhere but the JSON API (which it excludes anyway)."""

    def __call__(self, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(_MessageMiddleware):
    """Django's messages everywhere but the JSON API."""

    def __call__(self, request: HttpRequest) -> Any:
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)
