"""Rate limits (docs/api.md, "Rate limits") with the headers clients read.

Fixed windows counted with one atomic ``incr`` in the cache (Redis in production, so every replica
shares the count): the window's end is an honest ``X-RateLimit-Reset``, and concurrent requests
cannot both slip under the limit the way DRF's read-modify-write history list allows.

Every response of a throttled scope carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (epoch seconds) for the tightest of the throttles that applied; a refusal is a
429 with ``Retry-After`` (set by the exception handler from ``wait()``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/min"`` → ``(10, 60)``."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0].lower()]


def window_count(key: str, *, timeout: int) -> int:
    """Count one more request in the window ``key``; the count including this one.

    On Redis one pipelined round trip: ``INCR`` (atomic, creates the key at 1) and ``EXPIRE … NX``
    (sets the window's expiry once, never extends it). Other caches (local memory in the embedded
    runtime and tests) use ``add`` then ``incr``.
    """
    backend = getattr(cache, "_cache", None)
    if isinstance(backend, RedisCacheClient):
        count, _value = _redis_window_count(backend, key, timeout=timeout, read=None)
        return count
    # add() is a no-op when the key exists.
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=timeout)
        return 1


_MISSING = object()


def _redis_window_count(
    backend: RedisCacheClient, key: str, *, timeout: int, read: str | None
) -> tuple[int, Any]:
    """``window_count`` on Redis, reading the cache key ``read`` in the same round trip (its
    value, or ``_MISSING``)."""
    redis_key = cache.make_and_validate_key(key)
    pipeline = backend.get_client(redis_key, write=True).pipeline(transaction=False)
    pipeline.incr(redis_key)
    pipeline.expire(redis_key, timeout, nx=True)
    if read is not None:
        pipeline.get(cache.make_and_validate_key(read))
    results = pipeline.execute()
    if read is None:
        return int(results[0]), _MISSING
    raw = results[2]
    return int(results[0]), _MISSING if raw is None else backend._serializer.loads(raw)


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # epoch seconds at which the window ends


def _record(request: Request | HttpRequest, state: RateLimitState) -> None:
    """Keep the tightest state seen for this request, for the headers middleware."""
    raw = getattr(request, "_request", request)
    current: RateLimitState | None = getattr(raw, "_ratelimit_state", None)
    if current is None or state.remaining < current.remaining:
        raw._ratelimit_state = state


class FixedWindowRateThrottle(BaseThrottle):
    """Count requests per identity in fixed windows; the scope names the rate in settings."""

    scope: str = ""

    def get_rate(self, request: Request) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident_key(self, request: Request) -> str | None:
        """The identity to count, or None when this throttle does not apply to the request."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: object) -> bool:
        rate = self.get_rate(request)
        ident = self.get_ident_key(request)
        if rate is None or ident is None:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        self.reset_at = (window + 1) * period
        self.now = now
        key = f"throttle:{self.scope}:{ident}:{period}:{window}"
        count = window_count(key, timeout=period + 1)
        _record(request, RateLimitState(limit, max(limit - count, 0), self.reset_at))
        return count <= limit

    def wait(self) -> float | None:
        return max(self.reset_at - self.now, 1)


class AuthRateThrottle(FixedWindowRateThrottle):
    """Auth endpoints: per client IP, whoever is signed in (10/min)."""

    scope = "auth"

    def get_ident_key(self, request: Request) -> str | None:
        return self.get_ident(request)


class AnonRateThrottle(FixedWindowRateThrottle):
    """Anonymous clients, per IP (100/hour)."""

    scope = "anon"

    def get_ident_key(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


# --- premium rate (billing registers the check: billing/api/subscription_views.py) ---
_premium_check: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class PremiumFacts:
    """Where the premium check keeps each member's answer in the cache, so that the user throttle
    reads it in the same Redis round trip as its count instead of a round trip of its own."""

    key: Callable[[int], str]  # the cache key (as given to Django's cache) of a member's facts
    is_premium: Callable[[Any], bool]  # whether the cached value means "premium now"


_premium_facts: PremiumFacts | None = None


def set_premium_check(
    check: Callable[[Any], bool] | None, *, cached: PremiumFacts | None = None
) -> None:
    """billing: tell the throttle who is premium (config.api never imports the apps), and
    optionally where that answer is cached (a miss still asks ``check``, which fills it)."""
    global _premium_check, _premium_facts
    _premium_check = check
    _premium_facts = cached if check is not None else None


def user_is_premium(user: Any) -> bool:
    """A ``user.is_premium`` attribute if the user has one, else the registered check."""
    if getattr(user, "is_premium", False):
        return True
    if _premium_check is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(_premium_check(user))


class UserRateThrottle(FixedWindowRateThrottle):
    """Signed-in users, per user (1000/hour; premium subscribers 5000/hour)."""

    scope = "user"

    def get_rate(self, request: Request) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if user_is_premium(request.user):
            return rates.get("premium")
        return rates.get("user")

    def get_ident_key(self, request: Request) -> str | None:
        if request.user and request.user.is_authenticated:
            return str(request.user.pk)
        return None

    def allow_request(self, request: Request, view: object) -> bool:
        """With Redis and cached premium facts: the count and the premium answer in one round
        trip (the window key is the same for both rates when their periods are equal)."""
        user = request.user
        backend = getattr(cache, "_cache", None)
        facts = _premium_facts
        rates = api_settings.DEFAULT_THROTTLE_RATES
        user_rate, premium_rate = rates.get("user"), rates.get("premium")
        if (
            facts is None
            or not isinstance(backend, RedisCacheClient)
            or not (user and user.is_authenticated)
            or getattr(user, "is_premium", False)
            or user_rate is None
            or premium_rate is None
            or parse_rate(user_rate)[1] != parse_rate(premium_rate)[1]
        ):
            return super().allow_request(request, view)
        period = parse_rate(user_rate)[1]
        now = time.time()
        window = int(now // period)
        self.reset_at = (window + 1) * period
        self.now = now
        key = f"throttle:{self.scope}:{user.pk}:{period}:{window}"
        count, cached = _redis_window_count(
            backend, key, timeout=period + 1, read=facts.key(user.pk)
        )
        premium = user_is_premium(user) if cached is _MISSING else facts.is_premium(cached)
        limit = parse_rate(premium_rate if premium else user_rate)[0]
        _record(request, RateLimitState(limit, max(limit - count, 0), self.reset_at))
        return count <= limit


class RateLimitHeadersMiddleware:
    """Copy the tightest throttle state of the request onto the response headers.

    Sync and async capable: under ASGI a sync-only middleware makes Django hop between the event
    loop and a thread around it on every request (docs/benchmarks.md, "Reads and serving").
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        return self._headers(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return self._headers(request, await self.get_response(request))

    @staticmethod
    def _headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        state: RateLimitState | None = getattr(request, "_ratelimit_state", None)
        if state is not None:
            response["X-RateLimit-Limit"] = str(state.limit)
            response["X-RateLimit-Remaining"] = str(state.remaining)
            response["X-RateLimit-Reset"] = str(state.reset)
        return response


__all__ = [
    "AnonRateThrottle",
    "AuthRateThrottle",
    "PremiumFacts",
    "RateLimitHeadersMiddleware",
    "UserRateThrottle",
]
