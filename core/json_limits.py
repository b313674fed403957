"""Parse JSON from outside with bounds on size and nesting, before the parser recurses.

Python's ``json`` module recurses once per nested array or object: a body of 5,000 ``[`` raises
``RecursionError`` deep inside the parser, which no caller expects (docs/pitfalls.md, "JSON at the
edges"). ``json_loads_bounded`` measures the nesting with a flat scan first and refuses anything
deeper than ``max_depth`` or longer than ``max_bytes`` with ``JSONRejected``, whose message is
user-facing and never carries the parser's internals. The REST API's default parser
(``config/api/parsers.py``) and the WebSocket consumers share it.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")
_QUOTE = ord('"')
_BACKSLASH = ord("\\")


class JSONRejected(ValueError):
    """The JSON text was refused; ``str()`` is the reason, for the caller, in the active language.

    ``reason`` is a stable machine word: ``too_large``, ``too_deep`` or ``malformed``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def json_depth(raw: bytes) -> int:
    """Return the deepest nesting of arrays and objects in ``raw``, without recursion.

    Brackets inside strings do not count. The scan does not validate the JSON: a malformed text
    gets some depth, and the parser then refuses it.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259), though Python's parser accepts them.
    raise ValueError(name)


def json_loads_bounded(raw: bytes | str, *, max_depth: int, max_bytes: int) -> Any:
    """Parse ``raw`` as strict JSON if it is at most ``max_bytes`` long and ``max_depth`` deep.

    Raises ``JSONRejected`` (a ``ValueError``) for a text too large, too deep, not UTF-8 or not
    JSON.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise JSONRejected(_("The request body is too large."), reason="too_large")
    if json_depth(data) > max_depth:
        message = _("JSON nested more than %(depth)d levels deep is not accepted.")
        raise JSONRejected(message % {"depth": max_depth}, reason="too_deep")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise JSONRejected(_("JSON parse error."), reason="malformed") from exc
