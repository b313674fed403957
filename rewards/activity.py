"""Activity counters: what members have done, counted once per source event.

exchanges, community and billing call ``activity_record`` / ``activity_record_many`` from their
services, inside their own transaction (docs/architecture.md: rewards keeps its own counters, fed
by explicit calls; it never reads their tables). A rolled-back caller therefore counts nothing.

How a record is written, in the caller's transaction:

1. The ``ActivityEvent`` rows are inserted with one ``INSERT … ON CONFLICT (user, counter,
   source) DO NOTHING RETURNING id``: ``(user, counter, source)`` is unique, so a retried call
   (or a concurrent one naming the same fact) inserts nothing and counts nothing. Only the events
   this call inserted go on.
2. The members' ``ActivityCounter`` rows are locked with one ``SELECT … FOR NO KEY UPDATE``
   ordered by primary key (missing rows are opened first with ``INSERT … ON CONFLICT DO
   NOTHING``), the amounts added, and the rows written back in one statement.
3. ``rewards.badges.badges_on_counter_changed`` runs for every counter that moved, with the old
   and new value, in the same transaction (under the counter lock, so concurrent crossings of a
   threshold are seen once each).
4. After commit, ``rewards.leaderboard.leaderboard_on_events`` gets the new events.

Lock order (docs/architecture.md, "Locks"): counters are locked LAST, after whatever the caller
already holds (swap → diaries → calls → ledger accounts → activity counters). A caller that records
several facts in one transaction passes them to ONE ``activity_record_many`` call, so all its
counter rows are locked in one primary-key-ordered statement; two separate calls for different
members in one transaction could lock in opposite orders.

Recount: each source app registers, per counter, a provider computing the true totals from its own
tables (``register_recount``); ``manage.py rewards_recount`` compares them with the events and the
counters and, with ``--fix``, records correcting events through ``activity_record``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, Q, Sum
from django.utils import timezone

from rewards.models import ActivityCounter, ActivityEvent, Counter

SOURCE_MAX_LENGTH = 100

RecountProvider = Callable[[], dict[int, int]]
_recount_providers: dict[str, list[RecountProvider]] = defaultdict(list)


@dataclass(frozen=True)
class ActivityRecord:
    """One fact to count: ``amount`` on ``counter`` for ``user_id``, named by ``source``."""

    user_id: int
    counter: str
    source: str
    amount: int = 1
    occurred_at: dt.datetime | None = None


def _validate(record: ActivityRecord) -> None:
    if isinstance(record.user_id, bool) or not isinstance(record.user_id, int):
        raise ValueError(f"activity user_id must be an int, not {record.user_id!r}")
    if record.counter not in Counter.values:
        raise ValueError(f"unknown activity counter {record.counter!r}")
    if not isinstance(record.source, str) or not record.source:
        raise ValueError("an activity source is a non-empty string")
    if len(record.source) > SOURCE_MAX_LENGTH:
        raise ValueError(f"activity source longer than {SOURCE_MAX_LENGTH}: {record.source!r}")
    if isinstance(record.amount, bool) or not isinstance(record.amount, int) or record.amount == 0:
        raise ValueError(f"an activity amount is a non-zero int, not {record.amount!r}")
    if record.occurred_at is not None and timezone.is_naive(record.occurred_at):
        raise ValueError("activity occurred_at must be time-zone aware")


def activity_record(
    *,
    user_id: int,
    counter: str,
    source: str,
    amount: int = 1,
    occurred_at: dt.datetime | None = None,
) -> bool:
    """Count ``amount`` on ``counter`` for the member, once per ``(user, counter, source)``.

    Returns False (and changes nothing) when that fact was already recorded. Call it inside the
    caller's transaction; see the module docstring for the locks it takes (counters, last).
    """
    record = ActivityRecord(
        user_id=user_id, counter=counter, source=source, amount=amount, occurred_at=occurred_at
    )
    return bool(activity_record_many([record]))


def activity_record_many(records: Iterable[ActivityRecord]) -> list[ActivityEvent]:
    """Count several facts at once; return the events this call recorded (retries are skipped).

    One swap completion is several facts (the teacher's sessions, minutes and points, the
    learner's session): recording them in one call locks every counter row they touch in one
    primary-key-ordered statement. Expects to run last in the caller's transaction lock order.
    """
    records = list(records)
    for record in records:
        _validate(record)
    if not records:
        return []
    with transaction.atomic(savepoint=False):
        events = _events_insert(records)
        if not events:
            return []
        deltas: dict[tuple[int, str], int] = defaultdict(int)
        for event in events:
            deltas[(event.user_id, event.counter)] += event.amount
        changes = _counters_add(deltas)
        from rewards.badges import badges_on_counter_changed

        for (user_id, counter), (old, new) in changes.items():
            if old != new:
                badges_on_counter_changed(user_id=user_id, counter=counter, old=old, new=new)
        transaction.on_commit(lambda: _leaderboard_apply(events), robust=True)
    return events


def _leaderboard_apply(events: Sequence[ActivityEvent]) -> None:
    from rewards.leaderboard import leaderboard_on_events

    leaderboard_on_events(events)


def _events_insert(records: Sequence[ActivityRecord]) -> list[ActivityEvent]:
    """Insert the events that are new; one statement, ``ON CONFLICT DO NOTHING RETURNING``.

    PostgreSQL and SQLite (3.35+) both speak this; Django's ``bulk_create(ignore_conflicts=True)``
    does not say which rows it inserted, and a savepoint per event costs three round trips.
    """
    now = timezone.now()
    unique: dict[tuple[int, str, str], ActivityEvent] = {}
    for record in records:
        key = (record.user_id, str(record.counter), record.source)
        if key in unique:  # the same fact twice in one call counts once, like a retry
            continue
        unique[key] = ActivityEvent(
            user_id=record.user_id,
            counter=str(record.counter),
            source=record.source,
            amount=record.amount,
            occurred_at=record.occurred_at or now,
            created_at=now,
        )
    opts = ActivityEvent._meta
    fields: list[Field] = [
        cast(Field, opts.get_field(name))
        for name in ("user", "counter", "source", "amount", "occurred_at", "created_at")
    ]
    columns = [field.column for field in fields]
    params: list[Any] = []
    for event in unique.values():
        for field in fields:
            params.append(field.get_db_prep_value(getattr(event, field.attname), connection))
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    names = ", ".join(quote(str(column)) for column in columns)
    rows = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(unique))
    conflict = ", ".join(quote(str(column)) for column in columns[:3])  # user, counter, source
    returned = ", ".join([quote(str(opts.pk.column)), conflict])
    # Only our own table and column names and placeholders go into the text; values are params.
    sql = f"INSERT INTO {table} ({names}) VALUES {rows} ON CONFLICT ({conflict}) DO NOTHING RETURNING {returned}"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchall()
    events = []
    for pk, user_id, counter, source in inserted:
        event = unique[(user_id, counter, source)]
        event.pk = pk
        event._state.adding = False
        event._state.db = connection.alias
        events.append(event)
    events.sort(key=lambda event: event.pk)
    return events


def _counters_add(deltas: dict[tuple[int, str], int]) -> dict[tuple[int, str], tuple[int, int]]:
    """Add ``deltas`` to the counter rows under ``FOR NO KEY UPDATE`` in primary-key order.

    Returns ``{(user_id, counter): (old, new)}``. Missing rows are opened with one ``INSERT … ON
    CONFLICT DO NOTHING`` (a row another transaction opens meanwhile is kept) and locked on the
    second pass.
    """
    wanted = set(deltas)
    query = Q()
    for user_id, counter in wanted:
        query |= Q(user_id=user_id, counter=counter)
    found: dict[tuple[int, str], ActivityCounter] = {}
    for _attempt in range(2):
        rows = ActivityCounter.objects.select_for_update(no_key=True).filter(query).order_by("pk")
        found.update({(row.user_id, row.counter): row for row in rows})
        missing = wanted - set(found)
        if not missing:
            break
        ActivityCounter.objects.bulk_create(
            [ActivityCounter(user_id=user_id, counter=counter) for user_id, counter in missing],
            ignore_conflicts=True,
        )
        query = Q()
        for user_id, counter in missing:
            query |= Q(user_id=user_id, counter=counter)
    else:  # pragma: no cover - the second pass always finds the rows just opened
        raise RuntimeError(f"could not open activity counters {sorted(wanted - set(found))}")
    now = timezone.now()
    changes: dict[tuple[int, str], tuple[int, int]] = {}
    rows_changed = []
    for key, row in sorted(found.items(), key=lambda item: item[1].pk):
        old = row.value
        row.value = old + deltas[key]
        row.updated_at = now
        changes[key] = (old, row.value)
        rows_changed.append(row)
    ActivityCounter.objects.bulk_update(rows_changed, ["value", "updated_at"])
    return changes


# --- recount -------------------------------------------------------------------------------------


def register_recount(counter: str, provider: RecountProvider) -> None:
    """Register ``provider`` (``() -> {user_id: true value}``) as a source of truth for ``counter``.

    Called by the source apps' ``AppConfig.ready()``; several providers of one counter add up.
    Registering the same provider twice (a second ``ready()``) keeps one.
    """
    if counter not in Counter.values:
        raise ValueError(f"unknown activity counter {counter!r}")
    providers = _recount_providers[str(counter)]
    if provider not in providers:
        providers.append(provider)


def recount_providers() -> dict[str, list[RecountProvider]]:
    """Every registered provider by counter (a copy)."""
    return {
        counter: list(providers) for counter, providers in _recount_providers.items() if providers
    }


def recount_truth(counter: str) -> dict[int, int]:
    """The true totals of ``counter`` by member, summed over its providers (zeros dropped)."""
    totals: dict[int, int] = defaultdict(int)
    for provider in _recount_providers.get(counter, []):
        for user_id, value in provider().items():
            totals[user_id] += value
    return {user_id: value for user_id, value in totals.items() if value}


@dataclass(frozen=True)
class Drift:
    """One member's counter that disagrees: the stored value, the sum of its events, the truth
    (None when no provider tells it; then only ``stored`` and ``events`` are compared)."""

    user_id: int
    counter: str
    stored: int
    events: int
    truth: int | None

    @property
    def expected(self) -> int:
        return self.events if self.truth is None else self.truth


def recount_drift(counters: Iterable[str] | None = None) -> tuple[list[Drift], int]:
    """Compare every member's counters with their events and the providers' truth.

    Returns the drifts (by counter, then member) and how many member counters were checked. Run
    it inside one snapshot (``rewards_recount`` does): a feed writes its source rows and its
    events in one transaction, so within a snapshot a correct counter never looks wrong, and a
    drift's deltas stay right whatever commits after the snapshot.
    """
    wanted = [str(counter) for counter in counters] if counters else list(Counter.values)
    for counter in wanted:
        if counter not in Counter.values:
            raise ValueError(f"unknown activity counter {counter!r}")
    drifts: list[Drift] = []
    checked = 0
    for counter in wanted:
        stored = dict(
            ActivityCounter.objects.filter(counter=counter)
            .order_by()
            .values_list("user_id", "value")
        )
        events = {
            row["user_id"]: row["total"]
            for row in ActivityEvent.objects.filter(counter=counter)
            .order_by()
            .values("user_id")
            .annotate(total=Sum("amount"))
        }
        truth = recount_truth(counter) if _recount_providers.get(counter) else None
        members = set(stored) | set(events) | set(truth or ())
        checked += len(members)
        for user_id in sorted(members):
            row = Drift(
                user_id=user_id,
                counter=counter,
                stored=stored.get(user_id, 0),
                events=events.get(user_id, 0),
                truth=None if truth is None else truth.get(user_id, 0),
            )
            if row.stored != row.events or row.events != row.expected:
                drifts.append(row)
    return drifts, checked


def recount_fix(drift: Drift, *, source: str) -> None:
    """Bring one drifted counter to the truth: the stored value to its events (under the counter
    lock), then a correcting event of ``truth - events`` through ``activity_record``, so badges
    and the leaderboard follow. Both deltas come from one snapshot (``recount_drift``) and stay
    right whatever fed the counter since."""
    with transaction.atomic():
        repair = drift.events - drift.stored
        if repair:
            row, _created = ActivityCounter.objects.get_or_create(
                user_id=drift.user_id, counter=drift.counter
            )
            row = ActivityCounter.objects.select_for_update(no_key=True).get(pk=row.pk)
            old = row.value
            row.value = old + repair
            row.updated_at = timezone.now()
            row.save(update_fields=["value", "updated_at"])
            from rewards.badges import badges_on_counter_changed

            badges_on_counter_changed(
                user_id=drift.user_id, counter=drift.counter, old=old, new=row.value
            )
        correction = drift.expected - drift.events
        if correction:
            activity_record(
                user_id=drift.user_id, counter=drift.counter, source=source, amount=correction
            )


def register() -> None:
    """Called by ``RewardsConfig.ready()``: the source apps register their recount providers."""
