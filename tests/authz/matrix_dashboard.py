"""Authorization matrix entries of the dashboard routes (see tests/authz/matrix.py).

``GET dashboard/`` reads the caller's own dashboard: any signed-in member, never anyone else's.
"""

from tests.authz.matrix import Entry, signed_in

ENTRIES: dict[str, Entry] = {
    "dashboard": Entry({"GET": signed_in}, owned=False),
}
