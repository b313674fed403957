"""Notification kinds of moderation (discovered by messaging.notification_kinds).

``moderation_decision`` is messaging's shared kind: the queue sends it, it does not register it.
Context of ``ticket_reply``: ticket_id, subject, preview.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

TICKET_REPLY = "ticket_reply"
MODERATION_DECISION = "moderation_decision"

register(
    TICKET_REPLY,
    label=_("Support reply"),
    title=_("Support replied to “%(subject)s”"),
    body=_("%(preview)s"),
    order=850,
)
