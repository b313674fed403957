"""Celery tasks: `<service>_task`, fetch by id, call a service; idempotent."""

from __future__ import annotations

from celery import shared_task

from exchanges import services
from exchanges.google_calendar import CalendarUnavailable


@shared_task(
    autoretry_for=(CalendarUnavailable,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def swap_calendar_sync_task(swap_id: int) -> list[dict]:
    """Bring both participants' Google Calendar events in line with the swap (idempotent)."""
    return services.swap_calendar_sync(swap=swap_id, raise_unavailable=True)


@shared_task(acks_late=True)
def session_reminders_task() -> dict[str, int]:
    """Celery beat: send the 24 h and 1 h reminders that are due, each exactly once."""
    return services.session_reminders_send()


@shared_task(acks_late=True)
def swaps_auto_complete_task() -> int:
    """Celery beat: complete swaps marked complete long enough ago and not disputed."""
    return services.swaps_auto_complete()
