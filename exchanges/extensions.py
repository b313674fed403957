"""Hooks through which higher apps extend exchanges without exchanges importing them.

community owns reviews and depends on exchanges (reviews need completed swaps); seed 003's meeting
detail shows the meeting's reviews, so community registers a provider here from its
``AppConfig.ready()``. Without one, meetings show an empty ``reviews`` list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# swap ids → {swap id: [review dicts in seed 003's shape]}
ReviewsProvider = Callable[[list[int]], dict[int, list[dict[str, Any]]]]

_reviews_provider: ReviewsProvider | None = None


def set_swap_reviews_provider(provider: ReviewsProvider) -> None:
    """community: tell exchanges how to read the reviews of some swaps (one query for all)."""
    global _reviews_provider
    _reviews_provider = provider


def swap_reviews(swap_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if _reviews_provider is None or not swap_ids:
        return {}
    return _reviews_provider(swap_ids)
