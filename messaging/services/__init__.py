"""Every write of the messaging app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

One module per topic; every public name is re-exported here, so callers import
``messaging.services`` (``from messaging.services import notification_send``) whatever module a
service lives in. Lock order, whenever more than one is taken: the thread row, then participant
rows (primary-key order), then notification rows; every lock is ``FOR NO KEY UPDATE``
(docs/architecture.md). Socket pushes go through ``messaging.groups.broadcast_on_commit`` and
e-mails through Celery's ``delay_on_commit``: nothing leaves the process before the commit.
"""

from messaging.services.blocks import user_block, user_unblock
from messaging.services.content import PREVIEW_LENGTH, message_content_clean
from messaging.services.emails import message_digest_send, notification_email_send
from messaging.services.lifecycle import user_messaging_erase, user_messaging_export
from messaging.services.messages import (
    message_delete,
    message_edit,
    message_send,
    message_send_to_user,
)
from messaging.services.notifications import (
    notification_mark,
    notification_mark_all_read,
    notification_preference_get,
    notification_preferences_update,
    notification_render,
    notification_send,
)
from messaging.services.reports import message_report, message_report_resolve
from messaging.services.threads import (
    thread_get_or_create_for_pair,
    thread_get_or_create_for_subject,
    thread_mark_read,
    thread_open_with_user,
)

__all__ = [
    "PREVIEW_LENGTH",
    "message_content_clean",
    "message_delete",
    "message_digest_send",
    "message_edit",
    "message_report",
    "message_report_resolve",
    "message_send",
    "message_send_to_user",
    "notification_email_send",
    "notification_mark",
    "notification_mark_all_read",
    "notification_preference_get",
    "notification_preferences_update",
    "notification_render",
    "notification_send",
    "thread_get_or_create_for_pair",
    "thread_get_or_create_for_subject",
    "thread_mark_read",
    "thread_open_with_user",
    "user_block",
    "user_messaging_erase",
    "user_messaging_export",
    "user_unblock",
]
