"""Messages: send (with attachments), edit, delete.

Lock order, whenever more than one is taken: the thread row, then participant rows (primary-key
order), then notification rows (docs/architecture.md). Files are checked, re-encoded and written
to storage before the thread row is locked; under the lock only the rows that reference them are
created.

On PostgreSQL a send stores the message with one statement (``_PostStatement``): it locks the
thread row, reads the members with their accounts, checks the sender (member, active, not
blocked), inserts the message and moves the thread's last message and the sender's read position,
or inserts nothing and says why. With the recipients' notifications that is BEGIN, the statement,
the notification's own statements and COMMIT, instead of eleven round trips
(docs/benchmarks.md, "Chat"). SQLite keeps the ORM path, with the same checks in the same order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from messaging import attachments as attachment_files
from messaging import notifications as messaging_kinds
from messaging.groups import broadcast_thread_event_on_commit
from messaging.models import Attachment, Message, Thread, ThreadParticipant, UserBlock
from messaging.payloads import message_payload
from messaging.services.blocks import refuse_if_blocked
from messaging.services.content import preview, validated_content
from messaging.services.notifications import (
    notification_preference_join_sql,
    notification_preference_resolve,
    notification_send,
)
from messaging.services.threads import refuse_self_pair, thread_get_or_create_for_pair

# The code of the refusal of a sender whose account is no longer active (suspended or closed
# meanwhile): simplejwt's code for the same state; the chat socket closes with 4401 on it.
SENDER_INACTIVE = "user_inactive"


def _refuse_inactive_sender() -> None:
    raise Forbidden(_("User is inactive"), code=SENDER_INACTIVE)


def _memberships(thread: Thread) -> list[ThreadParticipant]:
    return list(thread.participants.select_related("user").order_by("id"))


def _member(participants: list[ThreadParticipant], user_id: int) -> ThreadParticipant:
    for participant in participants:
        if participant.user_id == user_id:
            return participant
    raise NotFound()


def _check_sender(thread: Thread, participants: list[ThreadParticipant], sender: User) -> None:
    _member(participants, sender.pk)
    if thread.kind != Thread.Kind.GROUP:
        refuse_if_blocked(sender.pk, [p.user_id for p in participants if p.user_id != sender.pk])


def _broadcast_message(
    event_type: str, message: Message, participants: list[ThreadParticipant]
) -> None:
    broadcast_thread_event_on_commit(
        thread_id=message.thread_id,
        thread_kind=message.thread.kind,
        member_ids=[p.user_id for p in participants],
        event={"type": event_type, "message": message_payload(message, participants=participants)},
    )


def _store_files(prepared: list[attachment_files.PreparedFile]) -> list[Attachment]:
    """Write the files to storage; return unsaved rows that reference them (no message yet)."""
    stored: list[Attachment] = []
    try:
        for item in prepared:
            attachment = Attachment(
                content_type=item.content_type,
                size=len(item.content),
                original_name=item.original_name,
                width=item.width,
                height=item.height,
            )
            stored.append(attachment)
            attachment.file.save(item.name, ContentFile(item.content), save=False)
            if item.thumbnail is not None:
                attachment.thumbnail.save("thumb.webp", ContentFile(item.thumbnail), save=False)
    except Exception:
        _delete_files(stored)
        raise
    return stored


def _delete_files(attachments: Sequence[Attachment]) -> None:
    for attachment in attachments:
        for stored in (attachment.file, attachment.thumbnail):
            if stored:
                stored.storage.delete(stored.name)


def _attachment_preview(recipient: User, count: int) -> str:
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        return (
            _("Sent an attachment.")
            if count == 1
            else _("Sent %(count)d attachments.") % {"count": count}
        )


def _store_checked_files(
    *, content: str | None, attachments: Sequence[UploadedFile]
) -> list[Attachment]:
    """Refuse oversized text, then check, re-encode and store the files: all before any lock."""
    if not attachments:
        return []
    validated_content(content, has_attachments=True)
    return _store_files(attachment_files.prepare_all(list(attachments)))


def _post(
    *,
    thread: Thread | None,
    sender: User,
    content: str | None,
    files: list[Attachment],
    receiver: User | None = None,
) -> Message:
    """Insert the message under the thread's row lock; the caller holds a transaction.

    The thread is ``thread``, or (``thread=None``) the direct thread of ``sender`` and
    ``receiver``, created if they never wrote to each other. The ``FOR NO KEY UPDATE`` lock on the
    thread row (no key column changes) gives the messages of one thread ids in commit order
    (history pages by id are stable under concurrent sends) and keeps ``last_message`` naming the
    newest. Only rows are written under it: the files are already in storage. Refusals, in this
    order: no such thread (``Thread.DoesNotExist``), not a member (404), an inactive sender (403
    ``SENDER_INACTIVE``), a block (403 ``blocked``), the text (400).
    """
    if thread is None and receiver is None:
        raise ValueError("_post needs a thread or a receiver")
    if connection.vendor == "postgresql":
        message, participants = _post_statement(
            thread=thread, sender=sender, content=content, files=files, receiver=receiver
        )
    else:
        if thread is None:
            thread = thread_get_or_create_for_pair(user_a=sender, user_b=cast(User, receiver))
        message, participants = _post_orm(
            thread=thread, sender=sender, content=content, files=files
        )
    thread = message.thread
    clean = message.content

    _broadcast_message("message.receive", message, participants)
    text = preview(clean) if clean else ""
    for participant in participants:
        if participant.user_id == sender.pk:
            continue
        notification_send(
            recipient=participant.user,
            kind=messaging_kinds.NEW_MESSAGE,
            context={
                "sender_name": sender.public_name,
                "preview": text or _attachment_preview(participant.user, len(files)),
                "thread_id": thread.pk,
                "message_id": message.pk,
            },
            related_type="thread",
            related_id=thread.pk,
            # Read with the member by the PostgreSQL statement; None: looked up.
            preference=getattr(participant, "new_message_preference", None),
        )
    return message


def _post_orm(
    *, thread: Thread, sender: User, content: str | None, files: list[Attachment]
) -> tuple[Message, list[ThreadParticipant]]:
    """``_post``'s writes through the ORM (SQLite): lock, read, check, then write row by row."""
    thread = Thread.objects.select_for_update(no_key=True).get(pk=thread.pk)
    participants = _memberships(thread)
    sender_membership = _member(participants, sender.pk)
    if not sender_membership.user.is_active:
        _refuse_inactive_sender()
    _check_sender(thread, participants, sender)
    clean = validated_content(content, has_attachments=bool(files))

    message = Message.objects.create(thread=thread, sender=sender, content=clean)
    _attach(message, files)
    thread.last_message = message
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message", "last_message_at"])
    sender_membership.last_read_message_id = message.pk
    sender_membership.last_read_at = message.created_at
    sender_membership.save(update_fields=["last_read_message_id", "last_read_at"])
    return message, participants


def _attach(message: Message, files: list[Attachment]) -> None:
    for attachment in files:
        attachment.message = message
        attachment.save()
    # The payload lists the attachments: hand it the ones just written instead of a query.
    message._prefetched_objects_cache = {"attachments": files}


@dataclass(frozen=True)
class _Rows:
    """How to turn the statement's columns back into model instances (Django's converters)."""

    model: type[Model]
    columns: list[str]
    attnames: list[str]
    converters: list[tuple[Any, list[Any]]]

    @classmethod
    def of(cls, model: type[Model]) -> _Rows:
        columns: list[str] = []
        converters: list[tuple[Any, list[Any]]] = []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            columns.append(cast(str, field.column))
            converters.append(
                (
                    column,
                    connection.ops.get_db_converters(column) + column.get_db_converters(connection),
                )
            )
        attnames = [field.attname for field in model._meta.concrete_fields]
        return cls(model, columns, attnames, converters)

    def build(self, values: Sequence[Any]) -> Any:
        converted = []
        for value, (column, functions) in zip(values, self.converters, strict=True):
            for function in functions:
                value = function(value, column, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)


@dataclass(frozen=True)
class _PostStatement:
    """``_post``'s one statement on PostgreSQL, built once per process from the models."""

    sql: str
    thread: _Rows
    participant: _Rows
    user: _Rows

    @classmethod
    def build(cls, *, by_pair: bool) -> _PostStatement:
        thread, participant, user = _Rows.of(Thread), _Rows.of(ThreadParticipant), _Rows.of(User)
        quote = connection.ops.quote_name
        threads, participants = (
            quote(Thread._meta.db_table),
            quote(ThreadParticipant._meta.db_table),
        )
        users, blocks = quote(User._meta.db_table), quote(UserBlock._meta.db_table)
        messages = quote(Message._meta.db_table)

        def listed(alias: str, rows: _Rows) -> str:
            return ", ".join(f"{alias}.{quote(column)}" for column in rows.columns)

        # Each member's new_message preference, for notification_send (no lookup of its own).
        preference = notification_preference_join_sql(user_column="u.id", alias="np").replace(
            "%s", "%(preference_kind)s"
        )
        found = (
            "t.kind = 'direct' AND t.user_low_id = %(low)s AND t.user_high_id = %(high)s"
            if by_pair
            else "t.id = %(thread_id)s"
        )
        # All parts see one snapshot, so the order is carried by the data: the INSERT draws its
        # row from the locked thread row (its id is taken after the lock), and the two UPDATEs
        # draw theirs from the inserted message. A refused send inserts and updates nothing.
        # The locked row is the newest committed version (READ COMMITTED re-reads a row it
        # waited for), so ``created_at`` is never before the thread's previous message: ids
        # and creation times keep the same order, as when the time was read after the lock.
        sql = f"""
WITH thread AS (
    SELECT {listed("t", thread)} FROM {threads} t WHERE {found} FOR NO KEY UPDATE
), member AS (
    SELECT {listed("p", participant)} FROM {participants} p
    WHERE p.thread_id = (SELECT id FROM thread)
), refusal AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT 1 FROM thread) THEN 'missing'
        WHEN NOT EXISTS (SELECT 1 FROM member WHERE user_id = %(sender_id)s) THEN 'not_member'
        WHEN NOT (SELECT u.is_active FROM {users} u WHERE u.id = %(sender_id)s) THEN 'inactive'
        WHEN (SELECT kind FROM thread) <> 'group' AND EXISTS (
            SELECT 1 FROM {blocks} b JOIN member m ON m.user_id <> %(sender_id)s
            WHERE (b.blocker_id = %(sender_id)s AND b.blocked_id = m.user_id)
               OR (b.blocked_id = %(sender_id)s AND b.blocker_id = m.user_id)
        ) THEN 'blocked'
        WHEN NOT %(valid)s THEN 'invalid'
    END AS reason
), message AS (
    INSERT INTO {messages}
        (thread_id, sender_id, content, created_at, edited_at, deleted_at, removed_by_moderator)
    SELECT thread.id, %(sender_id)s, %(content)s,
           GREATEST(%(now)s::timestamptz, thread.last_message_at), NULL, NULL, FALSE
    FROM thread, refusal WHERE refusal.reason IS NULL
    RETURNING id, created_at
), bump AS (
    UPDATE {threads} SET last_message_id = message.id, last_message_at = message.created_at
    FROM message, thread WHERE {threads}.id = thread.id
    RETURNING 1
), seen AS (
    UPDATE {participants}
    SET last_read_message_id = GREATEST({participants}.last_read_message_id, message.id),
        last_read_at = message.created_at
    FROM message, thread
    WHERE {participants}.thread_id = thread.id AND {participants}.user_id = %(sender_id)s
    RETURNING 1
)
SELECT refusal.reason, (SELECT id FROM message), (SELECT created_at FROM message),
       {listed("thread", thread)}, {listed("member", participant)}, {listed("u", user)},
       np.in_app, np.email
FROM refusal
LEFT JOIN thread ON TRUE
LEFT JOIN member ON TRUE
LEFT JOIN {users} u ON u.id = member.user_id
{preference}
ORDER BY member.id
"""  # noqa: S608 - identifiers from the models' metadata; every value is a parameter
        return cls(sql, thread, participant, user)


@functools.cache
def _statement(by_pair: bool) -> _PostStatement:
    return _PostStatement.build(by_pair=by_pair)


@dataclass
class _Posted:
    """What the statement answered: why nothing was stored, or the new message's id and time."""

    reason: str | None
    message_id: int | None
    created_at: Any
    thread: Thread | None
    participants: list[ThreadParticipant]


def _post_statement(
    *,
    thread: Thread | None,
    sender: User,
    content: str | None,
    files: list[Attachment],
    receiver: User | None,
) -> tuple[Message, list[ThreadParticipant]]:
    """``_post``'s writes in one statement (PostgreSQL); the refusals in ``_post``'s order."""
    invalid: ValidationFailed | None = None
    try:
        clean = validated_content(content, has_attachments=bool(files))
    except ValidationFailed as error:
        clean, invalid = "", error
    params: dict[str, Any] = {
        "thread_id": thread.pk if thread is not None else None,
        "sender_id": sender.pk,
        "content": clean,
        "now": timezone.now(),
        "valid": invalid is None,
        "preference_kind": messaging_kinds.NEW_MESSAGE,
    }
    if thread is None:
        params["low"], params["high"] = sorted([sender.pk, cast(User, receiver).pk])
    statement = _statement(thread is None)
    for _attempt in range(2):
        posted = _run_post(statement, params)
        if posted.reason == "missing" and thread is None:
            # First contact: create the pair's thread (it is committed with the message or
            # not at all), then post to it by id.
            created = thread_get_or_create_for_pair(user_a=sender, user_b=cast(User, receiver))
            params["thread_id"] = created.pk
            statement = _statement(False)
            posted = _run_post(statement, params)
        if posted.reason == "missing":
            raise Thread.DoesNotExist("Thread matching query does not exist.")
        if posted.reason == "not_member":
            raise NotFound()
        if posted.reason == "inactive":
            _refuse_inactive_sender()
        if posted.reason == "blocked":
            # Raises the refusal in the words of blocks.py; a block lifted in between: again.
            others = [p.user_id for p in posted.participants if p.user_id != sender.pk]
            refuse_if_blocked(sender.pk, others)
            continue
        if posted.reason == "invalid" and invalid is not None:
            raise invalid
        break
    message_id, created_at, thread_row = posted.message_id, posted.created_at, posted.thread
    if message_id is None or thread_row is None:
        raise Conflict(code="message_not_stored")  # a block that came and went twice: rare
    thread_row.last_message_id, thread_row.last_message_at = message_id, created_at
    message = Message(
        id=message_id, thread=thread_row, sender=sender, content=clean, created_at=created_at
    )
    message._state.adding, message._state.db = False, connection.alias
    _attach(message, files)
    for participant in posted.participants:
        if participant.user_id == sender.pk:
            participant.last_read_message_id = max(participant.last_read_message_id, message_id)
            participant.last_read_at = created_at
    return message, posted.participants


def _run_post(statement: _PostStatement, params: dict[str, Any]) -> _Posted:
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        rows = cursor.fetchall()
    head = 3  # reason, message id, created at
    thread_width, member_width = len(statement.thread.columns), len(statement.participant.columns)
    members_at, users_at = head + thread_width, head + thread_width + member_width
    posted = _Posted(rows[0][0], rows[0][1], rows[0][2], None, [])
    if rows[0][head] is not None:
        posted.thread = statement.thread.build(rows[0][head:members_at])
    for row in rows:
        if row[members_at] is None:
            continue
        participant = statement.participant.build(row[members_at:users_at])
        participant.user = statement.user.build(row[users_at:-2])
        participant.new_message_preference = notification_preference_resolve(  # type: ignore[attr-defined]
            messaging_kinds.NEW_MESSAGE, row[-2], row[-1]
        )
        posted.participants.append(participant)
    return posted


def message_send(
    *,
    thread: Thread,
    sender: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Post a message to ``thread``; the sender must be a member (404 otherwise).

    Refused with 403 ``blocked`` when a block stands between the sender and the other member of a
    direct or subject thread, 400 for empty or oversized text and refused files. Files are
    re-encoded and stored before the thread row is locked (and removed again when the message is
    refused). After commit: ``message.receive`` on the thread's sockets, a ``new_message``
    notification to every other member (one unread notification per thread, updated in place),
    never an immediate e-mail (unread messages go out as a digest).
    """
    if attachments:
        # Refuse a non-member or a block before spending time and disk on the files.
        _check_sender(thread, _memberships(thread), sender)
    files = _store_checked_files(content=content, attachments=attachments)
    try:
        with transaction.atomic():
            return _post(thread=thread, sender=sender, content=content, files=files)
    except BaseException:
        # Files of a message that was never stored are unreachable: remove them. (If an outer
        # transaction rolls back later, they stay behind as unreachable orphans.)
        _delete_files(files)
        raise


def message_send_to_user(
    *,
    sender: User,
    receiver: User,
    content: str | None,
    attachments: Sequence[UploadedFile] = (),
) -> Message:
    """Send to a user through the pair's one direct thread (seed 003's ``POST messages/``).

    The thread is created on first contact, in the same transaction as the message, so a refused
    message (blocked, invalid) leaves no empty thread behind; files are stored before either.
    """
    refuse_self_pair(user_a=sender, user_b=receiver)
    if attachments:
        refuse_if_blocked(sender.pk, [receiver.pk])
    files = _store_checked_files(content=content, attachments=attachments)
    try:
        with transaction.atomic():
            return _post(
                thread=None, sender=sender, content=content, files=files, receiver=receiver
            )
    except BaseException:
        _delete_files(files)
        raise


def _own_message_for_change(*, message: Message, user: User) -> Message:
    # FOR NO KEY UPDATE: content and timestamps change, never a key the attachments reference.
    locked = (
        Message.objects.select_for_update(no_key=True, of=("self",))
        .select_related("thread")
        .get(pk=message.pk)
    )
    if locked.sender_id != user.pk:
        raise Forbidden(_("You can only change your own messages."), code="not_message_owner")
    if locked.deleted_at is not None:
        raise Conflict(_("This message was deleted."), code="message_deleted")
    if timezone.now() - locked.created_at > settings.MESSAGING_EDIT_WINDOW:
        minutes = int(settings.MESSAGING_EDIT_WINDOW.total_seconds() // 60)
        raise Conflict(
            _("Messages can only be changed within %(minutes)d minutes of sending.")
            % {"minutes": minutes},
            code="edit_window_closed",
        )
    return locked


@transaction.atomic
def message_edit(*, message: Message, user: User, content: str | None) -> Message:
    """Replace the text of the user's own message within the edit window.

    Locks the message row. After commit: ``message.edit`` on the thread's sockets.
    """
    locked = _own_message_for_change(message=message, user=user)
    has_files = locked.attachments.exists()
    locked.content = validated_content(content, has_attachments=has_files)
    locked.edited_at = timezone.now()
    locked.save(update_fields=["content", "edited_at"])
    _broadcast_message("message.edit", locked, _memberships(locked.thread))
    return locked


def tombstone(message: Message, *, by_moderator: bool) -> None:
    """Empty a locked message in place: text and attachments gone (files after commit)."""
    files: list[Any] = []
    for attachment in message.attachments.all():
        files.extend(f for f in (attachment.file, attachment.thumbnail) if f)
    message.attachments.all().delete()
    message.content = ""
    message.deleted_at = timezone.now()
    message.removed_by_moderator = by_moderator
    message.save(update_fields=["content", "deleted_at", "removed_by_moderator"])
    for stored in files:
        transaction.on_commit(
            lambda storage=stored.storage, name=stored.name: storage.delete(name), robust=True
        )
    _broadcast_message("message.delete", message, _memberships(message.thread))


@transaction.atomic
def message_delete(*, message: Message, user: User) -> Message:
    """Delete the user's own message within the edit window, leaving a tombstone.

    Locks the message row. The text and attachments are gone (files removed after commit); the
    row keeps its place in the thread. After commit: ``message.delete`` on the thread's sockets.
    """
    locked = _own_message_for_change(message=message, user=user)
    tombstone(locked, by_moderator=False)
    return locked
