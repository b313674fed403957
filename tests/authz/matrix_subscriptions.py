"""Authorization entries of the subscriptions routes (merged into tests/authz/matrix.py)."""

from __future__ import annotations

from tests.authz.matrix import Entry

ENTRIES: dict[str, Entry] = {}
