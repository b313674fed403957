"""The notification kinds exchanges sends, with their texts (registered with messaging).

Discovered by messaging (``messaging.notification_kinds``). Context keys: ``swap_*``: swap_title,
other_name (+ start for swap_rescheduled); ``session_reminder_*``: swap_title, other_name, start;
``call_started``: other_name, swap_title. ``start``/``end`` given as ISO 8601 are shown in the
recipient's time zone and language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

register(
    "swap_requested",
    label=_("Swap requested"),
    title=_("New swap request"),
    body=_("%(other_name)s asked you for a swap: “%(swap_title)s”."),
    order=200,
)
register(
    "swap_accepted",
    label=_("Swap accepted"),
    title=_("Swap accepted"),
    body=_("%(other_name)s accepted your swap “%(swap_title)s”."),
    order=210,
)
register(
    "swap_rejected",
    label=_("Swap rejected"),
    title=_("Swap declined"),
    body=_("%(other_name)s declined your swap “%(swap_title)s”."),
    order=220,
)
register(
    "swap_cancelled",
    label=_("Swap cancelled"),
    title=_("Swap cancelled"),
    body=_("%(other_name)s cancelled the swap “%(swap_title)s”."),
    order=230,
)
register(
    "swap_rescheduled",
    label=_("Swap rescheduled"),
    title=_("Swap rescheduled"),
    body=_("%(other_name)s moved “%(swap_title)s” to %(start)s."),
    order=240,
)
register(
    "swap_completed",
    label=_("Swap completed"),
    title=_("Swap completed"),
    body=_("“%(swap_title)s” with %(other_name)s is complete. Leave a review!"),
    order=250,
)
register(
    "swap_disputed",
    label=_("Swap disputed"),
    title=_("Swap disputed"),
    body=_("%(other_name)s opened a dispute about “%(swap_title)s”."),
    order=260,
)
register(
    "session_reminder_24h",
    label=_("Session reminder (24 hours)"),
    title=_("Your session is tomorrow"),
    body=_("“%(swap_title)s” with %(other_name)s starts in 24 hours (%(start)s)."),
    order=270,
)
register(
    "session_reminder_1h",
    label=_("Session reminder (1 hour)"),
    title=_("Your session starts in one hour"),
    body=_("“%(swap_title)s” with %(other_name)s starts at %(start)s."),
    order=280,
    default_channels=("in_app",),
)
register(
    "call_started",
    label=_("Call started"),
    title=_("Call started"),
    body=_("%(other_name)s started the video call for “%(swap_title)s”."),
    order=800,
    default_channels=("in_app",),
)
