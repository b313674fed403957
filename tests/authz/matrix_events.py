"""Authorization entries of the events routes (merged into tests/authz/matrix.py)."""

from __future__ import annotations

from tests.authz.matrix import Entry

ENTRIES: dict[str, Entry] = {}
