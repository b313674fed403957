"""A socket's ``message.send`` is one database call; its events leave from the consumer's loop."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from config.asgi import application
from messaging import consumers
from messaging.groups import broadcast_now, send_deferred, sends_deferred, thread_group
from messaging.models import Message
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


async def connect(path: str, user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"{path}?token={AccessToken.for_user(user)}")
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


@database_sync_to_async
def users_and_thread():
    ann, bob = UserFactory(), UserFactory()
    return ann, bob, pair_thread(ann, bob)


async def test_a_send_makes_one_database_call_and_acks_before_the_echo(monkeypatch):
    # given a member's socket on a thread, counting the consumer's database calls
    ann, bob, thread = await users_and_thread()
    socket = await connect(f"/ws/threads/{thread.pk}/", ann)
    calls = []
    original = consumers.database_sync_to_async

    def counting(function, *args, **kwargs):
        calls.append(getattr(function, "__name__", repr(function)))
        return original(function, *args, **kwargs)

    monkeypatch.setattr(consumers, "database_sync_to_async", counting)

    # when she sends one message
    await socket.send_json_to({"type": "message.send", "content": "hi", "client_id": "c-1"})

    # then the send was one call (no separate account check), the ack came first, then her copy
    ack = await socket.receive_json_from(timeout=TIMEOUT)
    echoed = await socket.receive_json_from(timeout=TIMEOUT)
    stored = await database_sync_to_async(Message.objects.get)()
    assert calls == ["_run_sync"]
    assert ack == {"type": "message.ack", "client_id": "c-1", "message_id": stored.pk}
    assert echoed["type"] == "message.receive"
    assert echoed["message"]["id"] == stored.pk
    await socket.disconnect()


async def test_a_suspended_user_on_a_direct_chat_socket_is_closed_on_the_next_send():
    # given ann's seed 003 socket on her conversation with bob, then her account deactivated
    ann, bob, _thread = await users_and_thread()
    socket = await connect(f"/ws/chat/{bob.pk}/", ann)
    await database_sync_to_async(type(ann).objects.filter(pk=ann.pk).update)(is_active=False)

    # when she sends
    await socket.send_json_to({"type": "message.send", "content": "still here?"})

    # then the socket closes as the per-frame account check closes it, and nothing was stored
    assert await socket.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHORIZED,
    }
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_deferred_sends_keep_the_order_of_one_group():
    # given a channel in one thread's group
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(thread_group(7), channel)

    # when sync code inside sends_deferred sends twice to it, and the caller sends what it kept
    with sends_deferred() as sends:
        broadcast_now(thread_group(7), {"type": "first"})
        broadcast_now(thread_group(7), {"type": "second"})
    assert [event["type"] for _group, event in sends] == ["first", "second"]
    await send_deferred(sends)

    # then both arrive, in order
    assert (await layer.receive(channel))["type"] == "first"
    assert (await layer.receive(channel))["type"] == "second"
    await layer.group_discard(thread_group(7), channel)
