"""The leaderboard, kept incrementally in Redis sorted sets or a table (issue 16, docs/api.md).

Rankings are never aggregated per request. ``leaderboard_on_events`` applies committed
``ActivityEvent`` rows (called on commit by ``rewards.activity.activity_record``), and
``leaderboard_rebuild`` recomputes every board from ``ActivityEvent``, the source of truth
(``manage.py leaderboard_rebuild``, and daily by Celery beat: it repairs what a Redis outage lost).

Metrics: ``swaps`` (sessions taught + learned), ``reviews`` (reviews received), ``points`` (points
earned teaching) and ``rating`` (stars received / reviews received, x 100, rounded half up;
ranked only with at least ``LEADERBOARD_RATING_MIN_REVIEWS`` reviews in the period). Periods:
``week`` (the ISO week of ``occurred_at`` in UTC), ``month`` and ``all``; their keys read
``w2026-49``, ``m2026-12`` and ``all``. Equal scores rank by member id ascending.

One code path, two boards behind it (``leaderboard_board()``):

- ``RedisBoard`` (when ``REDIS_URL`` is set): one sorted set per metric and period key,
  ``skillswap:lb:{metric}:{period}``. Additive metrics ZINCRBY; rating keeps each member's star sum
  and review count in a hash beside its set and ZADDs the average only at the minimum (ZREM below),
  all inside one Lua script so concurrent batches never mix a sum with a stale count. Ties: the
  member string is ``10**19 - 1 - user_id`` zero-padded to 19 digits, so Redis's own tie order
  (member strings, descending under ZREVRANGE) is user id ascending. Week and month keys expire
  ``LEADERBOARD_PERIOD_TTL_DAYS`` after their period ends.
- ``TableBoard`` (no Redis): ``LeaderboardScore`` rows, changed by one multi-row
  ``INSERT ... ON CONFLICT DO UPDATE`` per batch (PostgreSQL and SQLite alike) and ranked through
  the partial index ``(metric, period, score DESC, user) WHERE score IS NOT NULL``.

Members who are deleted leave every board at once (``accounts.extensions.on_user_deleted``);
suspended members are dropped by the next rebuild and hidden from pages meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from rewards.models import ActivityEvent, Counter, LeaderboardScore

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

METRICS = ("swaps", "rating", "points", "reviews")
PERIODS = ("week", "month", "all")
RATING = "rating"

# Which counters feed which metric, and whether into its total or its tally (reviews, for rating).
FEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    Counter.SESSIONS_TAUGHT: (("swaps", "total"),),
    Counter.SESSIONS_LEARNED: (("swaps", "total"),),
    Counter.POINTS_EARNED: (("points", "total"),),
    Counter.REVIEWS_RECEIVED: (("reviews", "total"), (RATING, "tally")),
    Counter.RATING_POINTS: ((RATING, "total"),),
}
METRIC_COUNTERS: dict[str, tuple[str, ...]] = {
    metric: tuple(
        str(counter) for counter, feeds in FEEDS.items() if any(m == metric for m, _f in feeds)
    )
    for metric in METRICS
}

REDIS_PREFIX = "skillswap:lb:"
# The member string of a user id in a sorted set: see the module docstring (ties).
_MEMBER_BASE = 10**19 - 1


class LeaderboardUnavailable(ApplicationError):
    """The ranking store (Redis) did not answer: a 503; nothing was changed."""

    status_code = 503
    code = "leaderboard_unavailable"
    default_message = _("The leaderboard is unavailable right now. Try again in a minute.")


# --- periods ------------------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def week_key(moment: dt.datetime) -> str:
    year, week, _day = _utc(moment).isocalendar()
    return f"w{year}-{week:02d}"


def month_key(moment: dt.datetime) -> str:
    moment = _utc(moment)
    return f"m{moment.year}-{moment.month:02d}"


def period_key(period: str, *, now: dt.datetime | None = None) -> str:
    """The stored key of ``period`` (``week``/``month``/``all``) at ``now``."""
    if period == "all":
        return "all"
    now = now or timezone.now()
    return week_key(now) if period == "week" else month_key(now)


def period_bounds(key: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``[start, end)`` in UTC of a period key; ``(None, None)`` for ``all``."""
    if key == "all":
        return None, None
    year, number = (int(part) for part in key[1:].split("-"))
    if key[0] == "w":
        start_day = dt.date.fromisocalendar(year, number, 1)
        start = dt.datetime.combine(start_day, dt.time(), tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=7)
    start = dt.datetime(year, number, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def _expire_at(key: str) -> int:
    """Epoch seconds when a period's Redis keys go (0: never, for ``all``)."""
    _start, end = period_bounds(key)
    if end is None:
        return 0
    ttl = dt.timedelta(days=getattr(settings, "LEADERBOARD_PERIOD_TTL_DAYS", 35))
    return int((end + ttl).timestamp())


def rebuild_periods(*, now: dt.datetime | None = None) -> list[str]:
    """The period keys a rebuild recomputes: all, this and last week, this and last month."""
    now = now or timezone.now()
    last_week = now - dt.timedelta(days=7)
    last_month = _utc(now).replace(day=1) - dt.timedelta(days=1)
    keys = ["all", week_key(last_week), week_key(now), month_key(last_month), month_key(now)]
    return list(dict.fromkeys(keys))


# --- scores -------------------------------------------------------------------------------------


def min_reviews() -> int:
    return int(getattr(settings, "LEADERBOARD_RATING_MIN_REVIEWS", 3))


def rating_score(total: int, tally: int) -> int | None:
    """Average stars x 100, rounded half up (truncating division, as SQL and the Lua script do);
    None below the minimum number of reviews."""
    if tally <= 0 or tally < min_reviews():
        return None
    numerator = 200 * total + tally
    quotient = abs(numerator) // (2 * tally)
    return quotient if numerator >= 0 else -quotient


def score_display(metric: str, score: int) -> int | float:
    """What clients see: the rating as an average with two decimals, the rest as counted."""
    return round(score / 100, 2) if metric == RATING else int(score)


@dataclass(frozen=True)
class Standing:
    user_id: int
    rank: int
    score: int


@dataclass(frozen=True)
class Row:
    """One member's aggregate on one board (a delta when applied, a total when rebuilt)."""

    metric: str
    period: str
    user_id: int
    total: int
    tally: int


def event_rows(events: Iterable[Any]) -> list[Row]:
    """Fold events into one delta per (metric, period key, member), in key order (lock order)."""
    sums: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for event in events:
        feeds = FEEDS.get(event.counter)
        if not feeds:
            continue
        keys = ("all", week_key(event.occurred_at), month_key(event.occurred_at))
        for metric, field in feeds:
            for key in keys:
                sums[(metric, key, event.user_id)][0 if field == "total" else 1] += event.amount
    return [Row(m, p, u, total, tally) for (m, p, u), (total, tally) in sorted(sums.items())]


# --- boards -------------------------------------------------------------------------------------


class Board(Protocol):
    def apply(self, rows: Sequence[Row]) -> None: ...

    def page(self, metric: str, period: str, offset: int, limit: int) -> list[Standing]: ...

    def count(self, metric: str, period: str) -> int: ...

    def standing(self, metric: str, period: str, user_id: int) -> Standing | None: ...

    def replace(self, period: str, rows: Iterable[Row]) -> None: ...

    def forget(self, user_id: int) -> None: ...

    def read(
        self, metric: str, period: str, offset: int, limit: int, user_id: int | None
    ) -> tuple[int, list[Standing], Standing | None]: ...


class TableBoard:
    """``LeaderboardScore`` rows, one statement per batch; ranked through their index."""

    table = LeaderboardScore._meta.db_table

    def apply(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        values: list[str] = []
        params: list[Any] = []
        for row in rows:
            score = rating_score(row.total, row.tally) if row.metric == RATING else row.total
            values.append("(%s, %s, %s, %s, %s, %s)")
            params += [row.metric, row.period, row.user_id, row.total, row.tally, score]
        # The new total and tally, as the existing row plus this batch's delta.
        total = f"{self.table}.total + EXCLUDED.total"
        tally = f"{self.table}.tally + EXCLUDED.tally"
        # Rows in (metric, period, user) order: concurrent batches lock them in the same order.
        # Table names come from _meta and every value is a parameter (S608 below).
        sql = (
            f"INSERT INTO {self.table} "  # noqa: S608
            "(metric, period, user_id, total, tally, score) "
            f"VALUES {', '.join(values)} "
            "ON CONFLICT (metric, period, user_id) DO UPDATE SET "
            f"total = {total}, tally = {tally}, score = CASE "
            f"WHEN {self.table}.metric <> %s THEN {total} "
            f"WHEN {tally} > 0 AND {tally} >= %s "
            f"THEN (200 * ({total}) + {tally}) / (2 * ({tally})) "
            "ELSE NULL END"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, RATING, min_reviews()])
        self._forget_histograms(rows)

    def _ranked(self, metric: str, period: str) -> Any:
        return LeaderboardScore.objects.filter(metric=metric, period=period, score__isnull=False)

    def page(self, metric: str, period: str, offset: int, limit: int) -> list[Standing]:
        rows = (
            self._ranked(metric, period)
            # The rank index's own order (score DESC, user; ranked rows only), so PostgreSQL
            # reads the page off it instead of sorting the board.
            .order_by("-score", "user_id")
            .values_list("user_id", "score")[offset : offset + limit]
        )
        return [
            Standing(user_id=user_id, rank=offset + index + 1, score=score)
            for index, (user_id, score) in enumerate(rows)
        ]

    @staticmethod
    def _histogram_key(metric: str, period: str) -> str:
        return f"leaderboard:histogram:{metric}:{period}"

    def histogram(self, metric: str, period: str) -> list[tuple[int, int]]:
        """``(score, members)`` pairs, highest score first: the board's size and everyone's rank
        above their own score, without counting rows per request. Cached; every applied batch
        drops it, and it lives ``LEADERBOARD_HISTOGRAM_SECONDS`` at most (other processes' caches
        when the cache is local memory)."""
        key = self._histogram_key(metric, period)
        pairs = cache.get(key)
        if pairs is None:
            pairs = list(
                self._ranked(metric, period)
                .values_list("score")
                .annotate(members=Count("user_id"))
                .order_by("-score")
            )
            cache.set(key, pairs, getattr(settings, "LEADERBOARD_HISTOGRAM_SECONDS", 30))
        return pairs

    def _forget_histograms(self, rows: Sequence[Row]) -> None:
        cache.delete_many(list({self._histogram_key(row.metric, row.period) for row in rows}))

    def count(self, metric: str, period: str) -> int:
        return sum(members for _score, members in self.histogram(metric, period))

    def standing(self, metric: str, period: str, user_id: int) -> Standing | None:
        score = (
            self._ranked(metric, period).filter(user_id=user_id).values_list("score", flat=True)
        ).first()
        if score is None:
            return None
        higher = sum(members for other, members in self.histogram(metric, period) if other > score)
        # Members tied with a smaller id: one range of the rank index.
        tied_before = self._ranked(metric, period).filter(score=score, user_id__lt=user_id).count()
        return Standing(user_id=user_id, rank=higher + tied_before + 1, score=score)

    def read(
        self, metric: str, period: str, offset: int, limit: int, user_id: int | None
    ) -> tuple[int, list[Standing], Standing | None]:
        count = self.count(metric, period)
        standings = self.page(metric, period, offset, limit) if offset < count else []
        me = self.standing(metric, period, user_id) if user_id else None
        return count, standings, me

    def replace(self, period: str, rows: Iterable[Row]) -> None:
        raise NotImplementedError("TableBoard rebuilds in SQL: see _table_rebuild")

    def forget(self, user_id: int) -> None:
        LeaderboardScore.objects.filter(user_id=user_id).delete()
        cache.delete_many(
            [self._histogram_key(metric, key) for metric in METRICS for key in rebuild_periods()]
        )


# Applies a batch atomically. KEYS: per row, the sorted set and the rating hash. ARGV[1]: the
# minimum number of reviews; then per row: member, total delta, tally delta, "r" for rating or "a"
# for additive, expiry (epoch seconds, 0 for never).
_APPLY_LUA = """
local minimum = tonumber(ARGV[1])
local rows = (#ARGV - 1) / 5
for i = 0, rows - 1 do
  local zkey, hkey = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local member = ARGV[5 * i + 2]
  local total, tally = tonumber(ARGV[5 * i + 3]), tonumber(ARGV[5 * i + 4])
  local kind, expire_at = ARGV[5 * i + 5], tonumber(ARGV[5 * i + 6])
  if kind == "r" then
    local sum = tonumber(redis.call("HINCRBY", hkey, member .. ":s", total))
    local count = tonumber(redis.call("HINCRBY", hkey, member .. ":n", tally))
    if count > 0 and count >= minimum then
      local numerator = 200 * sum + count
      local score = math.floor(math.abs(numerator) / (2 * count))
      if numerator < 0 then score = -score end
      redis.call("ZADD", zkey, score, member)
    else
      redis.call("ZREM", zkey, member)
    end
    if expire_at > 0 then redis.call("EXPIREAT", hkey, expire_at) end
  else
    redis.call("ZINCRBY", zkey, total, member)
  end
  if expire_at > 0 then redis.call("EXPIREAT", zkey, expire_at) end
end
return rows
"""

_clients: dict[str, Any] = {}


def _redis_client(url: str) -> Any:
    import redis

    client = _clients.get(url)
    if client is None:
        # Short timeouts: a swap's on-commit feed must not hang on a dead Redis (it logs instead).
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        _clients[url] = client
    return client


def member_of(user_id: int) -> str:
    return f"{_MEMBER_BASE - user_id:019d}"


def user_of(member: bytes | str) -> int:
    return _MEMBER_BASE - int(member)


class RedisBoard:
    """One sorted set per metric and period key; rating sums and counts in a hash beside it."""

    def __init__(self, url: str) -> None:
        self.client = _redis_client(url)

    @staticmethod
    def zkey(metric: str, period: str) -> str:
        return f"{REDIS_PREFIX}{metric}:{period}"

    @staticmethod
    def hkey(period: str) -> str:
        return f"{REDIS_PREFIX}{RATING}:{period}:parts"

    def apply(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        keys: list[str] = []
        args: list[Any] = [min_reviews()]
        for row in rows:
            keys += [self.zkey(row.metric, row.period), self.hkey(row.period)]
            kind = "r" if row.metric == RATING else "a"
            args += [member_of(row.user_id), row.total, row.tally, kind, _expire_at(row.period)]
        self.client.eval(_APPLY_LUA, len(keys), *keys, *args)

    def page(self, metric: str, period: str, offset: int, limit: int) -> list[Standing]:
        pairs = self.client.zrevrange(
            self.zkey(metric, period), offset, offset + limit - 1, withscores=True
        )
        return [
            Standing(user_id=user_of(member), rank=offset + index + 1, score=int(score))
            for index, (member, score) in enumerate(pairs)
        ]

    def count(self, metric: str, period: str) -> int:
        return int(self.client.zcard(self.zkey(metric, period)))

    def standing(self, metric: str, period: str, user_id: int) -> Standing | None:
        key, member = self.zkey(metric, period), member_of(user_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.zrevrank(key, member)
        pipe.zscore(key, member)
        rank, score = pipe.execute()
        if rank is None or score is None:
            return None
        return Standing(user_id=user_id, rank=int(rank) + 1, score=int(score))

    def read(
        self, metric: str, period: str, offset: int, limit: int, user_id: int | None
    ) -> tuple[int, list[Standing], Standing | None]:
        """Size, page and the viewer's standing in one round trip."""
        key = self.zkey(metric, period)
        pipe = self.client.pipeline(transaction=False)
        pipe.zcard(key)
        pipe.zrevrange(key, offset, offset + limit - 1, withscores=True)
        if user_id:
            pipe.zrevrank(key, member_of(user_id))
            pipe.zscore(key, member_of(user_id))
        count, pairs, *mine = pipe.execute()
        standings = [
            Standing(user_id=user_of(member), rank=offset + index + 1, score=int(score))
            for index, (member, score) in enumerate(pairs)
        ]
        me = None
        if mine and mine[0] is not None and mine[1] is not None:
            me = Standing(user_id=user_id or 0, rank=int(mine[0]) + 1, score=int(mine[1]))
        return int(count), standings, me

    def replace(self, period: str, rows: Iterable[Row]) -> None:
        """Swap in freshly computed boards of one period (built aside, then renamed)."""
        building = f"{REDIS_PREFIX}building:"
        sets: dict[str, dict[str, int]] = defaultdict(dict)
        parts: dict[str, int] = {}
        for row in rows:
            member = member_of(row.user_id)
            if row.metric == RATING:
                parts[f"{member}:s"], parts[f"{member}:n"] = row.total, row.tally
                score = rating_score(row.total, row.tally)
                if score is not None:
                    sets[RATING][member] = score
            else:
                sets[row.metric][member] = row.total
        expire_at = _expire_at(period)
        targets = {self.zkey(metric, period): sets.get(metric, {}) for metric in METRICS}
        targets[self.hkey(period)] = parts
        for key, content in targets.items():
            self.client.delete(building + key)
            items = list(content.items())
            for start in range(0, len(items), 10_000):
                chunk = dict(items[start : start + 10_000])
                if key == self.hkey(period):
                    self.client.hset(building + key, mapping=chunk)
                else:
                    self.client.zadd(building + key, chunk)
        # One MULTI: readers see the old boards or the new ones, never a half-built one.
        pipe = self.client.pipeline(transaction=True)
        for key, content in targets.items():
            if content:
                pipe.rename(building + key, key)
                if expire_at:
                    pipe.expireat(key, expire_at)
            else:
                pipe.delete(key)
        pipe.execute()

    def forget(self, user_id: int) -> None:
        member = member_of(user_id)
        pipe = self.client.pipeline(transaction=False)
        for key in self.client.scan_iter(match=f"{REDIS_PREFIX}*", count=1000):
            if key.endswith(b":parts"):
                pipe.hdel(key, f"{member}:s", f"{member}:n")
            else:
                pipe.zrem(key, member)
        pipe.execute()


def leaderboard_board() -> Board:
    """The configured board: Redis when ``REDIS_URL`` is set (``LEADERBOARD_BACKEND`` forces it)."""
    backend = getattr(settings, "LEADERBOARD_BACKEND", "") or (
        "redis" if settings.REDIS_URL else "table"
    )
    if backend == "redis":
        return RedisBoard(settings.REDIS_URL)
    return TableBoard()


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.RedisError, OSError)


# --- the pinned seams ---------------------------------------------------------------------------


def leaderboard_on_events(events: Sequence[Any]) -> None:
    """Apply committed ``ActivityEvent`` rows to the rankings (called on commit).

    Never raises: the swap or review that fed it has committed already. A failure (Redis down)
    is logged and repaired by the next ``leaderboard_rebuild``.
    """
    rows = event_rows(events)
    if not rows:
        return
    try:
        leaderboard_board().apply(rows)
    except Exception:
        logger.exception(
            "leaderboard: %d update(s) not applied; the next leaderboard_rebuild repairs them",
            len(rows),
        )


def leaderboard_rank(*, user_id: int, metric: str = "swaps", period: str = "all") -> int | None:
    """The member's 1-based rank, or None when unranked (or the ranking store is down)."""
    try:
        found = leaderboard_board().standing(metric, period_key(period), user_id)
    except _redis_errors():
        logger.exception("leaderboard: rank of %s not read", user_id)
        return None
    return found.rank if found else None


@dataclass(frozen=True)
class LeaderboardPage:
    metric: str
    period: str
    count: int
    standings: list[Standing]
    users: dict[int, User]
    me: Standing | None


def leaderboard_page(
    *,
    metric: str = "swaps",
    period: str = "all",
    offset: int = 0,
    limit: int = 20,
    viewer_id: int | None = None,
) -> LeaderboardPage:
    """One page of the ranking, its members, the board's size and the viewer's own standing.

    One round trip to Redis (three or five queries on the table) and ONE users query, whatever
    the page size. Members who are no longer active (suspended or deleted) are left out of
    ``standings`` until the next rebuild drops them; the others keep their ranks. Raises
    ``LeaderboardUnavailable`` when Redis does not answer.
    """
    from accounts.models import User

    key = period_key(period)
    board = leaderboard_board()
    try:
        count, standings, me = board.read(metric, key, offset, limit, viewer_id)
    except _redis_errors() as error:
        logger.exception("leaderboard: page not read")
        raise LeaderboardUnavailable() from error
    ids = [standing.user_id for standing in standings]
    users = (
        {
            user.pk: user
            for user in User.objects.filter(
                pk__in=ids, is_active=True, deleted_at__isnull=True
            ).only("id", "display_name", "first_name", "last_name", "avatar")
        }
        if ids
        else {}
    )
    standings = [standing for standing in standings if standing.user_id in users]
    return LeaderboardPage(metric, period, count, standings, users, me)


# --- rebuild ------------------------------------------------------------------------------------


def _aggregate_sql(metric: str, key: str) -> tuple[str, list[Any]]:
    """SELECT user_id, total, tally of one board, summed from ActivityEvent (active members)."""
    from accounts.models import User

    events = ActivityEvent._meta.db_table
    users = User._meta.db_table
    counters = METRIC_COUNTERS[metric]
    params: list[Any] = list(counters)
    where = [f"e.counter IN ({', '.join(['%s'] * len(counters))})"]
    start, end = period_bounds(key)
    if start is not None:
        where.append("e.occurred_at >= %s AND e.occurred_at < %s")
        params += [start, end]
    where.append("u.is_active = %s AND u.deleted_at IS NULL")
    params.append(True)
    if metric == RATING:
        columns = (
            "CAST(SUM(CASE WHEN e.counter = %s THEN e.amount ELSE 0 END) AS BIGINT) AS total, "
            "CAST(SUM(CASE WHEN e.counter = %s THEN e.amount ELSE 0 END) AS BIGINT) AS tally"
        )
        params = [str(Counter.RATING_POINTS), str(Counter.REVIEWS_RECEIVED), *params]
    else:
        # PostgreSQL's SUM of bigint is numeric: cast back, so divisions truncate as elsewhere.
        columns = "CAST(SUM(e.amount) AS BIGINT) AS total, 0 AS tally"
    sql = (
        f"SELECT e.user_id AS user_id, {columns} "  # noqa: S608
        f"FROM {events} e JOIN {users} u ON u.id = e.user_id "
        f"WHERE {' AND '.join(where)} GROUP BY e.user_id"
    )
    return sql, params


def _table_rebuild(keys: list[str]) -> None:
    table = TableBoard.table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        for key in keys:
            for metric in METRICS:
                select, params = _aggregate_sql(metric, key)
                if metric == RATING:
                    score = (
                        "CASE WHEN tally > 0 AND tally >= %s "
                        "THEN (200 * total + tally) / (2 * tally) ELSE NULL END"
                    )
                    head: list[Any] = [metric, key, min_reviews()]
                else:
                    score = "total"
                    head = [metric, key]
                cursor.execute(
                    f"INSERT INTO {table} "  # noqa: S608
                    "(metric, period, user_id, total, tally, score) "
                    f"SELECT %s, %s, user_id, total, tally, {score} "
                    f"FROM ({select}) AS agg",
                    [*head, *params],
                )
    cache.delete_many(
        [TableBoard._histogram_key(metric, key) for metric in METRICS for key in keys]
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Every row was rewritten: reclaim the old ones and refresh the statistics and the
        # visibility map, or the planner misjudges the new rows and counts read the heap.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def _redis_rebuild(board: RedisBoard, keys: list[str]) -> None:
    for key in keys:
        rows: list[Row] = []
        with connection.cursor() as cursor:
            for metric in METRICS:
                select, params = _aggregate_sql(metric, key)
                cursor.execute(select, params)
                rows += [Row(metric, key, int(u), int(t), int(n)) for u, t, n in cursor.fetchall()]
        board.replace(key, rows)


def leaderboard_rebuild(*, now: dt.datetime | None = None) -> list[str]:
    """Recompute every board from ``ActivityEvent``; the period keys rebuilt.

    An event committed while a rebuild runs may be counted twice or not at all on the board it
    was racing with, until the next rebuild (which runs daily).
    """
    keys = rebuild_periods(now=now)
    board = leaderboard_board()
    if isinstance(board, RedisBoard):
        _redis_rebuild(board, keys)
    else:
        _table_rebuild(keys)
    return keys


@shared_task(name="rewards.leaderboard.leaderboard_rebuild_task", ignore_result=True)
def leaderboard_rebuild_task() -> None:
    """Daily (Celery beat): recompute the boards, repairing anything a Redis outage lost."""
    leaderboard_rebuild()


def leaderboard_on_user_deleted(user: User) -> None:
    """Take an anonymised member off every board, once their deletion commits."""
    user_id = user.pk

    def forget() -> None:
        try:
            leaderboard_board().forget(user_id)
        except Exception:
            logger.exception("leaderboard: member %s not removed; the next rebuild does", user_id)

    transaction.on_commit(forget)


def register() -> None:
    """Called by ``RewardsConfig.ready()``."""
    from accounts import extensions

    extensions.on_user_deleted(leaderboard_on_user_deleted)
