"""The WebSocket routes the seed documents name: ``/ws/``, ``/ws/chat/{receiver_id}/``,
``/ws/notifications/{user_id}/`` and ``/ws/sessions/{id}/chat/``."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from messaging import services
from messaging.consumers import CLOSE_FORBIDDEN
from messaging.models import Message, Thread, UserBlock
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread
from tests.messaging.test_consumers import TIMEOUT, connect, receive_type, token

pytestmark = pytest.mark.django_db(transaction=True)

TRICKY = "if a<b and c>d then"
SEED_003_MESSAGE_KEYS = {
    "id",
    "sender_id",
    "sender_name",
    "receiver_id",
    "receiver_name",
    "content",
    "is_read",
    "created_at",
}


async def closed_with(path: str) -> dict:
    communicator = await connect(path)
    return await communicator.receive_output(timeout=TIMEOUT)


@database_sync_to_async
def make_users(count: int = 2):
    return [UserFactory(first_name=f"S{i}", last_name="Seed") for i in range(count)]


async def test_seed_003_chat_creates_the_pair_thread_on_the_first_message_only():
    # given
    ann, bob = await make_users()
    ann_socket = await connect(f"/ws/chat/{bob.pk}/?token={token(ann)}")
    bob_socket = await connect(f"/ws/chat/{ann.pk}/?token={token(bob)}")
    assert await database_sync_to_async(Thread.objects.count)() == 0

    # when
    await ann_socket.send_json_to({"type": "message.send", "content": f"{TRICKY}\u202e"})

    # then: both sides get seed 003's message.receive, the text exactly as written
    received = await receive_type(bob_socket, "message.receive")
    echoed = await receive_type(ann_socket, "message.receive")
    stored = await database_sync_to_async(Message.objects.select_related("thread").get)()
    assert received == echoed
    assert set(received["message"]) >= SEED_003_MESSAGE_KEYS
    assert received["message"]["content"] == TRICKY
    assert stored.content == TRICKY
    assert stored.thread.kind == Thread.Kind.DIRECT
    assert (received["message"]["sender_id"], received["message"]["receiver_id"]) == (
        ann.pk,
        bob.pk,
    )
    assert "member_ids" not in received
    assert "thread_kind" not in received
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_seed_003_chat_shows_only_that_pairs_conversation():
    # given: ann talks to bob on the pair socket, and carol writes to ann elsewhere
    ann, bob, carol = await make_users(3)
    ann_socket = await connect(f"/ws/chat/{bob.pk}/?token={token(ann)}")

    # when
    await database_sync_to_async(services.message_send_to_user)(
        sender=carol, receiver=ann, content="not for this socket"
    )
    await database_sync_to_async(services.message_send_to_user)(
        sender=bob, receiver=ann, content="for this socket"
    )

    # then
    event = await receive_type(ann_socket, "message.receive")
    assert event["message"]["content"] == "for this socket"
    assert await ann_socket.receive_nothing(timeout=0.3)
    await ann_socket.disconnect()


async def test_seed_003_chat_refuses_blocked_self_and_unknown_users():
    ann, bob = await make_users()
    await database_sync_to_async(UserBlock.objects.create)(blocker=bob, blocked=ann)
    forbidden = {"type": "websocket.close", "code": CLOSE_FORBIDDEN}

    assert await closed_with(f"/ws/chat/{bob.pk}/?token={token(ann)}") == forbidden
    assert await closed_with(f"/ws/chat/{ann.pk}/?token={token(ann)}") == forbidden
    assert await closed_with(f"/ws/chat/987654/?token={token(ann)}") == forbidden
    assert await database_sync_to_async(Thread.objects.count)() == 0


async def test_general_socket_gets_notifications_and_messages_of_every_thread():
    # given
    ann, bob, carol = await make_users(3)
    socket = await connect(f"/ws/?token={token(ann)}")

    # when: carol writes to ann; ann answers bob through the socket with a receiver_id
    await database_sync_to_async(services.message_send_to_user)(
        sender=carol, receiver=ann, content="hi ann"
    )
    incoming = await receive_type(socket, "message.receive")
    notified = await receive_type(socket, "notification.receive")
    await socket.send_json_to(
        {"type": "message.send", "receiver_id": bob.pk, "content": TRICKY, "client_id": "x"}
    )
    ack = await receive_type(socket, "message.ack")
    outgoing = await receive_type(socket, "message.receive")

    # then
    assert incoming["message"]["content"] == "hi ann"
    assert notified["notification"]["notification_type"] == "new_message"
    assert outgoing["message"]["content"] == TRICKY
    assert outgoing["message"]["receiver_id"] == bob.pk
    assert ack["message_id"] == outgoing["message"]["id"]
    await socket.disconnect()


async def test_general_socket_send_without_a_target_is_an_error_frame():
    (ann,) = await make_users(1)
    socket = await connect(f"/ws/?token={token(ann)}")

    await socket.send_json_to({"type": "message.send", "content": "to nobody"})
    error = await receive_type(socket, "error")

    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["receiver_id"]
    assert await database_sync_to_async(Message.objects.count)() == 0
    await socket.disconnect()


async def test_seed_004_notification_socket_only_for_your_own_id():
    ann, bob = await make_users()
    own = await connect(f"/ws/notifications/{ann.pk}/?token={token(ann)}")

    closed = await closed_with(f"/ws/notifications/{bob.pk}/?token={token(ann)}")
    await database_sync_to_async(services.notification_send)(
        recipient=ann, kind="badge_earned", context={"badge_name": "Helper"}
    )
    event = await receive_type(own, "notification.receive")

    assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    assert event["notification"]["user_id"] == ann.pk
    await own.disconnect()


@database_sync_to_async
def swap_thread(ann, bob, swap_id: int) -> Thread:
    return services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=swap_id, participants=[ann, bob], title="Tea"
    )


async def test_seed_004_session_chat_is_the_swaps_thread_for_its_parties_only():
    # given
    ann, bob, eve = await make_users(3)
    thread = await swap_thread(ann, bob, 77)
    ann_socket = await connect(f"/ws/sessions/77/chat/?token={token(ann)}")
    bob_socket = await connect(f"/ws/sessions/77/chat?token={token(bob)}")

    # when
    await ann_socket.send_json_to({"type": "message.send", "content": TRICKY})
    received = await receive_type(bob_socket, "message.receive")

    # then
    forbidden = {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
    assert received["message"]["thread_id"] == thread.pk
    assert received["message"]["content"] == TRICKY
    assert await closed_with(f"/ws/sessions/77/chat/?token={token(eve)}") == forbidden
    assert await closed_with(f"/ws/sessions/78/chat/?token={token(ann)}") == forbidden
    await ann_socket.disconnect()
    await bob_socket.disconnect()


async def test_thread_id_sockets_moved_to_ws_threads():
    ann, bob = await make_users()
    thread = await database_sync_to_async(pair_thread)(ann, bob)

    socket = await connect(f"/ws/threads/{thread.pk}/?token={token(ann)}")
    await socket.send_json_to({"type": "ping"})

    assert await socket.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
    await socket.disconnect()
