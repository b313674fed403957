"""Celery tasks: `<service>_task`, fetch by id, call a service; idempotent."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from billing.services.payments import payments_stale_cancel


@shared_task
def payments_stale_cancel_task() -> int:
    """Cancel checkouts nobody finished within ``BILLING_PENDING_EXPIRY_HOURS`` (beat)."""
    hours = int(getattr(settings, "BILLING_PENDING_EXPIRY_HOURS", 48))
    return payments_stale_cancel(older_than=dt.timedelta(hours=hours))
