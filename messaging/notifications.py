"""The notification kinds messaging sends itself, and the kinds held for apps not built yet.

Discovered like every app's ``notifications`` module (``messaging.notification_kinds``). Context
keys: ``new_message``: sender_name, preview, thread_id; ``moderation_decision``: decision (one of
``DECISIONS`` or free text), object_label, note. ``moderation_decision`` is shared: any app whose
moderators decide about a member's content sends it (messaging for reported messages, marketplace
for removed offers, community later).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

NEW_MESSAGE = "new_message"
MODERATION_DECISION = "moderation_decision"

DECISIONS = {
    "removed": _("removed"),
    "dismissed": _("no action needed"),
    "approved": _("approved"),
    "rejected": _("rejected"),
    "hidden": _("hidden"),
    "warned": _("warning issued"),
    "suspended": _("account suspended"),
}


def _moderation_context(context: dict[str, Any]) -> dict[str, Any]:
    decision = str(context.get("decision", ""))
    return {
        **context,
        "decision": DECISIONS.get(decision, decision),
        "object_label": context.get("object_label") or _("your content"),
    }


register(
    NEW_MESSAGE,
    label=_("New message"),
    title=_("New message from %(sender_name)s"),
    body=_("%(sender_name)s: %(preview)s"),
    order=100,
    # The e-mail channel of new_message is the digest of unread messages, never one mail each.
)
register(
    MODERATION_DECISION,
    label=_("Moderation decision"),
    title=_("A moderator reviewed %(object_label)s"),
    body=_("Decision: %(decision)s. %(note)s"),
    order=700,
    prepare=_moderation_context,
)

# Kinds the API contract lists (docs/api.md, notifications) whose apps do not send them yet. They
# keep the API's list of types stable until their app registers them for real with the same
# ``order`` (that registration replaces these; nothing here needs to change). Owners: community
# (review_received, forum_reply), rewards (badge_earned), billing (payment_*).
register(
    "review_received",
    label=_("Review received"),
    title=_("New review"),
    body=_("%(other_name)s reviewed you: %(rating)s out of 5."),
    order=300,
    default_channels=("in_app",),
    provisional=True,
)
register(
    "badge_earned",
    label=_("Badge earned"),
    title=_("Badge earned"),
    body=_("You earned the “%(badge_name)s” badge."),
    order=400,
    default_channels=("in_app",),
    provisional=True,
)
register(
    "payment_succeeded",
    label=_("Payment succeeded"),
    title=_("Payment received"),
    body=_("Your payment of %(amount)s went through; %(points)s points were added."),
    order=500,
    provisional=True,
)
register(
    "payment_failed",
    label=_("Payment failed"),
    title=_("Payment failed"),
    body=_("Your payment of %(amount)s did not go through: %(reason)s"),
    order=510,
    provisional=True,
)
register(
    "forum_reply",
    label=_("Forum reply"),
    title=_("New reply"),
    body=_("%(other_name)s replied to “%(topic_title)s”."),
    order=600,
    default_channels=("in_app",),
    provisional=True,
)
