"""Chat and notification sockets through Channels' WebsocketCommunicator and the real ASGI app."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from config.asgi import application
from messaging import services
from messaging.consumers import CLOSE_FORBIDDEN
from messaging.groups import user_group
from messaging.models import Message, ThreadParticipant
from tests.accounts.factories import UserFactory
from tests.conftest import bearer
from tests.messaging.factories import pair_thread

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 5


def token(user) -> str:
    return str(AccessToken.for_user(user))


async def connect(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def chat(thread_id: int, user) -> WebsocketCommunicator:
    return await connect(f"/ws/threads/{thread_id}/?token={token(user)}")


async def receive_type(communicator: WebsocketCommunicator, event_type: str) -> dict:
    """The next event of ``event_type`` (others, like acks, are skipped)."""
    while True:
        event = await communicator.receive_json_from(timeout=TIMEOUT)
        if event["type"] == event_type:
            return event


@database_sync_to_async
def users_and_thread(count: int = 2):
    users = [UserFactory(first_name=f"U{i}", last_name="Test") for i in range(count)]
    return (*users, pair_thread(users[0], users[1]))


async def test_socket_without_token_is_closed_4401():
    communicator = await connect("/ws/threads/1/")

    closed = await communicator.receive_output(timeout=TIMEOUT)

    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHORIZED}


async def test_non_member_is_closed_4403():
    ann, bob, thread = await users_and_thread()
    eve = await database_sync_to_async(UserFactory)()

    communicator = await chat(thread.pk, eve)
    closed = await communicator.receive_output(timeout=TIMEOUT)

    assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    missing = await chat(987_654, ann)
    assert await missing.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close",
        "code": CLOSE_FORBIDDEN,
    }


async def test_message_sent_on_one_socket_reaches_both_members():
    # given
    ann, bob, thread = await users_and_thread()
    ann_socket, bob_socket = await chat(thread.pk, ann), await chat(thread.pk, bob)

    # when
    await ann_socket.send_json_to(
        {"type": "message.send", "content": "<i>Hello</i> Bob", "client_id": "c-1"}
    )

    # then the sender gets an ack and the message; the other member gets the message
    ack = await receive_type(ann_socket, "message.ack")
    echoed = await receive_type(ann_socket, "message.receive")
    received = await receive_type(bob_socket, "message.receive")
    stored = await database_sync_to_async(Message.objects.get)()
    assert ack == {"type": "message.ack", "client_id": "c-1", "message_id": stored.pk}
    assert received == echoed
    assert received["message"]["id"] == stored.pk
    assert received["message"]["content"] == "<i>Hello</i> Bob"
    assert received["message"]["sender_id"] == ann.pk
    assert received["message"]["receiver_id"] == bob.pk
    assert received["message"]["thread_id"] == thread.pk
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_refused_message_comes_back_as_an_error_frame():
    ann, bob, thread = await users_and_thread()
    await database_sync_to_async(services.user_block)(blocker=bob, blocked=ann)
    ann_socket = await chat(thread.pk, ann)

    await ann_socket.send_json_to({"type": "message.send", "content": "hi"})
    error = await receive_type(ann_socket, "error")

    assert error["code"] == "blocked"
    assert error["message"] == "You cannot send messages to this user."
    assert await database_sync_to_async(Message.objects.count)() == 0
    await ann_socket.disconnect()


async def test_typing_reaches_others_but_not_the_typist():
    ann, bob, thread = await users_and_thread()
    ann_socket, bob_socket = await chat(thread.pk, ann), await chat(thread.pk, bob)

    await ann_socket.send_json_to({"type": "typing", "is_typing": True})

    typing = await bob_socket.receive_json_from(timeout=TIMEOUT)
    assert typing == {
        "type": "typing",
        "thread_id": thread.pk,
        "user_id": ann.pk,
        "user_name": "U0 Test",
        "is_typing": True,
    }
    assert await ann_socket.receive_nothing(timeout=0.3)
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_read_receipt_over_the_socket():
    # given
    ann, bob, thread = await users_and_thread()
    message = await database_sync_to_async(services.message_send)(
        thread=thread, sender=ann, content="read me"
    )
    ann_socket, bob_socket = await chat(thread.pk, ann), await chat(thread.pk, bob)

    # when
    await bob_socket.send_json_to({"type": "message.read", "message_id": message.pk})

    # then
    receipt = await receive_type(ann_socket, "message.read")
    assert {k: receipt[k] for k in ("thread_id", "user_id", "message_id")} == {
        "thread_id": thread.pk,
        "user_id": bob.pk,
        "message_id": message.pk,
    }
    position = await database_sync_to_async(ThreadParticipant.objects.get)(thread=thread, user=bob)
    assert position.last_read_message_id == message.pk
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_message_sent_over_rest_reaches_the_sockets():
    # given
    ann, bob, thread = await users_and_thread()
    bob_socket = await chat(thread.pk, bob)
    notifications = await connect(f"/ws/notifications/?token={token(bob)}")

    # when ann posts through the REST API
    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(ann))
        return client.post(f"/api/v1/messages/{thread.pk}/", {"content": "via REST"})

    response = await database_sync_to_async(post)()

    # then
    assert response.status_code == 201
    received = await receive_type(bob_socket, "message.receive")
    assert received["message"] == response.json()
    notification = await receive_type(notifications, "notification.receive")
    assert notification["notification"]["notification_type"] == "new_message"
    assert notification["notification"]["user_id"] == bob.pk
    assert notification["notification"]["content"] == "U0 Test: via REST"
    await bob_socket.disconnect()
    await notifications.disconnect()


async def test_edit_and_delete_are_broadcast():
    ann, bob, thread = await users_and_thread()
    message = await database_sync_to_async(services.message_send)(
        thread=thread, sender=ann, content="typo"
    )
    bob_socket = await chat(thread.pk, bob)

    await database_sync_to_async(services.message_edit)(message=message, user=ann, content="fixed")
    await database_sync_to_async(services.message_delete)(message=message, user=ann)

    edited = await receive_type(bob_socket, "message.edit")
    deleted = await receive_type(bob_socket, "message.delete")
    assert (edited["message"]["content"], edited["message"]["is_edited"]) == ("fixed", True)
    assert (deleted["message"]["content"], deleted["message"]["is_deleted"]) == ("", True)
    await bob_socket.disconnect()


async def test_notification_socket_gets_only_its_users_notifications():
    ann, bob, _thread = await users_and_thread()
    ann_socket = await connect(f"/ws/notifications/?token={token(ann)}")
    bob_socket = await connect(f"/ws/notifications/?token={token(bob)}")

    await database_sync_to_async(services.notification_send)(
        recipient=ann,
        kind="swap_requested",
        context={"swap_title": "Chess", "other_name": "Bob"},
        related_type="swap",
        related_id=3,
    )

    event = await ann_socket.receive_json_from(timeout=TIMEOUT)
    assert event["type"] == "notification.receive"
    assert event["notification"]["title"] == "New swap request"
    assert event["notification"]["related_id"] == 3
    assert await bob_socket.receive_nothing(timeout=0.3)
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_events_of_other_apps_are_relayed_not_fatal():
    ann, _bob, _thread = await users_and_thread()
    socket = await connect(f"/ws/notifications/?token={token(ann)}")

    await get_channel_layer().group_send(user_group(ann.pk), {"type": "call.started", "call_id": 9})
    relayed = await socket.receive_json_from(timeout=TIMEOUT)
    await socket.send_json_to({"type": "ping"})

    assert relayed == {"type": "call.started", "call_id": 9}
    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
    await socket.disconnect()


async def test_suspended_user_is_closed_on_the_next_frame():
    ann, _bob, thread = await users_and_thread()
    socket = await chat(thread.pk, ann)
    await database_sync_to_async(type(ann).objects.filter(pk=ann.pk).update)(is_active=False)

    await socket.send_json_to({"type": "message.send", "content": "still here?"})

    assert await socket.receive_output(timeout=TIMEOUT) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHORIZED,
    }
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_unknown_and_malformed_frames_get_errors():
    ann, _bob, thread = await users_and_thread()
    socket = await chat(thread.pk, ann)

    await socket.send_json_to({"type": "launch.rockets"})
    await socket.send_to(text_data="not json")
    await socket.send_json_to({"type": "message.read", "message_id": "x"})

    codes = [(await socket.receive_json_from(timeout=TIMEOUT))["code"] for _ in range(3)]
    assert codes == ["unknown_event", "parse_error", "validation_error"]
    await asyncio.sleep(0)
    await socket.disconnect()


@pytest.mark.redis
async def test_idle_socket_still_receives_after_more_than_five_seconds():
    # redis-py 8's default 5 s socket timeout would kill the layer's blocking receive (PITFALLS).
    ann, _bob, _thread = await users_and_thread()
    socket = await connect(f"/ws/notifications/?token={token(ann)}")

    await asyncio.sleep(6)
    await database_sync_to_async(services.notification_send)(
        recipient=ann, kind="badge_earned", context={"badge_name": "Patience"}
    )

    event = await socket.receive_json_from(timeout=TIMEOUT)
    assert event["notification"]["content"] == "You earned the “Patience” badge."
    await socket.disconnect()


async def test_a_socket_cannot_flood_a_thread(monkeypatch):
    # no refill during the test, whatever the machine's speed
    monkeypatch.setattr("messaging.consumers.SEND_RATE", 0.0)
    ann, _bob, thread = await users_and_thread()
    socket = await chat(thread.pk, ann)

    for n in range(12):
        await socket.send_json_to({"type": "message.send", "content": f"spam {n}", "client_id": n})
    replies = [await receive_type(socket, "message.ack") for _ in range(10)]
    refused = await receive_type(socket, "error")

    assert [reply["client_id"] for reply in replies] == [str(n) for n in range(10)]
    assert (refused["code"], refused["client_id"]) == ("throttled", "10")
    assert await database_sync_to_async(Message.objects.count)() == 10
    await socket.disconnect()
