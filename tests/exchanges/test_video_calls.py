"""Video calls: rooms for accepted swaps, join tokens, TURN credentials as coturn checks them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from django.utils import timezone

from exchanges import services
from exchanges.models import Swap, VideoCall, VideoCallParticipant
from messaging.models import Notification
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.django_db


def accepted_swap() -> Swap:
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(2))
    return services.swap_accept(swap=swap, actor=swap.responder)


def test_open_a_room_for_an_accepted_swap(make_auth_client, settings):
    # given
    settings.TURN_URLS = ["turn:turn.example.test:3478?transport=udp"]
    settings.TURN_SECRET = "north-wind"
    settings.TURN_CREDENTIAL_TTL_SECONDS = 3600
    settings.VIDEO_CALL_STUN_URLS = ["stun:stun.example.test:3478"]
    swap = accepted_swap()
    client = make_auth_client(swap.requester)
    before = int(timezone.now().timestamp())

    # when
    response = client.post("/api/v1/video-calls/", {"swap_id": swap.pk}, format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["swap_id"] == swap.pk
    assert body["status"] == "waiting"
    assert body["signalling_url"] == f"/ws/calls/{body['id']}/"
    assert [p["user"]["id"] for p in body["participants"]] == [
        swap.requester_id,
        swap.responder_id,
    ]
    mine = VideoCallParticipant.objects.get(call_id=body["id"], user=swap.requester)
    assert body["join_token"] == mine.join_token
    assert mine.token_expires_at > timezone.now()
    stun, turn = body["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.test:3478"]}
    assert turn["urls"] == ["turn:turn.example.test:3478?transport=udp"]
    expiry, user_id = turn["username"].split(":")
    assert user_id == str(swap.requester_id)
    assert before + 3600 <= int(expiry) <= before + 3600 + 5
    expected = base64.b64encode(
        hmac.new(b"north-wind", turn["username"].encode(), hashlib.sha1).digest()
    ).decode()
    assert turn["credential"] == expected
    assert Notification.objects.filter(recipient=swap.responder, kind="call_started").count() == 1


def test_each_participant_sees_only_their_own_token(make_auth_client):
    swap = accepted_swap()
    call_id = (
        make_auth_client(swap.requester)
        .post("/api/v1/video-calls/", {"swap_id": swap.pk}, format="json")
        .json()["id"]
    )

    body = make_auth_client(swap.responder).get(f"/api/v1/video-calls/{call_id}/").json()

    theirs = VideoCallParticipant.objects.get(call_id=call_id, user=swap.responder)
    assert body["join_token"] == theirs.join_token
    assert "join_token" not in str(body["participants"])


def test_opening_twice_returns_the_open_room(make_auth_client):
    swap = accepted_swap()

    first = make_auth_client(swap.requester).post(
        "/api/v1/video-calls/", {"swap_id": swap.pk}, format="json"
    )
    second = make_auth_client(swap.responder).post(
        "/api/v1/video-calls/", {"swap_id": swap.pk}, format="json"
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert VideoCall.objects.count() == 1


def test_a_pending_swap_has_no_room(make_auth_client):
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(2))

    response = make_auth_client(swap.requester).post(
        "/api/v1/video-calls/", {"swap_id": swap.pk}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["current_status"] == "pending"
    assert VideoCall.objects.count() == 0


def test_outsiders_get_404(make_auth_client):
    swap = accepted_swap()
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    outsider = make_auth_client(UserFactory())

    assert (
        outsider.post("/api/v1/video-calls/", {"swap_id": swap.pk}, format="json").status_code
        == 404
    )
    assert outsider.get(f"/api/v1/video-calls/{call.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/video-calls/{call.pk}/end").status_code == 404
    assert VideoCall.objects.get(pk=call.pk).status == "waiting"


def test_an_expired_token_is_renewed_on_get(make_auth_client):
    swap = accepted_swap()
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    VideoCallParticipant.objects.filter(call=call).update(
        token_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    old = VideoCallParticipant.objects.get(call=call, user=swap.requester).join_token

    body = make_auth_client(swap.requester).get(f"/api/v1/video-calls/{call.pk}/").json()

    assert body["join_token"] != old
    mine = VideoCallParticipant.objects.get(call=call, user=swap.requester)
    assert body["join_token"] == mine.join_token
    assert mine.token_expires_at > timezone.now()


def test_end_records_the_actual_duration(make_auth_client):
    swap = accepted_swap()
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    for user in (swap.requester, swap.responder):
        token = VideoCallParticipant.objects.get(call=call, user=user).join_token
        services.video_call_join(call_id=call.pk, user=user, join_token=token)
    VideoCall.objects.filter(pk=call.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=42)
    )

    response = make_auth_client(swap.responder).post(f"/api/v1/video-calls/{call.pk}/end")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ended"
    assert 42 * 60 <= body["duration_seconds"] <= 42 * 60 + 5
    assert body["join_token"] is None
    assert body["ice_servers"] == []
