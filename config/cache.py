"""Django's Redis cache with one ``redis.Redis`` client per connection pool, not one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the (shared) pool on
every cache operation; with redis-py 8 that object costs about 0.13 ms of CPU to build, more than
the ``GET`` it then sends (0.10 ms). A request that reads the cache three or four times (the
throttle, the premium facts, the profile) paid half a millisecond for nothing
(docs/benchmarks.md, "Reads and serving").

A ``redis.Redis`` without ``single_connection_client`` holds no connection of its own: every
command takes one from the pool and gives it back, so one client is safe to share between
threads, and after a fork the pool notices the new process id and opens fresh connections.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    """``get_client`` answers the same client for the same pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients.setdefault(
                index, self._client(connection_pool=self._pools[index])
            )
        return client


class RedisCache(DjangoRedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with the client above."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
