"""Authorization matrix entries of this area (see tests/authz/matrix.py)."""

from tests.authz.matrix import Entry, public

ENTRIES: dict[str, Entry] = {
    # Public, like the site's leaderboard page: rows show only public-profile fields.
    "leaderboard": Entry({"GET": public}, owned=False),
}
