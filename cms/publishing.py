"""Scheduled publishing: pages (and snippets) with "go live at" or "expire at" change state here.

Wagtail records a schedule on the revision and leaves the switch to its ``publish_scheduled``
command; Celery beat runs this task every minute (``CELERY_BEAT_SCHEDULE``,
"cms-publish-scheduled"), so a scheduled page goes live within a minute of its time. The module is
listed in ``CELERY_IMPORTS`` so workers register the task.
"""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def publish_scheduled_task() -> None:
    """Publish what is due and unpublish what expired; idempotent (a second run finds nothing)."""
    call_command("publish_scheduled", verbosity=0)
