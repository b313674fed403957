"""Rendering a notification's title and body from its registered kind.

The kinds and their templates are registered by the apps that send them
(``messaging.notification_kinds``; each app's ``notifications.py`` lists its context keys).
``notification_send`` renders inside ``translation.override(recipient.language)``, so the stored
text is in the recipient's language. ``context`` is the caller's plain data; a key a template uses
but the caller did not give renders as an empty string, never as an error. ``start`` / ``end``
given as ISO 8601 are shown in the recipient's time zone and language.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.utils import formats, timezone

from messaging import notification_kinds

TITLE_MAX_LENGTH = 200


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _when(value: Any, time_zone: str) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    try:
        zone = zoneinfo.ZoneInfo(time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


def render(kind: str, context: dict[str, Any], *, time_zone: str = "UTC") -> tuple[str, str]:
    """``(title, body)`` of ``kind`` in the active language."""
    spec = notification_kinds.get(kind)
    values: dict[str, Any] = {key: "" if value is None else value for key, value in context.items()}
    for key in ("start", "end"):
        if key in values:
            values[key] = _when(values[key], time_zone)
    if spec.prepare is not None:
        values = spec.prepare(values)
    blank = _Blank(values)
    title = (str(spec.title) % blank).strip()[:TITLE_MAX_LENGTH]
    body = (str(spec.body) % blank).strip()
    return title, body
