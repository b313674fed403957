"""Activity counters: what members have done, counted once per source event (issue owner: H1).

Pinned interface (docs/architecture.md: exchanges, community and billing call it explicitly):

    activity_record(*, user_id, counter, source, amount=1, occurred_at=None) -> bool
"""

from __future__ import annotations

import datetime as dt


def activity_record(
    *,
    user_id: int,
    counter: str,
    source: str,
    amount: int = 1,
    occurred_at: dt.datetime | None = None,
) -> bool:
    """Count ``amount`` on ``counter`` for the member, once per ``(user, counter, source)``."""
    raise NotImplementedError


def register() -> None:
    """Called by ``RewardsConfig.ready()``."""
