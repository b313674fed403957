"""Hooks through which higher apps extend the ledger's API without rewards importing them.

exchanges sits above rewards (ARCHITECTURE.md). ``POST points/transfer/`` with only a
``meeting_id``/``swap_id`` (seed 003) needs to know who the other party of that swap is; the
exchanges app may register a resolver here from its ``AppConfig.ready()``. Without one, the API
asks for the recipient (``to_user_id``) explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User

# (swap id, the paying member) -> the other party of that swap, or None when the member is not a
# party of it (or it does not exist).
SwapCounterpartyResolver = Callable[[int, "User"], "User | None"]

_swap_counterparty: SwapCounterpartyResolver | None = None


def set_swap_counterparty_resolver(resolver: SwapCounterpartyResolver | None) -> None:
    """exchanges: tell rewards who the other party of a swap is, for the paying member."""
    global _swap_counterparty
    _swap_counterparty = resolver


def swap_counterparty_resolver() -> SwapCounterpartyResolver | None:
    return _swap_counterparty
