"""Celery tasks of events: `<service>_task`, idempotent."""

from __future__ import annotations

from celery import shared_task

from community.events import services


@shared_task(acks_late=True)
def events_payout_task() -> int:
    """Celery beat: pay the hosts of ended events what their paid seats hold (idempotent)."""
    return services.events_payout_due()
