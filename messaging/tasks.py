"""Celery tasks: `<service>_task`, fetch by id, call a service; idempotent."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from accounts.models import User
from messaging import selectors, services
from messaging.models import Notification


@shared_task
def notification_email_task(
    *, recipient_id: int, kind: str, context: dict[str, Any], notification_id: int | None = None
) -> bool:
    """E-mail one notification (enqueued on commit by ``notification_send``)."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        return False
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=recipient).first()
        if notification_id is not None
        else None
    )
    return services.notification_email_send(
        recipient=recipient, kind=kind, context=context, notification=notification
    )


@shared_task
def message_digest_send_task(user_id: int) -> int:
    """Mail one user the digest of their unread messages (a no-op when nothing is pending)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    return services.message_digest_send(user=user)


@shared_task
def message_digest_dispatch_task() -> int:
    """Celery beat, every few minutes: queue a digest for every user with old unread messages."""
    user_ids = selectors.digest_pending_user_ids(now=timezone.now())
    for user_id in user_ids:
        message_digest_send_task.delay(user_id)
    return len(user_ids)
