"""The title and body of each notification kind, and who gets what by default.

Rendered by ``notification_send`` inside ``translation.override(recipient.language)``, so the stored
text is in the recipient's language. ``context`` is the caller's plain data; a key a template uses
but the caller did not give renders as an empty string, never as an error. Context keys by kind:

=========================  ==========================================================
kind                       context keys
=========================  ==========================================================
new_message                sender_name, preview, thread_id
swap_*                     swap_title, other_name (+ start for swap_rescheduled)
session_reminder_24h/1h    swap_title, other_name, start
review_received            other_name, rating
badge_earned               badge_name
payment_succeeded/failed   amount, points, reason
forum_reply                other_name, topic_title
moderation_decision        decision (removed, dismissed, approved, rejected, hidden, warned,
                           suspended, or free text), object_label, note
call_started               other_name, swap_title
=========================  ==========================================================

``start`` / ``end`` given as ISO 8601 are shown in the recipient's time zone and language.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from messaging.models import NotificationKind

K = NotificationKind

TEMPLATES: dict[str, tuple[Any, Any]] = {
    K.NEW_MESSAGE: (
        _("New message from %(sender_name)s"),
        _("%(sender_name)s: %(preview)s"),
    ),
    K.SWAP_REQUESTED: (
        _("New swap request"),
        _("%(other_name)s asked you for a swap: “%(swap_title)s”."),
    ),
    K.SWAP_ACCEPTED: (
        _("Swap accepted"),
        _("%(other_name)s accepted your swap “%(swap_title)s”."),
    ),
    K.SWAP_REJECTED: (
        _("Swap declined"),
        _("%(other_name)s declined your swap “%(swap_title)s”."),
    ),
    K.SWAP_CANCELLED: (
        _("Swap cancelled"),
        _("%(other_name)s cancelled the swap “%(swap_title)s”."),
    ),
    K.SWAP_RESCHEDULED: (
        _("Swap rescheduled"),
        _("%(other_name)s moved “%(swap_title)s” to %(start)s."),
    ),
    K.SWAP_COMPLETED: (
        _("Swap completed"),
        _("“%(swap_title)s” with %(other_name)s is complete. Leave a review!"),
    ),
    K.SWAP_DISPUTED: (
        _("Swap disputed"),
        _("%(other_name)s opened a dispute about “%(swap_title)s”."),
    ),
    K.SESSION_REMINDER_24H: (
        _("Your session is tomorrow"),
        _("“%(swap_title)s” with %(other_name)s starts in 24 hours (%(start)s)."),
    ),
    K.SESSION_REMINDER_1H: (
        _("Your session starts in one hour"),
        _("“%(swap_title)s” with %(other_name)s starts at %(start)s."),
    ),
    K.REVIEW_RECEIVED: (
        _("New review"),
        _("%(other_name)s reviewed you: %(rating)s out of 5."),
    ),
    K.BADGE_EARNED: (
        _("Badge earned"),
        _("You earned the “%(badge_name)s” badge."),
    ),
    K.PAYMENT_SUCCEEDED: (
        _("Payment received"),
        _("Your payment of %(amount)s went through; %(points)s points were added."),
    ),
    K.PAYMENT_FAILED: (
        _("Payment failed"),
        _("Your payment of %(amount)s did not go through: %(reason)s"),
    ),
    K.FORUM_REPLY: (
        _("New reply"),
        _("%(other_name)s replied to “%(topic_title)s”."),
    ),
    K.MODERATION_DECISION: (
        _("A moderator reviewed %(object_label)s"),
        _("Decision: %(decision)s. %(note)s"),
    ),
    K.CALL_STARTED: (
        _("Call started"),
        _("%(other_name)s started the video call for “%(swap_title)s”."),
    ),
}

DECISIONS = {
    "removed": _("removed"),
    "dismissed": _("no action needed"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "hidden": _("hidden"),
    "warned": _("warning issued"),
    "suspended": _("account suspended"),
}

# (in_app, email) for a kind the user never chose for. new_message e-mail is the unread digest.
NOTIFICATION_DEFAULTS: dict[str, tuple[bool, bool]] = dict.fromkeys(
    NotificationKind.values, (True, True)
) | {
    K.SESSION_REMINDER_1H: (True, False),
    K.REVIEW_RECEIVED: (True, False),
    K.BADGE_EARNED: (True, False),
    K.FORUM_REPLY: (True, False),
    K.CALL_STARTED: (True, False),
}

TITLE_MAX_LENGTH = 200


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _when(value: Any, time_zone: str) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return value
    try:
        zone = zoneinfo.ZoneInfo(time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return formats.date_format(moment.astimezone(zone), "DATETIME_FORMAT")


def render(kind: str, context: dict[str, Any], *, time_zone: str = "UTC") -> tuple[str, str]:
    """``(title, body)`` of ``kind`` in the active language."""
    values = _Blank({key: "" if value is None else value for key, value in context.items()})
    for key in ("start", "end"):
        if key in values:
            values[key] = _when(values[key], time_zone)
    if kind == K.MODERATION_DECISION:
        decision = str(values.get("decision", ""))
        values["decision"] = DECISIONS.get(decision, decision)
        if not values.get("object_label"):
            values["object_label"] = _("your content")
    title_template, body_template = TEMPLATES[kind]
    title = (str(title_template) % values).strip()[:TITLE_MAX_LENGTH]
    body = (str(body_template) % values).strip()
    return title, body
