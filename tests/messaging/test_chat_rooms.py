"""Seed 002's chat rooms (``chat/rooms/``), served over the thread services, and the text rule."""

from __future__ import annotations

import pytest

from messaging.models import Message, Thread, UserBlock
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

TRICKY = "if a<b and c>d then"


def test_open_a_room_then_find_it_again(make_auth_client):
    # given
    ann, bob = UserFactory(), UserFactory()
    client = make_auth_client(ann)

    # when
    created = client.post("/api/v1/chat/rooms/", {"user2_id": bob.pk}, format="json")
    again = client.post("/api/v1/chat/rooms/", {"user_id": bob.pk}, format="json")

    # then
    thread = Thread.objects.get()
    low, high = sorted([ann.pk, bob.pk])
    assert (created.status_code, again.status_code) == (201, 200)
    assert created.json()["id"] == again.json()["id"] == thread.pk
    assert (created.json()["user1_id"], created.json()["user2_id"]) == (low, high)
    assert created.json()["last_message"] is None
    assert Message.objects.count() == 0


def test_open_a_room_with_a_blocker_changes_nothing(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    UserBlock.objects.create(blocker=bob, blocked=ann)

    response = make_auth_client(ann).post("/api/v1/chat/rooms/", {"user_id": bob.pk})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"
    assert Thread.objects.count() == 0


def test_open_a_room_needs_exactly_one_member_id(make_auth_client):
    ann, bob = UserFactory(), UserFactory()

    both = make_auth_client(ann).post(
        "/api/v1/chat/rooms/", {"user_id": bob.pk, "user2_id": bob.pk}, format="json"
    )
    unknown = make_auth_client(ann).post(
        "/api/v1/chat/rooms/", {"user_id": bob.pk, "room_name": "x"}, format="json"
    )

    assert both.status_code == 400
    assert list(both.json()["error"]["fields"]) == ["user_id"]
    assert unknown.status_code == 400
    assert unknown.json()["error"]["fields"] == {"room_name": ["This field is not known."]}
    assert Thread.objects.count() == 0


def test_list_detail_and_send_in_seed_002_shape(make_auth_client):
    # given
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    first = send(thread, bob, "hello")
    client = make_auth_client(ann)

    # when
    rooms = client.get("/api/v1/chat/rooms/")
    sent = client.post(f"/api/v1/chat/rooms/{thread.pk}/send/", {"content": TRICKY}, format="json")
    detail = client.get(f"/api/v1/chat/rooms/{thread.pk}/")
    foreign = make_auth_client(eve).get(f"/api/v1/chat/rooms/{thread.pk}/")

    # then
    assert rooms.status_code == 200
    (room,) = rooms.json()["results"]
    assert (room["id"], room["unread_count"]) == (thread.pk, 1)
    assert room["last_message"]["chatroom_id"] == thread.pk
    assert sent.status_code == 201
    assert sent.json()["content"] == TRICKY
    assert sent.json()["chatroom_id"] == thread.pk
    assert sent.json()["timestamp"] == sent.json()["created_at"]
    assert detail.status_code == 200
    assert [m["id"] for m in detail.json()["messages"]] == [first.pk, sent.json()["id"]]
    assert detail.json()["messages"][1]["content"] == TRICKY
    assert foreign.status_code == 404


def test_text_round_trips_exactly_over_rest(make_auth_client):
    # given: a comparison that strip_tags used to eat, Arabic, and a bidi override
    ann, bob = UserFactory(), UserFactory()
    client = make_auth_client(ann)

    # when
    response = client.post(
        "/api/v1/messages/",
        {"receiver_id": bob.pk, "content": f"{TRICKY} \u202eمرحبا"},
        format="json",
    )
    history = make_auth_client(bob).get(f"/api/v1/messages/{response.json()['thread_id']}/")

    # then: stored as written, minus the override
    assert response.status_code == 201
    assert response.json()["content"] == f"{TRICKY} مرحبا"
    assert Message.objects.get().content == f"{TRICKY} مرحبا"
    assert history.json()["results"][0]["content"] == f"{TRICKY} مرحبا"


def test_unknown_field_on_send_names_it_and_stores_nothing(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = make_auth_client(ann).post(
        f"/api/v1/messages/{thread.pk}/", {"content": "hi", "recipient": 3}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"recipient": ["This field is not known."]}
    assert Message.objects.count() == 0


def test_empty_multipart_send_is_an_error_in_shape(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = make_auth_client(ann).post(f"/api/v1/messages/{thread.pk}/", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"content": ["Write a message or attach a file."]}
    assert Message.objects.count() == 0


def test_report_reason_keeps_markup_and_drops_bidi_overrides(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "buy now")

    response = make_auth_client(bob).post(
        f"/api/v1/messages/{thread.pk}/{message.pk}/report",
        {"reason": "other", "details": f"{TRICKY}\u202e"},
        format="json",
    )

    assert response.status_code == 201
    assert message.reports.get().details == TRICKY
