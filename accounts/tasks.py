"""Celery tasks of the accounts app."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def flush_expired_tokens_task() -> None:
    """Drop expired outstanding/blacklisted refresh tokens (simplejwt never does it itself)."""
    call_command("flushexpiredtokens")
