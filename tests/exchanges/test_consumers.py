"""/ws/calls/{id}/: signalling relayed only between the call's two participants."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from config.asgi import application
from exchanges import services
from exchanges.consumers import CLOSE_FORBIDDEN
from exchanges.models import VideoCall, VideoCallParticipant
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.django_db(transaction=True)

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@database_sync_to_async
def _call_with_tokens():
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(2))
    services.swap_accept(swap=swap, actor=swap.responder)
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    tokens = dict(
        VideoCallParticipant.objects.filter(call=call).values_list("user_id", "join_token")
    )
    return call, swap.requester, swap.responder, tokens


async def _connect(call_id: int, user, join_token: str) -> WebsocketCommunicator:
    jwt = str(AccessToken.for_user(user))
    communicator = WebsocketCommunicator(
        application, f"/ws/calls/{call_id}/?token={jwt}&join_token={join_token}"
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _joined(communicator: WebsocketCommunicator) -> dict:
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "joined"
    return message


async def test_two_participants_exchange_offer_answer_and_ice():
    # given
    call, alice, bob, tokens = await _call_with_tokens()
    a = await _connect(call.pk, alice, tokens[alice.pk])
    await _joined(a)
    b = await _connect(call.pk, bob, tokens[bob.pk])
    await _joined(b)
    assert await a.receive_json_from(timeout=5) == {"type": "peer_joined", "from": bob.pk}

    # when alice offers, bob answers, both trickle ICE
    await a.send_json_to({"type": "offer", "sdp": SDP})
    offer = await b.receive_json_from(timeout=5)
    await b.send_json_to({"type": "answer", "sdp": SDP, "from": 999})
    answer = await a.receive_json_from(timeout=5)
    candidate = {"candidate": "candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host", "sdpMid": "0"}
    await a.send_json_to({"type": "ice", "candidate": candidate})
    ice_for_bob = await b.receive_json_from(timeout=5)
    await b.send_json_to({"type": "ice", "candidate": candidate})
    ice_for_alice = await a.receive_json_from(timeout=5)

    # then each frame reached only the other side, stamped with its real sender
    assert offer == {"type": "offer", "sdp": SDP, "from": alice.pk}
    assert answer == {"type": "answer", "sdp": SDP, "from": bob.pk}
    assert ice_for_bob == {"type": "ice", "candidate": candidate, "from": alice.pk}
    assert ice_for_alice == {"type": "ice", "candidate": candidate, "from": bob.pk}
    assert await a.receive_nothing(timeout=0.2)
    assert await b.receive_nothing(timeout=0.2)

    # when bob hangs up
    await b.send_json_to({"type": "hangup"})

    # then alice hears it and the call is over, with its times recorded
    assert await a.receive_json_from(timeout=5) == {"type": "hangup", "from": bob.pk}
    assert await a.receive_json_from(timeout=5) == {"type": "ended", "call_id": call.pk}
    await a.disconnect()
    await b.disconnect()
    ended = await database_sync_to_async(VideoCall.objects.get)(pk=call.pk)
    assert ended.status == "ended"
    assert ended.started_at is not None
    assert ended.duration_seconds is not None
    participants = await database_sync_to_async(list)(
        VideoCallParticipant.objects.filter(call=call).order_by("id")
    )
    assert all(p.joined_at and p.left_at and p.connections == 0 for p in participants)


async def test_a_third_user_is_refused_with_4403():
    call, alice, _bob, tokens = await _call_with_tokens()
    mallory = await database_sync_to_async(UserFactory)()

    # with someone else's join token, or none
    for token in (tokens[alice.pk], ""):
        communicator = await _connect(call.pk, mallory, token)
        message = await communicator.receive_output(timeout=5)
        assert message == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}


async def test_a_participant_with_a_wrong_token_is_refused():
    call, alice, _bob, _tokens = await _call_with_tokens()

    communicator = await _connect(call.pk, alice, "not-the-token")

    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_FORBIDDEN,
    }


async def test_an_ended_call_refuses_new_sockets():
    call, alice, _bob, tokens = await _call_with_tokens()
    await database_sync_to_async(services.video_call_end)(call=call, actor=alice)

    communicator = await _connect(call.pk, alice, tokens[alice.pk])

    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_FORBIDDEN,
    }


async def test_unknown_frames_are_not_relayed():
    call, alice, bob, tokens = await _call_with_tokens()
    a = await _connect(call.pk, alice, tokens[alice.pk])
    await _joined(a)
    b = await _connect(call.pk, bob, tokens[bob.pk])
    await _joined(b)
    await a.receive_json_from(timeout=5)  # peer_joined

    await a.send_json_to({"type": "chat", "text": "hi"})

    assert await a.receive_json_from(timeout=5) == {"type": "error", "code": "unknown_type"}
    assert await b.receive_nothing(timeout=0.2)
    await a.disconnect()
    await b.disconnect()


async def test_ending_over_rest_tells_the_sockets():
    call, alice, bob, tokens = await _call_with_tokens()
    a = await _connect(call.pk, alice, tokens[alice.pk])
    await _joined(a)

    await database_sync_to_async(services.video_call_end)(call=call, actor=bob)

    assert await a.receive_json_from(timeout=5) == {"type": "ended", "call_id": call.pk}
    await a.disconnect()
