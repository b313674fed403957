"""The request-timing middleware: API latency into per-endpoint histograms in the cache."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from django.utils import timezone

from core import request_timing
from core.request_timing import BUCKET_BOUNDS_MS, bucket_of, bucket_range, percentile

NOW = timezone.now()
AROUND_NOW = {"start": NOW - dt.timedelta(hours=2), "end": NOW + dt.timedelta(hours=2)}


@pytest.fixture(autouse=True)
def _no_earlier_counts():
    """Counts other tests left pending in this process are written, then the cache emptied."""
    from django.core.cache import cache

    request_timing.flush()
    cache.clear()


def fake_clock(monkeypatch, durations_ms):
    """Make the middleware see each request take the next of ``durations_ms``."""
    ticks = itertools.chain.from_iterable((0, int(ms * 1_000_000)) for ms in durations_ms)
    monkeypatch.setattr(request_timing, "perf_counter_ns", lambda: next(ticks))


def test_buckets_are_twenty_log_spaced_from_1_ms_to_10_s():
    assert request_timing.BUCKET_COUNT == 20
    assert (round(BUCKET_BOUNDS_MS[0], 6), round(BUCKET_BOUNDS_MS[-1], 6)) == (1.0, 10000.0)
    assert [bucket_of(ms) for ms in (0.2, 1.0, 3.0, 100.0, 9999.0, 10000.0, 99999.0)] == [
        0,
        1,
        3,
        10,
        18,
        19,
        19,
    ]
    assert bucket_range(19) == (10000.0, float("inf"))


def test_percentiles_interpolate_inside_the_bucket():
    # given: 90 requests of ~3 ms (bucket 3) and 10 of ~500 ms (bucket 13)
    counts = [0] * 20
    counts[bucket_of(3)] = 90
    counts[bucket_of(500)] = 10
    low3, high3 = bucket_range(bucket_of(3))
    low500, high500 = bucket_range(bucket_of(500))

    # when
    p50, p95 = percentile(counts, 0.5), percentile(counts, 0.95)

    # then: p50 is 50/90 of the way through bucket 3 on a log scale, p95 half-way through 13
    assert p50 == pytest.approx(low3 * (high3 / low3) ** (50 / 90))
    assert p95 == pytest.approx(low500 * (high500 / low500) ** 0.5)
    assert low3 <= p50 < high3
    assert low500 <= p95 < high500
    assert percentile([0] * 20, 0.5) is None


def test_middleware_counts_api_requests_per_endpoint_and_method(client, db, monkeypatch):
    # given: 8 category lists of 2 ms and two of 800 ms, one unknown API path of 1.5 ms (answered
    # by the API's catch-all 404 view: counted under that view's name, never under the path)
    fake_clock(monkeypatch, [2.0] * 8 + [800.0] * 2 + [1.5])

    # when
    for _ in range(10):
        assert client.get("/api/v1/categories/").status_code == 200
    assert client.get("/api/v1/no-such-thing/").status_code == 404

    # then
    rows = {(row.name, row.method): row for row in request_timing.latency_summary(**AROUND_NOW)}
    categories = rows[("api_v1:category-list", "GET")]
    assert categories.count == 10
    assert categories.counts[bucket_of(2.0)] == 8
    assert categories.counts[bucket_of(800.0)] == 2
    assert bucket_range(bucket_of(2.0))[0] <= categories.p50_ms < bucket_range(bucket_of(2.0))[1]
    assert bucket_range(bucket_of(800))[0] <= categories.p95_ms < bucket_range(bucket_of(800))[1]
    assert rows[("api_v1:config.api.errors.api_not_found", "GET")].count == 1
    assert len(rows) == 2
    # The slowest p95 comes first.
    assert next(iter(rows)) == ("api_v1:category-list", "GET")


def test_middleware_ignores_pages_and_can_be_turned_off(client, db):
    # when
    client.get("/en/")
    with override_settings(REQUEST_TIMING_ENABLED=False):
        client.get("/api/v1/categories/")

    # then
    assert request_timing.latency_summary(**AROUND_NOW) == []


def test_unknown_methods_are_one_bucket_of_names():
    # when
    request_timing.record(name="api_v1:health", method="BREW", duration_ns=1_000_000)

    # then
    (row,) = request_timing.latency_summary(**AROUND_NOW)
    assert (row.name, row.method, row.count) == ("api_v1:health", "OTHER", 1)


def test_hours_outside_the_period_are_left_out():
    # given
    last_week = (NOW - dt.timedelta(days=7)).timestamp()
    request_timing.record(name="api_v1:health", method="GET", duration_ns=5_000_000, at=last_week)
    request_timing.record(name="api_v1:health", method="GET", duration_ns=5_000_000)

    # when
    (row,) = request_timing.latency_summary(**AROUND_NOW)
    (older,) = request_timing.latency_summary(
        start=NOW - dt.timedelta(days=8), end=NOW - dt.timedelta(days=6)
    )

    # then
    assert (row.count, older.count) == (1, 1)


def test_a_failing_cache_never_fails_the_request(client, db, monkeypatch):
    # given
    def broken(**kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(request_timing, "record", broken)

    # when
    response = client.get("/api/v1/categories/")

    # then
    assert response.status_code == 200


@pytest.mark.redis
def test_redis_gets_the_counts_once_a_second_in_one_hash_per_hour(settings):
    # given: a process that last wrote just now
    from django.core.cache import cache

    settings.REQUEST_TIMING_FLUSH_SECONDS = 3600
    hour = int(time.time() // 3600)
    key = cache.make_and_validate_key(f"rt:{hour}")
    client = cache._cache.get_client(key)

    # when: three requests within the interval
    for _ in range(3):
        request_timing.record(name="api_v1:health", method="GET", duration_ns=3_000_000)

    # then: nothing written yet; one flush writes the three counts with the hour's expiry
    assert client.hgetall(key) == {}
    request_timing.flush()
    assert client.hgetall(key) == {f"GET~api_v1:health|{bucket_of(3)}".encode(): b"3"}
    assert 0 < client.ttl(key) <= settings.REQUEST_TIMING_RETENTION_DAYS * 86400


def test_counts_are_written_when_the_interval_has_passed(settings):
    # given
    from django.core.cache import cache, caches

    settings.REQUEST_TIMING_FLUSH_SECONDS = 0
    hour = int(time.time() // 3600)

    # when
    request_timing.record(name="api_v1:health", method="GET", duration_ns=3_000_000)

    # then: written at once, without a reader's flush
    if isinstance(caches["default"], RedisCache):
        key = cache.make_and_validate_key(f"rt:{hour}")
        assert cache._cache.get_client(key).hgetall(key) != {}
    else:
        assert cache.get(f"rt:{hour}:GET~api_v1:health|{bucket_of(3)}") == 1
