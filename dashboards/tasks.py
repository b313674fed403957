"""Celery tasks of the dashboards app: the weekly digest (dashboards/digest.py)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

from dashboards import digest

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def digest_dispatch_task() -> int:
    """Celery beat, Monday 07:00 UTC and hourly: fan the week's due digests out in batches."""
    return digest.digest_dispatch()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def digest_send_batch_task(user_ids: list[int], week: str) -> int:
    """Send the digests of a batch of members for ``week`` (ISO date of its Monday); each
    member's claim makes a redelivered batch send nothing twice. Returns the number mailed."""
    monday = dt.date.fromisoformat(week)
    sent = 0
    for user_id in user_ids:
        try:
            sent += digest.digest_send(user_id=user_id, week=monday)
        except Exception:
            # One member's failed send must not hold back the batch: their claim stays and the
            # next hourly run retries it (DIGEST_RETRY_AFTER_MINUTES).
            logger.exception("weekly digest of user %s failed", user_id)
    return sent
