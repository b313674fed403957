"""The weekly digest (owner: H6)."""

from __future__ import annotations


def register() -> None:
    """Called by ``DashboardsConfig.ready()``."""
