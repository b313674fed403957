"""Locust users for ``make bench BENCH=load`` (``tests/benchmarks/bench_load.py``).

``SkillSwapMember`` signs in once (``POST auth/login``), then mixes browsing, search in English
and Arabic, offer pages, swap requests and accepts between the ``seed_scale`` pairs, points
transfers and chat over ``/ws/`` with the weights of ``flows.WEIGHTS``. The flows themselves are
in ``flows.py`` (the tests run them against Django). The floors: ``StaticFloor`` (the proxy
serving a static file) and ``HealthFloor`` (``/api/v1/health/``), with the same think time.

Environment (set by ``drive.py``): ``LOAD_FIRST_MEMBER`` (an even member index of seed_scale,
default 2), ``LOAD_PASSWORD``, ``LOAD_SEED``, ``LOAD_WAIT`` ("min,max" seconds between tasks,
default "3,10": people read a page before the next click), ``LOAD_IP_BLOCK`` (1-254: each
simulated user connects from its own loopback address ``127.<block>.x.y``, as real users come
from their own addresses, so the per-address throttles of docs/api.md apply to each of them and
not to all of them at once; unset: no binding), ``LOAD_STATIC_PATH`` (default
``/static/css/site.css``).

Run by hand: ``locust -f tests/benchmarks/load/locustfile.py --headless -u 16 -r 16
--run-time 30s --host http://127.0.0.1:8080 SkillSwapMember``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from websockets.sync.client import connect as ws_connect

from tests.benchmarks.load import flows

FIRST_MEMBER = int(os.environ.get("LOAD_FIRST_MEMBER", "2")) // 2 * 2
PASSWORD = os.environ.get("LOAD_PASSWORD", "skillswap-scale-2026")
SEED = int(os.environ.get("LOAD_SEED", "42"))
WAIT = tuple(float(part) for part in os.environ.get("LOAD_WAIT", "3,10").split(","))
IP_BLOCK = int(os.environ.get("LOAD_IP_BLOCK", "0") or 0)
STATIC_PATH = os.environ.get("LOAD_STATIC_PATH", "/static/css/site.css")
EMAIL_DOMAIN = "scale.skillswap.test"

# Every simulated user of this process takes the next member; two consecutive users are a pair.
_numbers = itertools.count()
_pairs: dict[int, tuple[flows.Member, flows.Member]] = {}
SIGNED_IN = {"count": 0, "failed": 0}


def member_email(index: int) -> str:
    return f"member{index}@{EMAIL_DOMAIN}"


def _next_member() -> tuple[int, flows.Member]:
    number = next(_numbers)
    start = FIRST_MEMBER + number // 2 * 2
    if start not in _pairs:
        _pairs[start] = flows.pair(start, member_email, PASSWORD, seed=SEED)
    return number, _pairs[start][number % 2]


def source_address(number: int) -> str | None:
    """This user's loopback address (``127.<block>.<hi>.<lo>``), or None without a block."""
    if not IP_BLOCK:
        return None
    return f"127.{IP_BLOCK}.{number // 250}.{number % 250 + 1}"


def _bind_source(user_agent: Any, address: str) -> None:
    """Make every connection of this user's HTTP client leave from ``address``."""
    pool = user_agent.clientpool
    get_client = pool.get_client

    def bound_client(url: Any) -> Any:
        client = get_client(url)
        connections = client._connection_pool
        if not getattr(connections, "_load_bound", False):
            create = connections._create_tcp_socket

            def create_bound(family: int, socktype: int, protocol: int) -> Any:
                sock = create(family, socktype, protocol)
                sock.bind((address, 0))
                return sock

            connections._create_tcp_socket = create_bound
            connections._load_bound = True
        return client

    pool.get_client = bound_client


class Stop(Exception):
    """A request failed (Locust recorded it); the rest of this task is skipped."""


class LocustClient:
    """``flows.Client`` over Locust's FastHttpSession: a status outside ``expect`` is a failure."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str,
        json: Any = None,
        headers: dict[str, str] | None = None,
        expect: Sequence[int] = (200,),
    ) -> flows.Answer:
        with self.session.request(
            method, path, name=name, json=json, headers=headers, catch_response=True
        ) as response:
            if response.status_code not in expect:
                body = (response.text or "")[:200].replace("\n", " ")
                response.failure(f"{response.status_code} {body}")
                raise Stop
            try:
                data = response.json() if response.content else None
            except ValueError:
                response.failure(f"{response.status_code} not JSON")
                raise Stop from None
            response.success()
            return flows.Answer(response.status_code, data)


class _Base(FastHttpUser):
    abstract = True
    wait_time = between(*WAIT)
    # Sign-ins hash a password each (docs/pitfalls.md, "password hashing cost"): at 256 users
    # they queue for tens of seconds while the ramp lasts.
    network_timeout = 180.0
    connection_timeout = 60.0

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.number, self.member = _next_member()
        self.address = source_address(self.number)
        if self.address:
            _bind_source(self.client.client, self.address)


class SkillSwapMember(_Base):
    """A signed-in member of seed_scale (see the module docstring)."""

    def on_start(self) -> None:
        self._signed_in(first=True)

    def _signed_in(self, *, first: bool = False) -> bool:
        """Sign in if not yet; a member whose sign-in failed tries again at its next task (after
        its think time), never in a tight loop, and does nothing else until it succeeds."""
        if self.member.access:
            return True
        try:
            flows.sign_in(LocustClient(self.client), self.member)
        except Stop:
            if first:
                SIGNED_IN["failed"] += 1
            return False
        SIGNED_IN["count"] += 1
        return True

    def _run(self, flow: Callable[..., Any], *args: Any) -> None:
        if not self._signed_in():
            return
        with contextlib.suppress(Stop):  # the failure is recorded already
            flow(LocustClient(self.client), self.member, *args)

    @task(flows.WEIGHTS["browse"])
    def browse(self) -> None:
        self._run(flows.browse)

    @task(flows.WEIGHTS["search_en"])
    def search_en(self) -> None:
        self._run(flows.search, "en")

    @task(flows.WEIGHTS["search_ar"])
    def search_ar(self) -> None:
        self._run(flows.search, "ar")

    @task(flows.WEIGHTS["view_offer"])
    def view_offer(self) -> None:
        self._run(flows.view_offer)

    @task(flows.WEIGHTS["swap"])
    def swap(self) -> None:
        if self.member.requester:
            self._run(flows.request_swap)
        else:
            self._run(flows.accept_swaps)

    @task(flows.WEIGHTS["accept"])
    def accept(self) -> None:
        self._run(flows.accept_swaps)

    @task(flows.WEIGHTS["transfer"])
    def transfer(self) -> None:
        self._run(flows.transfer)

    @task(flows.WEIGHTS["chat"])
    def chat(self) -> None:
        if not self._signed_in():
            return
        parts = urlsplit(self.host)
        scheme = "wss" if parts.scheme == "https" else "ws"
        extra: dict[str, Any] = {"open_timeout": 60, "close_timeout": 5}
        if self.address:
            extra["source_address"] = (self.address, 0)

        def connect(path: str) -> Any:
            return ws_connect(f"{scheme}://{parts.netloc}{path}", **extra)

        with contextlib.suppress(Stop):
            flows.chat(connect, self.member, timed=self._timed)

    def _timed(self, name: str, action: Callable[[], Any]) -> Any:
        """Run one socket step and report it to Locust as a request of type WS."""
        started = time.perf_counter()
        try:
            result = action()
        except Exception as error:  # noqa: BLE001 - every socket failure is a failure
            self._fire(name, started, error)
            raise Stop from error
        self._fire(name, started, None)
        return result

    def _fire(self, name: str, started: float, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )


class StaticFloor(_Base):
    """Floor: the proxy serving a file collectstatic put there."""

    @task
    def static(self) -> None:
        self.client.get(STATIC_PATH, name="GET static file")


class HealthFloor(_Base):
    """Floor: ``GET /api/v1/health/`` (run against one replica's own port)."""

    @task
    def health(self) -> None:
        self.client.get("/api/v1/health/", name="GET health/")


@events.test_start.add_listener
def _reset(**_kwargs: Any) -> None:
    SIGNED_IN.update(count=0, failed=0)
