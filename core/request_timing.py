"""Request timing for the staff analytics: per-endpoint latency aggregated in the cache.

``RequestTimingMiddleware`` (first in ``MIDDLEWARE``) measures the wall time of every ``/api/v1/``
request and counts it into a fixed-bucket latency histogram per endpoint, method and UTC hour, in
the shared cache. There is no row per request, and no cache round trip on most requests: each
process adds its counts up in memory and writes them all in one round trip when
``REQUEST_TIMING_FLUSH_SECONDS`` (default 1 s) have passed since its last write, on the request that
finds them due (0 writes at every request). A worker that dies loses at most that second of counts;
a quiet worker's last counts wait for its next API request (or for a reader in that process).

- on Redis (Django's ``RedisCache``), one hash per hour (``rt:<hour>``) whose fields are
  ``"<METHOD>~<url name>|<bucket>"``; a write is one pipeline of ``HINCRBY`` per pending field and
  an ``EXPIRE`` per hour;
- on any other cache (local memory in the embedded setup), one counter key per field with
  ``cache.incr``; the first count of an endpoint and bucket in an hour also adds the key and lists
  the field in the hour's index (a few more round trips, once per field and hour).

The endpoint is the resolved URL name (``api_v1:offers-list``), never the raw path, and methods
outside the standard ones are counted as ``OTHER``, so the number of fields stays bounded whatever
clients send; API paths nothing matches are counted under ``(unmatched)``.

The buckets are log-spaced: bucket 0 is under 1 ms, buckets 1-18 grow by a factor of about 1.67
up to 10 s, bucket 19 is 10 s and more. ``latency_summary`` merges the hours of a period and
estimates p50/p95 per endpoint from the merged histogram (interpolated inside a bucket on a log
scale, so an estimate is within the bucket that holds the true value).

Settings: ``REQUEST_TIMING_ENABLED`` (default True), ``REQUEST_TIMING_FLUSH_SECONDS`` (default 1),
``REQUEST_TIMING_RETENTION_DAYS`` (how long an hour's histograms stay in the cache, default 95: the
analytics' longest period is 90 days), ``REQUEST_TIMING_CACHE`` (the cache alias, default
``"default"``).
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter_ns
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
UNMATCHED = "(unmatched)"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Upper bounds (ms) of buckets 0..18: 1 ms to 10 s, log-spaced (10 ** (4 * i / 18)).
BUCKET_BOUNDS_MS: tuple[float, ...] = tuple(10 ** (4 * i / 18) for i in range(19))
BUCKET_COUNT = len(BUCKET_BOUNDS_MS) + 1  # 20: the last one is "10 s and more"

_index_lock = threading.Lock()


def bucket_of(duration_ms: float) -> int:
    """The histogram bucket of a duration in milliseconds (0..19)."""
    return bisect_right(BUCKET_BOUNDS_MS, duration_ms)


def bucket_range(bucket: int) -> tuple[float, float]:
    """The ``[low, high)`` bounds of a bucket in ms (``high`` is infinite for the last one)."""
    low = 0.0 if bucket == 0 else BUCKET_BOUNDS_MS[bucket - 1]
    high = BUCKET_BOUNDS_MS[bucket] if bucket < len(BUCKET_BOUNDS_MS) else float("inf")
    return low, high


def percentile(counts: Sequence[int], q: float) -> float | None:
    """Estimate the ``q`` quantile (0 < q <= 1) in ms of a histogram; None when it is empty.

    Inside the bucket that holds the quantile, the value is interpolated linearly for bucket 0
    (0 to 1 ms) and geometrically for the others (their bounds grow geometrically); the open last
    bucket answers its lower bound (10 s).
    """
    total = sum(counts)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for bucket, count in enumerate(counts):
        if count <= 0:
            continue
        if seen + count >= rank:
            fraction = (rank - seen) / count
            low, high = bucket_range(bucket)
            if high == float("inf"):
                return low
            if low == 0.0:
                return high * fraction
            return low * (high / low) ** fraction
        seen += count
    return bucket_range(len(counts) - 1)[0]  # pragma: no cover (rank <= total always stops above)


def _hour_of(timestamp: float) -> int:
    return int(timestamp // 3600)


def _retention_seconds() -> int:
    return int(getattr(settings, "REQUEST_TIMING_RETENTION_DAYS", 95)) * 86400


def _cache() -> BaseCache:
    return caches[getattr(settings, "REQUEST_TIMING_CACHE", "default")]


def _field(method: str, name: str, bucket: int) -> str:
    return f"{method}~{name}|{bucket}"


# --- writing -------------------------------------------------------------------------------------


# Counts not yet written, per (hour, field), and when this process last wrote them.
_pending: dict[tuple[int, str], int] = {}
_pending_lock = threading.Lock()
_last_flush = time.monotonic()


def record(*, name: str, method: str, duration_ns: int, at: float | None = None) -> None:
    """Count one request of ``method`` on the endpoint ``name`` into its hour's histogram.

    The count is added to this process's pending counts, which are written to the cache when
    ``REQUEST_TIMING_FLUSH_SECONDS`` have passed since the last write (0: at every request).
    """
    global _last_flush
    method = method if method in METHODS else "OTHER"
    bucket = bucket_of(duration_ns / 1_000_000)
    hour = _hour_of(time.time() if at is None else at)
    slot = (hour, _field(method, name, bucket))
    interval = float(getattr(settings, "REQUEST_TIMING_FLUSH_SECONDS", 1.0))
    with _pending_lock:
        _pending[slot] = _pending.get(slot, 0) + 1
        now = time.monotonic()
        if now - _last_flush < interval:
            return
        counts = dict(_pending)
        _pending.clear()
        _last_flush = now
    _write(counts)


def flush() -> None:
    """Write this process's pending counts to the cache now (the reader calls it first)."""
    global _last_flush
    with _pending_lock:
        counts = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if counts:
        _write(counts)


def _write(counts: dict[tuple[int, str], int]) -> None:
    cache = _cache()
    ttl = _retention_seconds()
    if isinstance(cache, RedisCache):
        hours = sorted({hour for hour, _field_name in counts})
        keys = {hour: cache.make_and_validate_key(f"rt:{hour}") for hour in hours}
        client = cache._cache.get_client(keys[hours[0]], write=True)
        # One round trip for everything pending: the increments and each hour's expiry.
        pipeline = client.pipeline(transaction=False)
        for (hour, field_name), count in counts.items():
            pipeline.hincrby(keys[hour], field_name, count)
        for key in keys.values():
            pipeline.expire(key, ttl)
        pipeline.execute()
        return
    for (hour, field_name), count in counts.items():
        key = f"rt:{hour}:{field_name}"
        try:
            cache.incr(key, count)
        except ValueError:
            # First count of this endpoint and bucket in this hour: create the counter and list
            # the field in the hour's index, which is how the reader finds it.
            if not cache.add(key, count, timeout=ttl):
                cache.incr(key, count)
            with _index_lock:
                index_key = f"rt:{hour}:index"
                fields = set(cache.get(index_key) or ())
                if field_name not in fields:
                    fields.add(field_name)
                    cache.set(index_key, fields, timeout=ttl)


class RequestTimingMiddleware:
    """Time every ``/api/v1/`` request into the per-endpoint latency histograms.

    A cache that fails never fails the request: the error is logged and the response returned.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX) or not getattr(
            settings, "REQUEST_TIMING_ENABLED", True
        ):
            return self.get_response(request)
        started = perf_counter_ns()
        response = self.get_response(request)
        elapsed = perf_counter_ns() - started
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else UNMATCHED
        try:
            record(name=name, method=request.method or "", duration_ns=elapsed)
        except Exception:  # the statistics must never cost a client its answer
            logger.warning("request timing: could not record %s", name, exc_info=True)
        return response


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointLatency:
    """One endpoint and method over a period: request count and estimated percentiles (ms)."""

    name: str
    method: str
    count: int
    p50_ms: float
    p95_ms: float
    counts: tuple[int, ...]


def _hours_between(start: datetime, end: datetime) -> list[int]:
    first = _hour_of(start.timestamp())
    last = _hour_of(end.timestamp() - 1e-6)
    return list(range(first, last + 1))


def _read_hours(hours: Iterable[int]) -> list[dict[str, int]]:
    """Each hour's histogram fields and counts (this process's pending counts written first)."""
    flush()
    hours = list(hours)
    cache = _cache()
    if isinstance(cache, RedisCache):
        keys = [cache.make_and_validate_key(f"rt:{hour}") for hour in hours]
        if not keys:
            return []
        client = cache._cache.get_client(keys[0])
        pipeline = client.pipeline(transaction=False)
        for key in keys:
            pipeline.hgetall(key)
        return [
            {
                (field.decode() if isinstance(field, bytes) else field): int(count)
                for field, count in raw.items()
            }
            for raw in pipeline.execute()
        ]
    indexes = cache.get_many([f"rt:{hour}:index" for hour in hours])
    wanted = [
        f"rt:{hour}:{field}" for hour in hours for field in indexes.get(f"rt:{hour}:index", ())
    ]
    values = cache.get_many(wanted)
    by_hour: dict[int, dict[str, int]] = {}
    for key, count in values.items():
        _prefix, hour, field = key.split(":", 2)
        by_hour.setdefault(int(hour), {})[field] = int(count)
    return list(by_hour.values())


def latency_summary(*, start: datetime, end: datetime) -> list[EndpointLatency]:
    """Every endpoint timed in the UTC hours that overlap ``[start, end)``, slowest p95 first."""
    merged: dict[tuple[str, str], list[int]] = {}
    for fields in _read_hours(_hours_between(start, end)):
        for field, count in fields.items():
            endpoint, _sep, bucket = field.rpartition("|")
            method, _sep, name = endpoint.partition("~")
            if not bucket.isdigit() or int(bucket) >= BUCKET_COUNT:
                continue
            merged.setdefault((name, method), [0] * BUCKET_COUNT)[int(bucket)] += count
    rows: list[EndpointLatency] = []
    for (name, method), counts in merged.items():
        p50, p95 = percentile(counts, 0.5), percentile(counts, 0.95)
        if p50 is None or p95 is None:
            continue
        rows.append(EndpointLatency(name, method, sum(counts), p50, p95, tuple(counts)))
    rows.sort(key=lambda row: (-row.p95_ms, -row.p50_ms, row.name, row.method))
    return rows


def timings_clear(*, start: datetime, end: datetime) -> None:
    """Forget the histograms of the hours overlapping ``[start, end)`` (tests, a reset)."""
    flush()
    hours = _hours_between(start, end)
    cache = _cache()
    if isinstance(cache, RedisCache):
        cache.delete_many([f"rt:{hour}" for hour in hours])
        return
    indexes: dict[str, Any] = cache.get_many([f"rt:{hour}:index" for hour in hours])
    keys = [f"rt:{hour}:{field}" for hour in hours for field in indexes.get(f"rt:{hour}:index", ())]
    cache.delete_many([*keys, *indexes])
