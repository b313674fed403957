"""Two real ASGI servers on two ports sharing Redis: what one accepts, the other delivers."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect

from messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread
from tests.messaging.servers import asgi_servers, database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 10


@pytest.fixture
def two_servers(transactional_db):
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_POOL_MAX": "4",
        "SKILLSWAP_VAR_DIR": str(settings.VAR_DIR),
    }
    with asgi_servers(2, env=env) as ports:
        yield ports


def token(user) -> str:
    return str(AccessToken.for_user(user))


def post_json(port: int, path: str, user, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token(user)}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return response.status, json.loads(response.read())


async def next_of_type(socket, event_type: str) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if event["type"] == event_type:
            return event


async def test_message_sent_through_one_server_reaches_a_socket_on_the_other(two_servers):
    # given Bob listening on server A, Ann talking to server B
    server_a, server_b = two_servers
    ann, bob, thread = await database_sync_to_async(_pair)()
    bob_chat = await connect(
        f"ws://127.0.0.1:{server_a}/ws/threads/{thread.pk}/?token={token(bob)}"
    )
    bob_inbox = await connect(f"ws://127.0.0.1:{server_a}/ws/notifications/?token={token(bob)}")
    ann_chat = await connect(
        f"ws://127.0.0.1:{server_b}/ws/threads/{thread.pk}/?token={token(ann)}"
    )
    try:
        # when Ann posts over REST on server B
        status, body = await asyncio.to_thread(
            post_json, server_b, f"/api/v1/messages/{thread.pk}/", ann, {"content": "cross-process"}
        )

        # then Bob's sockets on server A receive it
        assert status == 201
        received = await next_of_type(bob_chat, "message.receive")
        assert received["message"] == body
        notified = await next_of_type(bob_inbox, "notification.receive")
        assert notified["notification"]["related_id"] == thread.pk

        # when Ann sends over her socket on server B
        await ann_chat.send(json.dumps({"type": "message.send", "content": "over the socket"}))

        # then Bob's socket on server A receives that too, and it was stored once
        live = await next_of_type(bob_chat, "message.receive")
        assert live["message"]["content"] == "over the socket"
        assert live["message"]["sender_id"] == ann.pk
        contents = await database_sync_to_async(
            lambda: list(Message.objects.order_by("id").values_list("content", flat=True))
        )()
        assert contents == ["cross-process", "over the socket"]

        # and typing from B shows on A
        await ann_chat.send(json.dumps({"type": "typing", "is_typing": True}))
        typing = await next_of_type(bob_chat, "typing")
        assert typing["user_id"] == ann.pk
    finally:
        for socket in (bob_chat, bob_inbox, ann_chat):
            await socket.close()


def _pair():
    ann, bob = UserFactory(), UserFactory()
    return ann, bob, pair_thread(ann, bob)
