"""Celery tasks of reviews: ``<service>_task``, idempotent."""

from __future__ import annotations

from celery import shared_task

from community.reviews import services


@shared_task(acks_late=True)
def reviews_release_task() -> int:
    """Celery beat: publish the reviews held while their swap was in dispute (idempotent)."""
    return services.reviews_release()
