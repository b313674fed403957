"""The offers list's SQL + JSON floor: the list's own statements on a bare cursor, ``json.dumps``.

Served through the same middleware as every other row (a plain Django view, no DRF), under
``/api/v1/bench/offers-floor/``: the statements an anonymous ``GET offers/`` sends on a cache miss
(count, page, images, skills), captured once per process with their parameters, then replayed on
each request and the rows encoded as JSON. What is left between this and the real list is the
framework: DRF, pagination, formatting (docs/benchmarks.md, "Reads and serving").
"""

from __future__ import annotations

import json
import threading

from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import path

from tests.benchmarks.serving.urls import urlpatterns as serving_urlpatterns

_lock = threading.Lock()
_statements: list[tuple[str, list]] = []


def _capture() -> list[tuple[str, list]]:
    from django.contrib.auth.models import AnonymousUser

    from marketplace import selectors
    from marketplace.api.filters import offer_list_query

    query = offer_list_query(QueryDict(""), AnonymousUser())
    assert query is not None
    rows = selectors.offer_list_rows(query)
    captured: list[tuple[str, list]] = []

    def capture(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        captured.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        rows.count()
        page = rows[0:20]
        selectors.offer_rows_related([row["id"] for row in page])
    return captured


def offers_floor(request: HttpRequest) -> HttpResponse:
    with _lock:
        if not _statements:
            _statements.extend(_capture())
    out = []
    with connection.cursor() as cursor:
        for sql, params in _statements:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            out.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    body = json.dumps(out, default=str, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), content_type="application/json")


urlpatterns = [
    path("api/v1/bench/offers-floor/", offers_floor),
    *serving_urlpatterns,
]
