"""The member dashboard's reads (owner: H4)."""

from __future__ import annotations


def register() -> None:
    """Called by ``DashboardsConfig.ready()``."""
