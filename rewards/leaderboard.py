"""The leaderboard, kept incrementally in Redis sorted sets or a table (owner: H3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def leaderboard_on_events(events: Sequence[Any]) -> None:
    """Apply committed ``ActivityEvent`` rows to the rankings (called on commit)."""


def register() -> None:
    """Called by ``RewardsConfig.ready()``."""


def leaderboard_rank(*, user_id: int, metric: str = "swaps", period: str = "all") -> int | None:
    """The member's 1-based rank, or None when unranked; O(log n), no aggregation."""
    return None
