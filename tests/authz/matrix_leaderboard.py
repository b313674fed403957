"""Authorization matrix entries of this area (see tests/authz/matrix.py)."""

from tests.authz.matrix import Entry

ENTRIES: dict[str, Entry] = {}
