"""The accept on PostgreSQL in six round trips (docs/benchmarks.md, "Writes").

``swap_accept`` runs this on PostgreSQL; SQLite keeps the ORM path in ``swaps``. Same rules,
locks, order and refusals, fewer statements and no SQL compiled per call:

1. BEGIN;
2. the swap row ``FOR NO KEY UPDATE`` with only the columns of its two parties that the move uses
   (name, language, time zone, e-mail), the requester's preference for ``swap_accepted``,
   whether either party linked a Google calendar, and then, on the locked row, the two diaries'
   advisory locks (``accept_lock_sql``);
3. one statement that sets the swap accepted and inserts both bookings unless either party
   already holds an overlapping one (``accept_book_sql``); the exclusion constraint still
   refuses an overlap whatever wrote it, and only a refusal reads the clash to name it;
4. the escrow hold, one ledger statement (``rewards.services``);
5. the notification;
6. COMMIT; then the socket event on the process loop, the e-mail task and the calendar task.

The statements are plain strings built once per process from the models' metadata: compiling the
equivalent querysets cost more CPU per accept than PostgreSQL spent running them.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction

from core.exceptions import NotFound
from exchanges import state_machine
from exchanges.models import SessionBooking, Swap
from exchanges.services.common import _calendar_linked_sql, _notify
from exchanges.services.points import _hold_price
from exchanges.services.scheduling import (
    DIARY_LOCK_NAMESPACE,
    _is_deadlock,
    _overlapping_bookings,
    _schedule_conflict,
)
from messaging.services.notifications import (
    notification_preference_join_sql,
    notification_preference_resolve,
)

if TYPE_CHECKING:
    from accounts.models import User

S = Swap.Status
NOTIFY_KIND = "swap_accepted"

# What the accept reads of each party: the recipient's language, time zone and e-mail state for the
# notification, the other party's public name (``User.public_name``), and the key.
PARTY_FIELDS = frozenset(
    {"id", "email", "is_active", "language", "time_zone", "display_name", "first_name", "last_name"}
)


@functools.cache
def _party_attnames() -> tuple[str, ...]:
    """``PARTY_FIELDS`` in the model's field order (the order ``Model.from_db`` expects)."""
    return tuple(
        f.attname for f in get_user_model()._meta.concrete_fields if f.attname in PARTY_FIELDS
    )


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def accept_lock_sql() -> str:
    """The accept's locks: parameters ``[kind, swap_id]``; one row, or none for no such swap.

    Columns: every column of the swap in model order, then ``PARTY_FIELDS`` of the requester and of
    the responder (in the model's field order), the requester's ``in_app`` and ``email``
    preference for ``kind`` (NULL when never chosen), whether either party has a Google token,
    and two empty columns: the diary locks.

    Lock order as in ``scheduling._lock_diaries`` after ``_lock_swap``: the inner query locks the
    swap row (a subquery with a row lock is never flattened into the outer one), and only then
    does the outer select list take the two parties' diary locks, in ascending key order (a
    target list is evaluated left to right). The next statement's snapshot, taken after them,
    sees every booking committed by whoever held them before.
    """
    user = get_user_model()
    swap_columns = ", ".join(f"s.{_quoted(str(f.column))}" for f in Swap._meta.concrete_fields)
    party_columns = [str(f.column) for f in user._meta.concrete_fields if f.attname in PARTY_FIELDS]

    def party(alias: str) -> str:
        return ", ".join(f"{alias}.{_quoted(column)}" for column in party_columns)

    # The diary keys as ``scheduling._lock_diaries`` computes them: the member's id mod 2**31.
    keys = [
        f"({extreme}(locked.requester_id, locked.responder_id) %% 2147483648)::integer"
        for extreme in ("LEAST", "GREATEST")
    ]
    return (
        "SELECT locked.*,"  # noqa: S608 - names from the models' metadata
        f" pg_advisory_xact_lock({DIARY_LOCK_NAMESPACE}, {keys[0]}),"
        f" pg_advisory_xact_lock({DIARY_LOCK_NAMESPACE}, {keys[1]})"
        f" FROM (SELECT {swap_columns}, {party('r')}, {party('p')}, np.in_app, np.email,"
        f" {_calendar_linked_sql('s.requester_id', 's.responder_id')}"
        f" FROM {_quoted(Swap._meta.db_table)} s"
        f" JOIN {_quoted(user._meta.db_table)} r ON r.id = s.requester_id"
        f" JOIN {_quoted(user._meta.db_table)} p ON p.id = s.responder_id"
        f"{notification_preference_join_sql(user_column='s.requester_id')}"
        " WHERE s.id = %s FOR NO KEY UPDATE OF s) AS locked"
    )


@functools.cache
def accept_book_sql() -> str:
    """The accept's write: set the swap accepted and book both parties unless either is busy.

    Parameters (``accept_book_params``): status, accepted_at, updated_at, swap id; swap id,
    start, end, requester, responder; requester, responder, end, start, swap id. Returns the
    new bookings' ids: two, or none when an overlapping booking exists (the caller raises, which
    rolls the UPDATE back with everything else). Runs after the diary locks, so its snapshot sees
    every booking committed by whoever held them before.
    """
    swap_table = _quoted(Swap._meta.db_table)
    booking_table = _quoted(SessionBooking._meta.db_table)
    return (
        f"WITH accepted AS (UPDATE {swap_table} SET status = %s, accepted_at = %s,"  # noqa: S608 - names from the models' metadata
        " updated_at = %s WHERE id = %s)"
        f" INSERT INTO {booking_table} (swap_id, user_id, starts_at, ends_at)"
        " SELECT %s, party.user_id, %s, %s"
        " FROM (VALUES (1, %s::bigint), (2, %s::bigint)) AS party (position, user_id)"
        f" WHERE NOT EXISTS (SELECT 1 FROM {booking_table} b WHERE b.user_id IN (%s, %s)"
        " AND b.starts_at < %s AND b.ends_at > %s AND b.swap_id <> %s)"
        " ORDER BY party.position RETURNING id"
    )


def accept_book_params(swap: Swap, now: datetime) -> list[Any]:
    start, end = swap.scheduled_start, swap.scheduled_end
    requester_id, responder_id = swap.requester_id, swap.responder_id
    return [
        S.ACCEPTED,
        now,
        now,
        swap.pk,
        swap.pk,
        start,
        end,
        requester_id,
        responder_id,
        requester_id,
        responder_id,
        end,
        start,
        swap.pk,
    ]


@functools.cache
def _swap_attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in Swap._meta.concrete_fields)


def _row_to_swap(row: tuple[Any, ...]) -> tuple[Swap, tuple[bool, bool], bool]:
    """The locked swap with both parties attached, the recipient's preference, calendar linked."""
    user = get_user_model()
    attnames = _swap_attnames()
    party_attnames = _party_attnames()
    width, party_width = len(attnames), len(party_attnames)
    swap = Swap.from_db(connection.alias, attnames, row[:width])
    # Members with only the fields the accept uses; any other field loads on first access.
    requester = user.from_db(connection.alias, party_attnames, row[width : width + party_width])
    responder = user.from_db(
        connection.alias, party_attnames, row[width + party_width : width + 2 * party_width]
    )
    swap.requester, swap.responder = requester, responder
    in_app, email, calendar_linked = row[width + 2 * party_width : width + 2 * party_width + 3]
    return swap, notification_preference_resolve(NOTIFY_KIND, in_app, email), bool(calendar_linked)


def swap_accept_postgresql(*, swap_id: int, actor: User, now: datetime) -> Swap:
    """Accept pending swap ``swap_id`` for ``actor`` in the caller's transaction (PostgreSQL).

    Lock order as everywhere: the swap row, the diaries (both in the first statement), then the
    wallets (``escrow_hold``).
    A 404 for no such swap, a 409 from the state machine, a clash or the ledger; the caller's
    transaction rolls everything back then.
    """
    with connection.cursor() as cursor:
        cursor.execute(accept_lock_sql(), [NOTIFY_KIND, swap_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    swap, preference, calendar_linked = _row_to_swap(row)
    state_machine.ensure_allowed("accept", swap=swap, user=actor, now=now)
    try:
        # No savepoint: a failure here always ends in a Conflict that rolls back the caller's
        # whole atomic block (savepoint=False marks it for rollback).
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(accept_book_sql(), accept_book_params(swap, now))
            booked = len(cursor.fetchall())
    except (IntegrityError, OperationalError) as exc:
        # An exclusion violation, or the deadlock an exclusion check can end in.
        if isinstance(exc, OperationalError) and not _is_deadlock(exc):
            raise
        raise _schedule_conflict(swap=swap) from exc
    if booked != 2:
        users = [swap.requester, swap.responder]
        clash = _overlapping_bookings(
            users, swap.scheduled_start, swap.scheduled_end, exclude_swap_id=swap.pk
        ).first()
        raise _schedule_conflict(clash, swap=swap)
    if swap.kind == Swap.Kind.POINTS:
        _hold_price(swap)
    swap.status = S.ACCEPTED
    swap.accepted_at = swap.updated_at = now
    _notify(swap, recipient=swap.requester, kind=NOTIFY_KIND, preference=preference)
    if calendar_linked or swap.requester_calendar_event_id or swap.responder_calendar_event_id:
        from exchanges.tasks import swap_calendar_sync_task

        swap_calendar_sync_task.delay_on_commit(swap.pk)
    return swap
