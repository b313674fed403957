"""Authorization entries of the achievements routes (merged into tests/authz/matrix.py).

Seeds 000/001 ``achievements/``: anyone lists the badges (signed-in callers also get their
progress); only staff (moderators, administrators) award or revoke: members get a 403, anonymous
callers a 401.
"""

from tests.authz.matrix import Entry, moderators, public

ENTRIES: dict[str, Entry] = {
    "achievements": Entry({"GET": public, "POST": moderators}, owned=False),
}
