"""Notifications: the one entry point every app uses, preferences, read state, e-mail.

Kinds and their texts are registered by the apps that send them (``messaging.notification_kinds``);
this module stores, pushes and mails whatever kind is registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone, translation

from accounts.models import User
from messaging import notification_kinds, notification_texts
from messaging import notifications as messaging_kinds
from messaging.groups import broadcast_on_commit, user_group
from messaging.models import Notification, NotificationPreference
from messaging.payloads import iso, notification_payload

# A new notification's INSERT, compiled once per process and database: ``objects.create`` compiled
# it on every notification, which cost more CPU than the statement (docs/benchmarks.md, "Writes").
_INSERT_SQL: dict[str, str] = {}


def _notification_insert(notification: Notification) -> None:
    """INSERT ``notification`` (not saved yet) and set its id, as ``save()`` would.

    What ``save()`` adds besides is the ``pre_save``/``post_save`` signals, and no receiver acts on
    notifications (Wagtail's locale and reference index handlers skip the model); a backend that
    cannot return the id from the INSERT saves it the ORM's way.
    """
    if not connection.features.can_return_columns_from_insert:
        notification.save(force_insert=True)
        return
    fields = [field for field in Notification._meta.local_concrete_fields if not field.primary_key]
    params = [
        field.get_db_prep_save(field.pre_save(notification, True), connection=connection)
        for field in fields
    ]
    sql = _INSERT_SQL.get(connection.alias)
    if sql is None:
        query = InsertQuery(Notification)
        query.insert_values(fields, [notification])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [Notification._meta.pk]
        [(sql, _params)] = compiler.as_sql()
        _INSERT_SQL[connection.alias] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        notification.pk = cursor.fetchone()[0]
    notification._state.adding = False
    notification._state.db = connection.alias


def notification_preference_get(user: User, kind: str) -> tuple[bool, bool]:
    """``(in_app, email)`` for ``kind``: the user's choice, else the kind's default."""
    row = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("in_app", "email")
        .first()
    )
    return row if row is not None else notification_kinds.get(kind).defaults


def notification_preference_join_sql(*, user_column: str, alias: str = "np") -> str:
    """A ``LEFT JOIN`` of the preference row of the user in ``user_column`` for one kind.

    For a caller that already reads the recipient's row in a statement of its own (a swap's
    accept reads it under the swap's lock): the join takes one ``%s`` parameter, the kind, and
    ``{alias}.in_app, {alias}.email`` are NULL when the user never chose. Turn them into the
    preference with ``notification_preference_resolve`` and hand it to ``notification_send``, which
    then makes no lookup of its own.
    """
    table = connection.ops.quote_name(NotificationPreference._meta.db_table)
    return f" LEFT JOIN {table} {alias} ON {alias}.user_id = {user_column} AND {alias}.kind = %s"


def notification_preference_resolve(
    kind: str, in_app: bool | None, email: bool | None
) -> tuple[bool, bool]:
    """``(in_app, email)`` from a joined preference row (NULLs: the kind's default)."""
    if in_app is None or email is None:
        return notification_kinds.get(kind).defaults
    return bool(in_app), bool(email)


@transaction.atomic
def notification_preferences_update(*, user: User, preferences: Iterable[dict[str, Any]]) -> None:
    """Store the user's choice for each kind listed (``{"kind", "in_app", "email"}``)."""
    for item in preferences:
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=item["kind"],
            defaults={"in_app": bool(item["in_app"]), "email": bool(item["email"])},
        )


def _plain_context(context: dict[str, Any] | None) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for key, value in (context or {}).items():
        if value is None or isinstance(value, str | int | float | bool):
            plain[str(key)] = value
        elif isinstance(value, datetime):
            plain[str(key)] = iso(value)
        else:
            plain[str(key)] = str(value)
    return plain


def notification_render(*, recipient: User, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """``(title, body)`` of ``kind`` in the recipient's language and time zone."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return notification_texts.render(
            kind, context, time_zone=getattr(recipient, "time_zone", "UTC")
        )


def notification_send(
    *,
    recipient: User,
    kind: str,
    context: dict | None = None,
    related_type: str = "",
    related_id: int | None = None,
    preference: tuple[bool, bool] | None = None,
) -> Notification | None:
    """Notify ``recipient`` of an event: the one entry point every app uses.

    Stores the notification with its title and body rendered in the recipient's language, pushes
    ``notification.receive`` to the recipient's sockets after commit, and e-mails it through
    Celery after commit when the recipient's e-mail preference for ``kind`` is on (``new_message``
    is never mailed one by one: unread messages go out as a digest). Returns None, storing and
    pushing nothing, when the recipient turned in-app notifications of ``kind`` off (the e-mail
    preference still applies).

    A ``new_message`` notification with a ``related_*`` object updates the recipient's unread one
    for that object in place (locking it) instead of piling up one row per message.

    ``preference`` is the recipient's ``(in_app, email)`` for ``kind`` when the caller already read
    it (``notification_preference_join_sql``); without it the preference is looked up.

    Runs in the caller's transaction when there is one, without a savepoint (two round trips
    saved per notification on the message path); a ``kind`` no app registered raises ValueError
    before anything is written.
    """
    kind = notification_kinds.get(kind).kind
    with transaction.atomic(savepoint=False):
        return _notification_store(
            recipient=recipient,
            kind=kind,
            plain=_plain_context(context),
            related_type=related_type,
            related_id=related_id,
            preference=preference,
        )


def _notification_store(
    *,
    recipient: User,
    kind: str,
    plain: dict[str, Any],
    related_type: str,
    related_id: int | None,
    preference: tuple[bool, bool] | None = None,
) -> Notification | None:
    if preference is None:
        preference = notification_preference_get(recipient, kind)
    in_app, email = preference
    notification: Notification | None = None
    if in_app:
        title, body = notification_render(recipient=recipient, kind=kind, context=plain)
        if kind == messaging_kinds.NEW_MESSAGE and related_type and related_id is not None:
            notification = (
                Notification.objects.select_for_update(no_key=True)
                .filter(
                    recipient=recipient,
                    kind=kind,
                    related_type=related_type,
                    related_id=related_id,
                    is_read=False,
                )
                .order_by("-id")
                .first()
            )
        if notification is not None:
            notification.title, notification.body, notification.data = title, body, plain
            notification.created_at = timezone.now()
            notification.save(update_fields=["title", "body", "data", "created_at", "updated_at"])
        else:
            notification = Notification(
                recipient=recipient,
                kind=kind,
                title=title,
                body=body,
                related_type=related_type[:32],
                related_id=related_id,
                data=plain,
            )
            _notification_insert(notification)
        broadcast_on_commit(
            user_group(recipient.pk),
            {"type": "notification.receive", "notification": notification_payload(notification)},
        )
    if email and kind != messaging_kinds.NEW_MESSAGE and recipient.is_active and recipient.email:
        from messaging.tasks import notification_email_task

        notification_email_task.delay_on_commit(
            recipient_id=recipient.pk,
            kind=kind,
            context=plain,
            notification_id=notification.pk if notification else None,
        )
    return notification


@transaction.atomic
def notification_mark(*, notification: Notification, is_read: bool) -> Notification:
    """Mark one notification read or unread."""
    notification.is_read = is_read
    notification.read_at = timezone.now() if is_read else None
    notification.save(update_fields=["is_read", "read_at", "updated_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; push ``notification.read`` after commit."""
    now = timezone.now()
    count = Notification.objects.filter(recipient=user, is_read=False).update(
        is_read=True, read_at=now, updated_at=now
    )
    if count:
        broadcast_on_commit(
            user_group(user.pk), {"type": "notification.read", "all": True, "read_at": iso(now)}
        )
    return count
