"""E-mail: one notification at a time, and the digest of unread messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from messaging import notifications as messaging_kinds
from messaging.models import Message, Notification, ThreadParticipant
from messaging.services.content import preview
from messaging.services.notifications import notification_preference_get, notification_render


def _site_link(path: str = "") -> str:
    return f"{settings.MESSAGING_SITE_URL}{path}"


def _send_mail(*, recipient: User, subject: str, template: str, context: dict[str, Any]) -> None:
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        full = {
            **context,
            "recipient_name": recipient.public_name,
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "site_url": _site_link(f"/{language}/"),
        }
        text = render_to_string(f"messaging/email/{template}.txt", full)
        html = render_to_string(f"messaging/email/{template}.html", full)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200], body=text, to=[recipient.email]
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def _email_template(kind: str) -> str:
    """A kind's own e-mail (``messaging/email/<kind>.txt`` and ``.html``, e.g. with a button),
    or the generic one."""
    try:
        get_template(f"messaging/email/{kind}.txt")
    except TemplateDoesNotExist:
        return "notification"
    return kind


def notification_email_send(
    *, recipient: User, kind: str, context: dict[str, Any], notification: Notification | None
) -> bool:
    """E-mail one notification in the recipient's language (what the Celery task runs)."""
    if not recipient.is_active or not recipient.email:
        return False
    lease = ""
    if notification is not None:
        if Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists():
            return False
        # A lease in the shared cache while the mail is out, not a row lock (no lock over network
        # I/O): a second delivery during the lease skips it; a worker killed mid-send leaves the
        # lease to lapse, and the task, redelivered (acks_late, config/celery.py), sends it.
        lease = f"messaging:notification-email:{notification.pk}"
        if not cache.add(lease, 1, timeout=settings.MESSAGING_EMAIL_LEASE_SECONDS):
            return False
        title, body = notification.title, notification.body
    else:
        title, body = notification_render(recipient=recipient, kind=kind, context=context)
    try:
        _send_mail(
            recipient=recipient,
            subject=title,
            template=_email_template(kind),
            context={**context, "title": title, "body": body, "kind": kind},
        )
    except Exception:
        # A failed send leaves nothing claimed: the next delivery or retry sends it.
        if lease:
            cache.delete(lease)
        raise
    if notification is not None:
        Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
    return True


@transaction.atomic
def message_digest_send(*, user: User, now: datetime | None = None) -> int:
    """E-mail ``user`` one digest of the messages still unread after ``MESSAGING_DIGEST_DELAY``.

    Locks the user's participant rows (id order, ``FOR NO KEY UPDATE``), so two workers never mail
    the same messages, and advances each thread's e-mailed position before the mail leaves (after
    commit): a failed send loses one digest rather than sending two. Returns the number of messages
    listed.
    """
    now = now or timezone.now()
    cutoff = now - settings.MESSAGING_DIGEST_DELAY
    lookback = now - settings.MESSAGING_DIGEST_LOOKBACK
    memberships = list(
        ThreadParticipant.objects.select_for_update(no_key=True, of=("self",))
        .filter(user=user)
        .select_related("thread")
        .order_by("id")
    )
    _in_app, wants_email = notification_preference_get(user, messaging_kinds.NEW_MESSAGE)
    sections = []
    total = 0
    for membership in memberships:
        floor = max(membership.last_read_message_id, membership.emailed_up_to_message_id)
        pending = list(
            Message.objects.filter(
                thread_id=membership.thread_id,
                pk__gt=floor,
                created_at__lte=cutoff,
                created_at__gte=lookback,
                deleted_at__isnull=True,
            )
            .exclude(sender=user)
            .exclude(sender__isnull=True)
            .select_related("sender")
            .order_by("id")
        )
        if not pending:
            continue
        membership.emailed_up_to_message_id = pending[-1].pk
        membership.save(update_fields=["emailed_up_to_message_id"])
        total += len(pending)
        senders = sorted({m.sender.public_name for m in pending if m.sender_id})
        sections.append(
            {
                "thread_id": membership.thread_id,
                "title": membership.thread.title,
                "senders": ", ".join(senders),
                "count": len(pending),
                "previews": [
                    {
                        "sender": m.sender.public_name if m.sender_id else "",
                        "text": preview(m.content) if m.content else "…",
                    }
                    for m in pending[-3:]
                ],
            }
        )
    if not total or not wants_email or not user.is_active or not user.email:
        return 0
    with translation.override(user.language or settings.LANGUAGE_CODE):
        # Not ngettext: a count after a colon reads right in both languages, with one msgid.
        subject = _("Unread messages on SkillSwap: %(count)d") % {"count": total}
    transaction.on_commit(
        lambda: _send_mail(
            recipient=user,
            subject=subject,
            template="digest",
            context={"subject": subject, "sections": sections, "total": total},
        )
    )
    return total
