"""Querysets compiled to SQL once per process, run many times with new parameters.

Building a queryset and compiling it (lookups, joins, translated column names) costs more CPU than
PostgreSQL spends running a small indexed query: on the own profile, the two sections other apps
add cost about 3 ms of CPU per request, the SQL a fraction of that (docs/benchmarks.md, "Reads and
serving"). ``CompiledValues`` keeps the SQL of a ``.values()`` queryset per database alias and
active language (modeltranslation picks the column by language) and runs it through a cursor.

    SKILLS = CompiledValues(
        UserSkill,
        lambda *, user_id: UserSkill.objects.filter(user_id=user_id).values("skill_id", ...),
    )
    rows = SKILLS.rows(user_id=42)   # [{"skill_id": ..., ...}, ...]

Rows are keyed by the columns the SQL selects, as ``.values()`` names them, before any iterable
post-processing: a modeltranslation field asked as ``values("name")`` comes as each language's
column (``name_en``, ``name_ar``), and the caller picks the language and its fallback.

The builder receives marker values in place of the parameters and must use each one exactly once
as a plain lookup value (``filter(user_id=user_id)``): the markers are found among the compiled
query's parameters and replaced. A builder whose SQL does not carry a marker as one parameter
(e.g. inside ``LIKE`` patterns or arithmetic) is refused when it is compiled.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.utils.translation import get_language

_MARKERS = itertools.count(-8_102_553_000_000, -1)  # ids no row has


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: dict[str, int]  # parameter name -> its index among the SQL's parameters
    names: list[str]  # the row's keys, in column order
    converters: list[tuple[int, list[Any], Any]]


class CompiledValues:
    """A ``.values()`` queryset built by ``build(**params)``, compiled once per alias and
    language; ``rows(**params)`` runs it."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet[Any]]) -> None:
        self._model = model
        self._build = build
        self._compiled: dict[tuple[str, str | None], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str, names: tuple[str, ...]) -> _Compiled:
        markers = {name: next(_MARKERS) for name in names}
        queryset = self._build(**markers)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = tuple(params)
        slots = {}
        for name, marker in markers.items():
            if params.count(marker) != 1:
                raise ValueError(f"{name} must appear exactly once as a query parameter")
            slots[name] = params.index(marker)
        select = compiler.select
        converters = compiler.get_converters([column for column, _sql, _alias in select])
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        if len(names) != len(select):
            raise ValueError("the queryset must be a .values() queryset")
        return _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            names=names,
            converters=[(index, convs, expr) for index, (convs, expr) in converters.items()],
        )

    def rows(self, **params: Any) -> list[dict[str, Any]]:
        """The queryset's rows for ``params``, as dicts keyed like ``.values()``."""
        alias = router.db_for_read(self._model)
        key = (alias, get_language())
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(alias, tuple(sorted(params)))
                self._compiled[key] = compiled
        values = list(compiled.params)
        for name, value in params.items():
            values[compiled.slots[name]] = value
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, values)
            fetched = cursor.fetchall()
        names = compiled.names
        result = []
        for raw in fetched:
            row = list(raw)
            for index, convs, expression in compiled.converters:
                for converter in convs:
                    row[index] = converter(row[index], expression, connection)
            result.append(dict(zip(names, row, strict=True)))
        return result
