"""``GET /api/v1/health/``: is each backing service answering right now?"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class ComponentSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    backend = serializers.CharField()
    latency_ms = serializers.FloatField()
    detail = serializers.CharField(required=False)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "error"])
    database = ComponentSerializer()
    cache = ComponentSerializer()
    channel_layer = ComponentSerializer()


def _probe(backend: str, check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the type goes to the body
        return {
            "status": "error",
            "backend": backend,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "detail": type(exc).__name__,
        }
    return {
        "status": "ok",
        "backend": backend,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # One round trip on Redis: SET and GET pipelined (the key expires by itself).
    key = f"health:{uuid.uuid4().hex}"
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient):
        redis_key = cache.make_and_validate_key(key)
        pipeline = backend.get_client(redis_key, write=True).pipeline(transaction=False)
        pipeline.set(redis_key, b"1", ex=5)
        pipeline.get(redis_key)
        _stored, value = pipeline.execute()
        if value != b"1":
            raise RuntimeError("cache did not return what was stored")
        return
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")


_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def _run_on_probe_loop(coroutine: Coroutine[Any, Any, None], timeout: float = 5.0) -> None:
    """Run ``coroutine`` on this process's one probe loop (started on first use).

    ``async_to_sync`` outside a running loop (WSGI workers) starts a new thread, loop and Redis
    connection per call (docs/pitfalls.md); one long-lived loop keeps the layer's connection.
    """
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(
                target=_loop.run_forever, name="health-probe-loop", daemon=True
            ).start()
        loop = _loop
    asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=timeout)


# The channel layer's last successful round trip in this process: (layer, monotonic time).
_layer_ok: tuple[Any, float] | None = None


def _check_channel_layer() -> None:
    """Send a message to a new channel and receive it.

    A success is reused for ``HEALTH_LAYER_PROBE_SECONDS`` (default 1 s) by this process: the round
    trip costs several Redis commands and a hop to the probe loop (about 2 ms of CPU, most of
    a health answer), and load balancers poll often. A failure is never reused, so a layer that
    comes back is seen at once; a layer that stops answering is seen within that second, and a
    Redis that goes down at once, through the cache probe, which runs on every request.
    """
    global _layer_ok
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    last = _layer_ok
    ttl = float(getattr(settings, "HEALTH_LAYER_PROBE_SECONDS", 1.0))
    if last is not None and last[0] is layer and time.monotonic() - last[1] < ttl:
        return

    async def round_trip() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        message = await layer.receive(channel)
        if message.get("type") != "health.ping":
            raise RuntimeError("channel layer returned another message")

    _run_on_probe_loop(round_trip())
    _layer_ok = (layer, time.monotonic())


class HealthView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
        summary="Service health",
        description="Database, cache and channel layer status; 503 when any is down.",
    )
    def get(self, request: Request) -> Response:
        layer_backend = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
        body = {
            "database": _probe(connection.vendor, _check_database),
            "cache": _probe(settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1], _check_cache),
            "channel_layer": _probe(layer_backend, _check_channel_layer),
        }
        healthy = all(part["status"] == "ok" for part in body.values())
        body = {"status": "ok" if healthy else "error", **body}
        return Response(
            body, status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE
        )
