"""Authorization entries of the engagement routes (merged into tests/authz/matrix.py).

``POST offers/{id}/renew/``: only the offer's owner renews it; anyone else, staff included,
gets a 404 (writes look only among the caller's own offers, as ``offer-detail``'s do).
"""

from tests.authz.matrix import Entry, an_offer, owner_writes

ENTRIES: dict[str, Entry] = {
    "offer-renew": Entry({"POST": owner_writes}, build=an_offer),
}
