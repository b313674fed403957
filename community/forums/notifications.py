"""The notification kind the forums send, with its texts (registered with messaging).

Discovered by messaging (``messaging.notification_kinds``). Context keys of ``forum_reply``:
other_name (who replied), topic_title (the thread's title), thread_id, post_id. It replaces the
provisional registration in ``messaging/notifications.py`` with the same ``order`` and texts.
The moderators' decision on a new member's thread is messaging's shared ``moderation_decision``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.notification_kinds import register

FORUM_REPLY = "forum_reply"

register(
    FORUM_REPLY,
    label=_("Forum reply"),
    title=_("New reply"),
    body=_("%(other_name)s replied to “%(topic_title)s”."),
    order=600,
    default_channels=("in_app",),
)
