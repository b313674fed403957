"""The leaderboard, kept incrementally in Redis sorted sets or a table (owner: H3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def leaderboard_on_events(events: Sequence[Any]) -> None:
    """Apply committed ``ActivityEvent`` rows to the rankings (called on commit)."""


def register() -> None:
    """Called by ``RewardsConfig.ready()``."""
