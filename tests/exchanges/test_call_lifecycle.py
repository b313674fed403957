"""Cancelling or completing a swap ends its video call: no more join tokens, no more joins, and
the sockets still open are told and closed (4409)."""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from config.asgi import application
from exchanges import services
from exchanges.consumers import CLOSE_CALL_ENDED, CLOSE_FORBIDDEN
from exchanges.models import SessionBooking, Swap, VideoCall, VideoCallParticipant
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert


def _accepted_swap_with_call() -> tuple[Swap, VideoCall, dict[int, str]]:
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    swap = services.swap_accept(swap=swap, actor=swap.responder)
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    tokens = dict(
        VideoCallParticipant.objects.filter(call=call).values_list("user_id", "join_token")
    )
    return swap, call, tokens


def _to_past(swap: Swap) -> None:
    end = at(-1)
    Swap.objects.filter(pk=swap.pk).update(
        scheduled_start=end - dt.timedelta(hours=1), scheduled_end=end
    )
    SessionBooking.objects.filter(swap=swap).update(
        starts_at=end - dt.timedelta(hours=1), ends_at=end
    )


@pytest.mark.django_db
def test_cancelling_a_swap_ends_its_call_and_withdraws_the_join_tokens(make_auth_client):
    # given an accepted swap with an open call
    swap, call, _tokens = _accepted_swap_with_call()
    client = make_auth_client(swap.requester)

    # when the requester cancels the session
    response = client.post(f"/api/v1/swaps/{swap.pk}/cancel", {"reason": "ill"}, format="json")

    # then the call is over and hands out no token or ICE servers any more
    assert response.status_code == 200
    call.refresh_from_db()
    assert (call.status, call.ended_by) == (VideoCall.Status.ENDED, None)
    detail = client.get(f"/api/v1/video-calls/{call.pk}/").json()
    assert (detail["status"], detail["join_token"], detail["ice_servers"]) == ("ended", None, [])
    # and no new room can be opened for it
    reopened = client.post("/api/v1/video-calls/", {"swap_id": swap.pk}, format="json")
    assert reopened.status_code == 409
    assert reopened.json()["error"]["current_status"] == "cancelled"
    assert VideoCall.objects.filter(swap=swap).count() == 1


@pytest.mark.django_db
def test_completing_a_swap_ends_its_call(make_auth_client):
    # given an accepted swap with an open call, after its end time
    swap, call, _tokens = _accepted_swap_with_call()
    _to_past(swap)

    # when the first party marks it complete, the call stays; the confirmation ends it
    services.swap_complete(swap=swap.pk, actor=swap.requester)
    call.refresh_from_db()
    assert call.status == VideoCall.Status.WAITING
    services.swap_complete(swap=swap.pk, actor=swap.responder)

    # then
    call.refresh_from_db()
    assert call.status == VideoCall.Status.ENDED
    assert Swap.objects.get(pk=swap.pk).status == Swap.Status.COMPLETED


@pytest.mark.django_db
def test_a_refused_cancel_leaves_the_call_open(make_auth_client):
    # given an accepted swap with a call, cancelled by an outsider
    swap, call, _tokens = _accepted_swap_with_call()

    response = make_auth_client(UserFactory()).post(f"/api/v1/swaps/{swap.pk}/cancel")

    assert response.status_code == 404
    call.refresh_from_db()
    assert call.status == VideoCall.Status.WAITING
    assert Swap.objects.get(pk=swap.pk).status == Swap.Status.ACCEPTED


async def _connect(call_id: int, user, join_token: str) -> WebsocketCommunicator:
    jwt = str(AccessToken.for_user(user))
    communicator = WebsocketCommunicator(
        application, f"/ws/calls/{call_id}/?token={jwt}&join_token={join_token}"
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_cancelling_closes_open_call_sockets_with_4409():
    # given a participant connected to the call
    swap, call, tokens = await database_sync_to_async(_accepted_swap_with_call)()
    socket = await _connect(call.pk, swap.requester, tokens[swap.requester_id])
    assert (await socket.receive_json_from(timeout=5))["type"] == "joined"

    # when the responder cancels the swap
    await database_sync_to_async(services.swap_cancel)(swap=swap.pk, actor=swap.responder)

    # then the socket hears it and is closed
    assert await socket.receive_json_from(timeout=5) == {"type": "ended", "call_id": call.pk}
    assert await socket.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_CALL_ENDED,
    }
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_cancelled_swaps_call_refuses_to_join_with_4403():
    # given a swap cancelled after its call was opened
    swap, call, tokens = await database_sync_to_async(_accepted_swap_with_call)()
    await database_sync_to_async(services.swap_cancel)(swap=swap.pk, actor=swap.requester)

    # when a participant connects with their (former) join token
    socket = await _connect(call.pk, swap.responder, tokens[swap.responder_id])

    # then
    assert await socket.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_FORBIDDEN,
    }
    participant = await database_sync_to_async(VideoCallParticipant.objects.get)(
        call=call, user=swap.responder
    )
    assert (participant.joined_at, participant.connections) == (None, 0)
