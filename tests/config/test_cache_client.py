"""The Redis cache reuses one redis-py client per pool (config/cache.py)."""

import threading

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

pytestmark = pytest.mark.redis


def test_the_cache_is_djangos_redis_cache_with_one_client_per_pool():
    # given
    from django.core.cache import caches

    backend = caches["default"]._cache

    # when
    first, second = backend.get_client("a", write=True), backend.get_client("b", write=True)

    # then
    assert isinstance(caches["default"], DjangoRedisCache)
    assert first is second
    assert backend.get_client("c") is backend.get_client("d")
    assert first.connection_pool is backend._pools[0]


def test_the_shared_client_serves_threads_at_once():
    # given
    results: list[int] = []
    cache.set("shared-client-counter", 0)

    def count() -> None:
        for _ in range(50):
            results.append(cache.incr("shared-client-counter"))

    # when
    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: every increment counted once
    assert sorted(results) == list(range(1, 201))
    assert cache.get("shared-client-counter") == 200
