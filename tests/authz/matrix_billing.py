"""Authorization entries of the billing routes (merged into tests/authz/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.authz.matrix import Entry, public, signed_in


def sandbox_webhook(owner, peer) -> dict[str, Any]:
    """The sandbox's webhook: open to anyone, its signature is the authentication (an unsigned
    body is a 400 ``signature_invalid``, which passed the gate)."""
    return {"gateway": "sandbox"}


ENTRIES: dict[str, Entry] = {
    "points-packages": Entry({"GET": public}, owned=False),
    "points-purchase": Entry({"POST": signed_in}, owned=False),
    "payments-stripe": Entry({"POST": signed_in}, owned=False),
    "payments-paypal": Entry({"POST": signed_in}, owned=False),
    "payments-paymob": Entry({"POST": signed_in}, owned=False),
    "payments-purchase-credits": Entry({"POST": signed_in}, owned=False),
    "payments-history": Entry({"GET": signed_in}, owned=False),
    "payments-webhook": Entry({"POST": public}, build=sandbox_webhook, owned=False),
}
