"""Celery tasks of the accounts app: fetch by id, call one function; safe to run twice."""

from celery import shared_task
from django.core.management import call_command

from accounts import emails
from accounts.models import User


@shared_task
def flush_expired_tokens_task() -> None:
    """Drop expired outstanding/blacklisted refresh tokens (simplejwt never does it itself)."""
    call_command("flushexpiredtokens")


@shared_task
def email_verification_send_task(user_id: int) -> None:
    """E-mail the user a link that verifies their address (nothing if already verified)."""
    user = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is not None:
        emails.email_verification_send(user)


@shared_task
def password_reset_send_task(user_id: int) -> None:
    """E-mail the user a single-use, expiring link to choose a new password."""
    user = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is not None:
        emails.password_reset_send(user)
