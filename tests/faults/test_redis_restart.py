"""Redis killed and started again under light load: the platform recovers without a restart.

A private ``redis-server`` (memory only, a free port: the shared Redis is never touched) behind a
web replica (gunicorn gthread on ``config.wsgi``), a ``/ws/`` server (uvicorn on
``config.asgi``) and a Celery worker, all with production settings on the test database. A
reader polls a throttled list all along. Redis is SIGKILLed, the test goes on asking for a few
seconds, then starts Redis again on the same port and, restarting nothing of its own, checks:

- while Redis is down nothing hangs: health answers 503 naming the cache and the channel layer
  (the database still ok), the API answers in its error shape within a second or two; an open
  WebSocket is closed (its client reconnects), or with the pub/sub channel layer kept and
  subscribed again once Redis is back;
- once Redis is back, the first request of each kind succeeds: health 200 on both servers, the
  throttled list 200 with its rate-limit headers, a chat message posted over REST (its socket
  broadcast goes through a pooled channel-layer connection that died with Redis) reaches the other
  member's new socket, a message sent over a socket reaches the other socket, and a password reset
  published after the restart is executed by the worker (its e-mail is sent).

The first request on a pooled connection that died with Redis used to fail (a 500 after the
message was stored, a refused WebSocket): redis-py retries nothing on connections built from a
URL. config/settings/base.py ("Redis reconnects") gives the cache and the channel layer one retry
on a fresh connection.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.faults.load import (
    CLIENT_TIMEOUT_SECONDS,
    AsgiServer,
    CeleryWorker,
    RedisServer,
    Replica,
    replica_env,
)
from tests.faults.workers import wait_for

pytestmark = [
    pytest.mark.timeout(600),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

OUTAGE_SECONDS = 3.0
# CHANNEL_LAYER_BACKEND (config/settings/base.py): "redis" (the default) or "pubsub".
PUBSUB = settings.CHANNEL_LAYER_BACKEND == "pubsub"
SOCKET_TIMEOUT = 10


def _members():
    from tests.accounts.factories import UserFactory
    from tests.messaging.factories import pair_thread

    ann, bob = UserFactory(), UserFactory()
    resetting = UserFactory(email="forgetful@example.test")
    return ann, bob, pair_thread(ann, bob), resetting


def token(user) -> str:
    return str(AccessToken.for_user(user))


class Reader(threading.Thread):
    """The light load: an anonymous client reading a throttled list every 100 ms."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{url}/api/v1/categories/"
        self.stop = threading.Event()
        self.answers: list[tuple[float, int | str, float]] = []  # (when, status, seconds)

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    status: int | str = session.get(
                        self.url, timeout=CLIENT_TIMEOUT_SECONDS
                    ).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                self.answers.append((started, status, time.monotonic() - started))
                time.sleep(0.1)


def call(method: str, url: str, *, user=None, body: dict | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token(user)}"} if user else {}
    return requests.request(method, url, json=body, headers=headers, timeout=CLIENT_TIMEOUT_SECONDS)


async def http(method: str, url: str, *, user=None, body: dict | None = None) -> requests.Response:
    return await asyncio.to_thread(call, method, url, user=user, body=body)


async def next_of_type(socket, event_type: str) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), SOCKET_TIMEOUT))
        if event["type"] == event_type:
            return event


async def drain(socket) -> None:
    """Read until the server closes the socket (ConnectionClosed), at most SOCKET_TIMEOUT apart."""
    while True:
        await asyncio.wait_for(socket.recv(), SOCKET_TIMEOUT)


def mails_to(faults_dir: Path, address: str) -> list[dict]:
    spool = faults_dir / "mail.jsonl"
    if not spool.exists():
        return []
    mails = [json.loads(line) for line in spool.read_text().splitlines()]
    return [mail for mail in mails if mail["to"] == [address]]


async def test_the_platform_recovers_from_a_redis_restart_without_restarting(tmp_path: Path):
    # given a web replica, a socket server and a worker on a private Redis, and a reader
    ann, bob, thread, resetting = await database_sync_to_async(_members)()
    redis = RedisServer(directory=tmp_path / "redis")
    env = replica_env(tmp_path, redis_url=redis.url, THROTTLE_ANON="100000/hour")
    web = Replica("web", faults_dir=tmp_path, env=env, workers=1)
    ws = AsgiServer("ws", faults_dir=tmp_path, env=env)
    worker = CeleryWorker("worker", faults_dir=tmp_path, env=env)
    reader = Reader(web.url)
    sockets = []
    try:
        await asyncio.to_thread(web.wait_ready)
        await asyncio.to_thread(ws.wait_ready)
        await asyncio.to_thread(worker.wait_ready)
        chat = f"ws://127.0.0.1:{ws.port}/ws/threads/{thread.pk}/"
        messages = f"{web.url}/api/v1/messages/{thread.pk}/"
        reset = f"{web.url}/api/v1/auth/password/reset/"

        # and everything works before the fault
        reader.start()
        bob_before = await connect(f"{chat}?token={token(bob)}")
        sockets.append(bob_before)
        sent = await http("POST", messages, user=ann, body={"content": "before"})
        assert sent.status_code == 201
        assert (await next_of_type(bob_before, "message.receive"))["message"]["content"] == "before"
        assert (await http("POST", reset, body={"email": resetting.email})).status_code == 202
        await asyncio.to_thread(
            wait_for,
            lambda: mails_to(tmp_path, resetting.email),
            timeout=60,
            what="the reset e-mail before the fault",
            log=worker.log,
        )

        # when Redis is killed and the clients go on asking for a few seconds
        redis.kill()
        down_at = time.monotonic()
        if not PUBSUB:
            # channels-redis's list layer fails the socket's blocking receive: the server closes
            # it and the client reconnects (below)
            with pytest.raises(ConnectionClosed):
                await drain(bob_before)
        during: list[tuple[str, requests.Response, float]] = []
        while time.monotonic() - down_at < OUTAGE_SECONDS:
            for label, method, url, user, body in (
                ("health", "GET", f"{web.url}/api/v1/health/", None, None),
                ("message", "POST", messages, ann, {"content": "during"}),
                (
                    "sign-in",
                    "POST",
                    f"{web.url}/api/v1/auth/login/",
                    None,
                    {
                        "email": ann.email,
                        "password": "wrong",
                    },
                ),
            ):
                started = time.monotonic()
                response = await http(method, url, user=user, body=body)
                during.append((label, response, time.monotonic() - started))
            await asyncio.sleep(0.2)

        # then nothing hung, health says what is down, and the API answered in its error shape
        assert max(seconds for _label, _response, seconds in during) < 5
        # a successful channel-layer probe is reused for a second (config/api/health.py); the
        # last health answer, seconds into the outage, names the layer too
        last_health = [response for label, response, _s in during if label == "health"][-1]
        assert last_health.json()["channel_layer"]["status"] == "error"
        for label, response, _seconds in during:
            body = response.json()
            if label == "health":
                assert response.status_code == 503
                assert body["status"] == "error"
                assert body["database"]["status"] == "ok"
                assert body["cache"]["status"] == "error"
            else:
                # The throttle (and the sign-in lock) meet the dead cache first: they fail
                # closed, as unavailable (config/unavailable.py), never a 500.
                assert response.status_code == 503, (label, body)
                assert body["error"]["code"] == "service_unavailable", (label, body)
                assert response.headers["Retry-After"] == "5"

        # when Redis starts again on the same port (nothing else restarts)
        restarting_at = time.monotonic()
        redis = RedisServer(directory=tmp_path / "redis", port=redis.port)
        up_at = time.monotonic()

        # then the first request of each kind succeeds
        health = [await http("GET", f"{server.url}/api/v1/health/") for server in (web, ws)]
        assert [response.status_code for response in health] == [200, 200]
        listed = await http("GET", f"{web.url}/api/v1/categories/")
        assert listed.status_code == 200
        assert int(listed.headers["X-RateLimit-Limit"]) == 100000
        bob_after = await connect(f"{chat}?token={token(bob)}")
        sockets.append(bob_after)
        ann_after = await connect(f"{chat}?token={token(ann)}")
        sockets.append(ann_after)
        sent = await http("POST", messages, user=ann, body={"content": "after"})
        assert sent.status_code == 201
        assert (await next_of_type(bob_after, "message.receive"))["message"]["content"] == "after"
        await ann_after.send(json.dumps({"type": "message.send", "content": "over the socket"}))
        live = await next_of_type(bob_after, "message.receive")
        assert live["message"]["content"] == "over the socket"
        if PUBSUB:
            # the pub/sub layer keeps the socket through the outage and subscribes it again
            kept = [await next_of_type(bob_before, "message.receive") for _ in range(2)]
            assert [event["message"]["content"] for event in kept] == ["after", "over the socket"]
        assert (await http("POST", reset, body={"email": resetting.email})).status_code == 202
        await asyncio.to_thread(
            wait_for,
            lambda: len(mails_to(tmp_path, resetting.email)) == 2,
            timeout=60,
            what="the reset e-mail published after the restart",
            log=worker.log,
        )
        # and the reader got nothing but 200 before the fault and from the moment Redis answered
        reader.stop.set()
        await asyncio.to_thread(reader.join, 30)
        before = [status for when, status, _s in reader.answers if when < down_at]
        after = [status for when, status, _s in reader.answers if when > up_at]
        assert len(before) > 0
        assert set(before) == {200}
        assert len(after) > 0
        assert set(after) == {200}
        # and while Redis was down it was answered (an error), never left waiting
        outage = {status for when, status, _s in reader.answers if down_at < when < restarting_at}
        assert len(outage) > 0
        assert outage == {503}
        stored = await database_sync_to_async(
            lambda: list(thread.messages.order_by("id").values_list("content", flat=True))
        )()
        assert stored == ["before", "after", "over the socket"]
    finally:
        reader.stop.set()
        for socket in sockets:
            await socket.close()
        for process in (worker, ws, web, redis):
            await asyncio.to_thread(process.stop)
