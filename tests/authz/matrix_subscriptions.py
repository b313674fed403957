"""Authorization entries of the subscriptions routes (merged into tests/authz/matrix.py).

Every route acts on the caller's own subscription only (no object in the path): any signed-in
member passes the gate (an empty subscribe body is a 400, a cancel without a subscription a 409,
both past authorization); anonymous callers get a 401.
"""

from __future__ import annotations

from tests.authz.matrix import Entry, signed_in

ENTRIES: dict[str, Entry] = {
    "payments-subscribe": Entry({"POST": signed_in}, owned=False),
    "payments-status": Entry({"GET": signed_in}, owned=False),
    "payments-subscription-cancel": Entry({"POST": signed_in}, owned=False),
}
