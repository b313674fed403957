"""The user throttle reads the cached premium answer in the same Redis round trip as its count
(config/api/throttling.py, PremiumFacts): same limits and headers, one round trip."""

import time

import pytest
from django.core.cache import cache

from config.api import throttling

pytestmark = [pytest.mark.django_db, pytest.mark.redis, pytest.mark.urls("tests.config.probe_urls")]
URL = "/api/v1/probe/users/"


@pytest.fixture
def premium_registry():
    """A premium check whose answers live in the cache under ``test-premium:<id>``; the
    registration billing made is put back afterwards."""
    before = (throttling._premium_check, throttling._premium_facts)
    asked: list[int] = []

    def check(user) -> bool:
        asked.append(user.pk)
        value = cache.get(f"test-premium:{user.pk}")
        if value is None:
            value = {"until": 0.0}
            cache.set(f"test-premium:{user.pk}", value, 60)
        return value["until"] > time.time()

    throttling.set_premium_check(
        check,
        cached=throttling.PremiumFacts(
            key=lambda user_id: f"test-premium:{user_id}",
            is_premium=lambda facts: facts["until"] > time.time(),
        ),
    )
    yield asked
    throttling.set_premium_check(before[0], cached=before[1])


def _round_trips(monkeypatch) -> dict[str, int]:
    client = cache._cache.get_client(write=True)
    sent = {"commands": 0, "pipelines": 0}
    original_execute, original_pipeline = client.execute_command, client.pipeline

    def execute_command(*args, **kwargs):
        sent["commands"] += 1
        return original_execute(*args, **kwargs)

    def pipeline(*args, **kwargs):
        sent["pipelines"] += 1
        return original_pipeline(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", execute_command)
    monkeypatch.setattr(client, "pipeline", pipeline)
    return sent


def test_a_cached_premium_member_gets_the_premium_rate_in_one_round_trip(
    auth_client, premium_registry, monkeypatch, settings
):
    # given: the member's premium answer is cached (and no latency statistics are written)
    settings.REQUEST_TIMING_ENABLED = False
    cache.set(f"test-premium:{auth_client.user.pk}", {"until": time.time() + 3600}, 60)
    sent = _round_trips(monkeypatch)

    # when
    response = auth_client.get(URL)

    # then
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "5000"
    assert response["X-RateLimit-Remaining"] == "4999"
    assert sent == {"commands": 0, "pipelines": 1}
    assert premium_registry == []  # the check was not asked


def test_a_cached_ordinary_member_gets_the_user_rate(auth_client, premium_registry):
    # given
    cache.set(f"test-premium:{auth_client.user.pk}", {"until": 0.0}, 60)

    # when
    first = auth_client.get(URL)
    second = auth_client.get(URL)

    # then
    assert first["X-RateLimit-Limit"] == second["X-RateLimit-Limit"] == "1000"
    assert [first["X-RateLimit-Remaining"], second["X-RateLimit-Remaining"]] == ["999", "998"]
    assert premium_registry == []


def test_a_cache_miss_asks_the_check_which_fills_the_cache(auth_client, premium_registry):
    # when
    first = auth_client.get(URL)
    second = auth_client.get(URL)

    # then
    assert first["X-RateLimit-Limit"] == second["X-RateLimit-Limit"] == "1000"
    assert premium_registry == [auth_client.user.pk]  # once: the second read hit the cache


def test_past_the_limit_is_a_429_with_the_same_headers(auth_client, premium_registry, settings):
    # given: an ordinary member whose window is spent
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "2/hour",
            "premium": "4/hour",
        },
    }
    cache.set(f"test-premium:{auth_client.user.pk}", {"until": 0.0}, 60)
    auth_client.get(URL)
    auth_client.get(URL)

    # when
    response = auth_client.get(URL, HTTP_ACCEPT_LANGUAGE="ar")

    # then
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert response["X-RateLimit-Limit"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response["Retry-After"]) <= 3600
