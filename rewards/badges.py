"""Badges: awarded when a counter crosses a tier's threshold, or by staff (owner: H2)."""

from __future__ import annotations


def badges_on_counter_changed(*, user_id: int, counter: str, old: int, new: int) -> None:
    """Award every tier whose threshold lies in ``(old, new]``; inside the caller's transaction."""


def register() -> None:
    """Called by ``RewardsConfig.ready()``."""


def badges_recent(*, user_id: int, limit: int = 5) -> list:
    """The member's most recent live awards (``BadgeAward`` with ``badge``), newest first."""
    return []
