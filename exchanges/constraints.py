"""A PostgreSQL exclusion constraint that the embedded SQLite runtime skips.

SQLite has no exclusion constraints; there the services take a database-wide write lock
(``transaction_mode = IMMEDIATE``) and check overlaps before inserting, which is equally strong
because SQLite never runs two writers at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func


class TsTzRange(Func):
    """``tstzrange(start, end, '[)')``: the half-open interval a session occupies."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """``ExclusionConstraint`` on PostgreSQL, nothing elsewhere."""

    @staticmethod
    def _is_postgres(schema_editor: Any) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        if not self._is_postgres(schema_editor):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        if not self._is_postgres(schema_editor):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        if not self._is_postgres(schema_editor):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: Any = None) -> None:
        from django.db import connections

        if connections[using or "default"].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)
