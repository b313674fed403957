"""URL helpers so every API path answers with or without its trailing slash.

docs/api.md writes collections with a slash (``offers/``) and actions without (``auth/login``,
``swaps/{id}/accept``); clients generated from either spelling must work, and a redirect would
drop a POST body.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, re_path
from rest_framework.routers import SimpleRouter

_CONVERTERS = {
    "int": r"[0-9]+",
    "str": r"[^/]+",
    "slug": r"[-a-zA-Z0-9_]+",
    "uuid": r"[0-9a-f-]{36}",
}


def endpoint(route: str, view: Any, name: str | None = None, **kwargs: Any) -> URLPattern:
    """Like ``path()``, but the trailing slash is optional (``route`` is written without it)."""

    def to_regex(match: re.Match[str]) -> str:
        converter, param = match.group(1) or "str", match.group(2)
        return f"(?P<{param}>{_CONVERTERS[converter]})"

    pattern = re.sub(r"<(?:(\w+):)?(\w+)>", to_regex, route.rstrip("/"))
    return re_path(rf"^{pattern}/?$", view, kwargs=kwargs or None, name=name)


class OptionalSlashRouter(SimpleRouter):
    """DRF router whose routes accept ``offers`` and ``offers/`` alike."""

    def __init__(self) -> None:
        super().__init__()
        # SimpleRouter maps any truthy trailing_slash argument to "/", so set the pattern after.
        self.trailing_slash = "/?"
