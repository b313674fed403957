"""health/'s probes (config/api/health.py): the cache in one round trip on every request; a
successful channel-layer round trip reused for HEALTH_LAYER_PROBE_SECONDS, a failure never."""

import pytest
from channels.layers import get_channel_layer

from config.api import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_layer(monkeypatch):
    """The configured layer, counting the channels its probe opens."""
    monkeypatch.setattr(health, "_layer_ok", None)
    layer = get_channel_layer()
    calls = {"new_channel": 0}
    original = layer.new_channel

    async def new_channel(*args, **kwargs):
        calls["new_channel"] += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(layer, "new_channel", new_channel)
    return layer, calls


def test_a_successful_layer_round_trip_is_reused_within_the_second(counted_layer, settings):
    # given
    _layer, calls = counted_layer
    settings.HEALTH_LAYER_PROBE_SECONDS = 60

    # when
    health._check_channel_layer()
    health._check_channel_layer()

    # then
    assert calls["new_channel"] == 1


def test_every_request_probes_the_layer_when_reuse_is_off(counted_layer, settings):
    # given
    _layer, calls = counted_layer
    settings.HEALTH_LAYER_PROBE_SECONDS = 0

    # when
    health._check_channel_layer()
    health._check_channel_layer()

    # then
    assert calls["new_channel"] == 2


def test_a_failed_layer_round_trip_is_not_reused(counted_layer, monkeypatch, settings):
    # given: the layer refuses one send, then works again
    layer, calls = counted_layer
    settings.HEALTH_LAYER_PROBE_SECONDS = 60
    original_send = layer.send
    failures = iter([ConnectionError("down")])

    async def send(*args, **kwargs):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return await original_send(*args, **kwargs)

    monkeypatch.setattr(layer, "send", send)

    # when
    with pytest.raises(ConnectionError):
        health._check_channel_layer()
    health._check_channel_layer()

    # then: the second call probed again (and succeeded)
    assert calls["new_channel"] == 2
    assert health._layer_ok is not None


def test_health_still_reports_every_component(api_client):
    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    body = response.json()
    assert {body["database"]["status"], body["cache"]["status"]} == {"ok"}
    assert body["channel_layer"]["status"] == "ok"


@pytest.mark.redis
def test_the_cache_probe_is_one_pipelined_round_trip(monkeypatch):
    # given: the cache's redis-py client, counting what it sends
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    sent = {"commands": 0, "pipelines": 0}
    original_execute = client.execute_command
    original_pipeline = client.pipeline

    def execute_command(*args, **kwargs):
        sent["commands"] += 1
        return original_execute(*args, **kwargs)

    def pipeline(*args, **kwargs):
        sent["pipelines"] += 1
        return original_pipeline(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", execute_command)
    monkeypatch.setattr(client, "pipeline", pipeline)

    # when
    health._check_cache()

    # then
    assert sent == {"commands": 0, "pipelines": 1}
