"""The distributed runtime against real PostgreSQL and Redis (run, never skipped, by CI)."""

import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from django.core.cache import cache, caches
from django.db import connection

from config.api.throttling import parse_rate


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_15_or_newer():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        version = int(cursor.fetchone()[0])

    assert connection.vendor == "postgresql"
    assert version >= 150000


@pytest.mark.redis
def test_cache_is_redis_and_counts_atomically():
    cache.add("probe-counter", 0)
    values = [cache.incr("probe-counter") for _ in range(5)]

    assert caches["default"].__class__.__name__ == "RedisCache"
    assert values == [1, 2, 3, 4, 5]


@pytest.mark.redis
async def test_channel_layer_receive_survives_more_than_five_idle_seconds():
    # redis-py 8 defaults socket_timeout to 5 s; the layer's blocking receive must outlive it.
    layer = get_channel_layer()
    channel = await layer.new_channel()

    async def send_later() -> None:
        await asyncio.sleep(6)
        await layer.send(channel, {"type": "late.message", "n": 1})

    started = time.monotonic()
    sender = asyncio.create_task(send_later())
    message = await asyncio.wait_for(layer.receive(channel), timeout=20)
    await sender

    assert layer.__class__.__name__ == "RedisChannelLayer"
    assert message == {"type": "late.message", "n": 1}
    assert time.monotonic() - started >= 6


def test_parse_rate():
    assert parse_rate("10/min") == (10, 60)
    assert parse_rate("100/hour") == (100, 3600)
    assert parse_rate("5000/h") == (5000, 3600)
    assert parse_rate("3/s") == (3, 1)
    assert parse_rate("1/day") == (1, 86400)
