"""What a client written from a seed document needs: its paths, and a way to read answers.

docs/api.md explains the seeds (the five client documents) and how their paths and field names map
onto the canonical /api/v1/ resources. These helpers read an answer the way such a client would,
without knowing which alias served it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.response import Response

from tests.messaging.factories import png_bytes, upload

API = "/api/v1/"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105
FAR_FUTURE = "9999-12-31T23:59:59Z"
BIDI_SCRIPT = "\u202e<script>alert(1)</script> if a<b and c>d then"
BIDI_SCRIPT_CLEAN = "<script>alert(1)</script> if a<b and c>d then"


def url(path: str) -> str:
    """A seed path under /api/v1/ (seed paths are written relative to the API root)."""
    return API + path.lstrip("/")


def body(response: Response) -> Any:
    """The answer's payload; seed 004 wraps it in ``{"success": true, "data": ...}``."""
    payload = response.json()
    if isinstance(payload, dict) and set(payload) >= {"success", "data"}:
        return payload["data"]
    return payload


def items(response: Response) -> list[dict]:
    """A list answer, paginated (``{count, next, previous, results}``) or plain, as a list."""
    payload = body(response)
    if isinstance(payload, dict) and "results" in payload:
        return payload["results"]
    assert isinstance(payload, list), payload
    return payload


def error_fields(response: Response) -> dict[str, list[str]]:
    """The per-field messages of an error answer in the API's one error shape."""
    return response.json()["error"].get("fields", {})


def image(name: str = "picture.png", size: tuple[int, int] = (64, 48)):
    return upload(name, png_bytes(size), "image/png")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def hours_from_now(hours: float) -> dt.datetime:
    moment = timezone.now() + dt.timedelta(hours=hours)
    return moment.replace(minute=0, second=0, microsecond=0)


def table(model: type[models.Model]) -> list[dict]:
    """Every row of ``model`` as plain values: a refusal must leave this unchanged."""
    rows = []
    for row in model.objects.order_by("pk"):
        values = model_to_dict(row)
        for field in row._meta.concrete_fields:
            values[field.attname] = getattr(row, field.attname)
        rows.append(values)
    return rows


def snapshot(*tables: type[models.Model]) -> dict[str, list[dict]]:
    return {model._meta.label: table(model) for model in tables}
