"""The API's JSON parser: size and nesting bounded before parsing, errors without internals.

DRF's ``JSONParser`` hands the body to ``json.load``, which recurses once per nesting level: a body
nested 5,000 levels deep raised ``RecursionError`` (a 500) on every endpoint, sign-in included.
This parser reads at most ``API_MAX_JSON_BYTES`` (+1 to notice more), refuses a body nested deeper
than ``API_MAX_JSON_DEPTH`` with a flat scan, and answers a malformed body with "JSON parse
error." in the caller's language, never the parser's message (docs/api.md, "Errors").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from core.json_limits import JSONRejected, json_loads_bounded

DEFAULT_MAX_JSON_BYTES = 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = 64


def max_json_bytes() -> int:
    return int(getattr(settings, "API_MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES))


def max_json_depth() -> int:
    return int(getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH))


class BoundedJSONParser(parsers.JSONParser):
    """``JSONParser`` with a byte limit and a depth limit, refusing both as ``parse_error``."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = max_json_bytes()
        raw = stream.read(limit + 1)
        try:
            return json_loads_bounded(raw, max_depth=max_json_depth(), max_bytes=limit)
        except JSONRejected as exc:
            raise ParseError(str(exc)) from None


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser whose refusals carry a message in the caller's language.

    Django's own message names the boundary it could not find; a client learns nothing from it.
    """

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("The multipart body could not be read.")) from None
