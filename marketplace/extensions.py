"""Hooks through which higher apps react to marketplace events without marketplace importing them.

messaging registers a notifier for offers removed by a moderator (the owner is told the reason);
these are explicit calls made after commit by marketplace services, not Django signals.
"""

from __future__ import annotations

from collections.abc import Callable

OfferHook = Callable[[int], None]

_offer_removed_by_moderator: list[OfferHook] = []


def on_offer_removed_by_moderator(hook: OfferHook) -> None:
    """Run ``hook(offer_id)`` after a moderator's removal commits; the offer holds the reason."""
    if hook not in _offer_removed_by_moderator:
        _offer_removed_by_moderator.append(hook)


def offer_removed_by_moderator(offer_id: int) -> None:
    for hook in _offer_removed_by_moderator:
        hook(offer_id)
