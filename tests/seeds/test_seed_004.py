"""Seed 004 ("HumanLink"): its client, played with the document's exact paths and bodies.

HumanLink registers with ``personality_data``, reads ``users/me/`` with ``role``, ``created_at``
and ``subscription_status``, lists matches with ``compatibility_score``, books ``sessions/`` with a
``friend_id``, paginates with ``page``/``page_size``, filters with ``date_after``/``date_before``.
Its sockets are ``/ws/notifications/{user_id}/`` and ``/ws/sessions/{id}/chat/``. Feedback,
payments, events and tickets belong to other work. Its answers may or may not be wrapped in
``{"success": true, "data": ...}``; ``tests.seeds.helpers.body`` reads both.
"""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from config.asgi import application
from exchanges import services as exchanges
from exchanges.models import Swap
from marketplace import services as marketplace
from marketplace.models import Match
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert
from tests.marketplace.factories import SkillFactory, UserSkillFactory
from tests.seeds.helpers import FAR_FUTURE, PASSWORD, body, error_fields, iso, items, snapshot, url

pytestmark = pytest.mark.django_db

TIMEOUT = 5


# --- authentication -----------------------------------------------------------------------------


def test_register_with_personality_data_then_login_refresh_logout(client_for):
    anonymous = client_for(None)

    registered = anonymous.post(
        url("auth/register/"),
        {
            "email": "user@example.test",
            "password": PASSWORD,
            "first_name": "John",
            "last_name": "Doe",
            "personality_data": {
                "interests": ["technology", "sports"],
                "communication_style": "friendly",
            },
        },
        format="json",
    )
    logged_in = anonymous.post(
        url("auth/login/"), {"email": "user@example.test", "password": PASSWORD}, format="json"
    )
    refreshed = anonymous.post(
        url("auth/refresh/"), {"refresh": body(logged_in)["refresh"]}, format="json"
    )
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body(refreshed)['access']}")
    logged_out = client.post(url("auth/logout/"))

    assert registered.status_code == 201, registered.json()
    user = User.objects.get(email="user@example.test")
    data = body(registered)
    assert (data["user"]["id"], data["user"]["email"]) == (user.pk, "user@example.test")
    assert (data["user"]["first_name"], data["user"]["last_name"]) == ("John", "Doe")
    assert data["access"]
    assert data["refresh"]
    assert user.interests["interests"] == ["technology", "sports"]
    assert user.interests["communication_style"] == "friendly"
    assert logged_in.status_code == 200
    assert refreshed.status_code == 200
    assert logged_out.status_code == 204


# --- users ------------------------------------------------------------------------------------


def test_current_user_has_role_created_at_and_subscription_status(client_for, member):
    response = client_for(member).get(url("users/me/"))

    assert response.status_code == 200
    me = body(response)
    assert (me["id"], me["email"], me["first_name"], me["last_name"]) == (
        member.pk,
        member.email,
        "John",
        "Doe",
    )
    assert me["role"] == "member"
    assert me["created_at"] == iso(member.date_joined)
    assert me["subscription_status"] == "none"


def test_patch_current_user_with_personality_data(client_for, member):
    response = client_for(member).patch(
        url("users/me/"),
        {"first_name": "Johnny", "personality_data": {"interests": ["technology", "music"]}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert member.first_name == "Johnny"
    assert member.interests["interests"] == ["technology", "music"]


def test_patch_with_a_read_only_or_unknown_field_is_refused_naming_it(client_for, member):
    before = snapshot(User)

    response = client_for(member).patch(url("users/me/"), {"shoe_size": 44}, format="json")

    assert response.status_code == 400
    assert error_fields(response) == {"shoe_size": ["This field is not known."]}
    assert snapshot(User) == before


def test_public_profile_and_the_staff_only_user_list(client_for, member, other_member, staff):
    public = client_for(member).get(url(f"users/{other_member.pk}/"))
    as_member = client_for(member).get(url("users/"))
    as_staff = client_for(staff).get(url("users/"), {"search": "Jane"})
    admin_list = client_for(staff).get(url("admin/users/"), {"role": "member"})

    assert public.status_code == 200
    assert body(public)["id"] == other_member.pk
    assert "email" not in body(public)
    assert as_member.status_code == 403
    assert as_staff.status_code == 200
    assert [u["id"] for u in items(as_staff)] == [other_member.pk]
    assert admin_list.status_code == 200
    assert {u["id"] for u in items(admin_list)} == {member.pk, other_member.pk}


# --- matches ---------------------------------------------------------------------------------


def reciprocal_pair() -> tuple[User, User]:
    """Two members where each offers what the other wants."""
    guitar, arabic = SkillFactory(name_en="Guitar"), SkillFactory(name_en="Arabic")
    john = UserFactory(first_name="John")
    sarah = UserFactory(first_name="Sarah", last_name="Ali")
    UserSkillFactory(user=john, skill=guitar, direction="offered")
    UserSkillFactory(user=john, skill=arabic, direction="wanted")
    UserSkillFactory(user=sarah, skill=arabic, direction="offered")
    UserSkillFactory(user=sarah, skill=guitar, direction="wanted")
    marketplace.matches_recompute_for_user(user_id=john.pk)
    return john, sarah


def test_matches_list_with_friend_and_compatibility_score(client_for):
    john, sarah = reciprocal_pair()

    response = client_for(john).get(
        url("matches/"), {"status": "pending", "compatibility_score_min": 1}
    )

    assert response.status_code == 200, response.json()
    matches = items(response)
    assert [m["friend"]["id"] for m in matches] == [sarah.pk]
    match = matches[0]
    assert match["friend"]["name"]
    assert "avatar" in match["friend"]
    assert 1 <= match["compatibility_score"] <= 100
    assert match["status"] == "pending"
    assert match["created_at"]
    too_high = client_for(john).get(url("matches/"), {"compatibility_score_min": 101})
    assert too_high.status_code == 200
    assert items(too_high) == []


def test_only_managers_create_and_remove_matches(client_for, member, other_member, staff):
    before = snapshot(Match)

    refused = client_for(member).post(
        url("matches/"), {"user_a": member.pk, "user_b": other_member.pk}, format="json"
    )
    assert refused.status_code == 403
    assert snapshot(Match) == before

    created = client_for(staff).post(
        url("matches/"), {"user_a": member.pk, "user_b": other_member.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    detail = client_for(member).get(url(f"matches/{body(created)['id']}/"))
    assert detail.status_code == 200
    not_removed = client_for(member).delete(url(f"matches/{body(created)['id']}/"))
    assert not_removed.status_code == 403
    removed = client_for(staff).delete(url(f"matches/{body(created)['id']}/"))
    assert removed.status_code == 204
    assert snapshot(Match) == before


# --- sessions -----------------------------------------------------------------------------------


def test_book_list_update_and_cancel_a_session(client_for, member):
    friend = expert(first_name="Sarah", last_name="Ali")
    when = at(50)
    client = client_for(member)

    booked = client.post(
        url("sessions/"),
        {
            "friend_id": friend.pk,
            "type": "video",
            "scheduled_at": iso(when),
            "duration_minutes": 60,
            "notes": "Looking forward to our chat!",
        },
        format="json",
    )
    session_id = body(booked)["id"]
    listed = client.get(
        url("sessions/"),
        {
            "type": "video",
            "status": "upcoming",
            "date_after": (when - dt.timedelta(days=1)).date().isoformat(),
            "date_before": (when + dt.timedelta(days=1)).date().isoformat(),
        },
    )
    not_in_range = client.get(url("sessions/"), {"date_before": "2000-01-01"})
    updated = client.patch(
        url(f"sessions/{session_id}/"),
        {"scheduled_at": iso(when + dt.timedelta(hours=1)), "notes": "Rescheduled for later"},
        format="json",
    )
    cancelled = client.delete(url(f"sessions/{session_id}/"))

    assert booked.status_code == 201, booked.json()
    session = body(booked)
    assert session["friend"]["id"] == friend.pk
    assert session["friend"]["name"] == "Sarah Ali"
    assert (session["type"], session["status"]) == ("video", "upcoming")
    assert (session["scheduled_at"], session["duration_minutes"]) == (iso(when), 60)
    assert "price" in session
    assert [s["id"] for s in items(listed)] == [session_id]
    assert items(not_in_range) == []
    assert updated.status_code == 200, updated.json()
    assert body(updated)["notes"] == "Rescheduled for later"
    assert cancelled.status_code == 204
    assert Swap.objects.get(pk=session_id).status == "cancelled"


def test_a_session_at_the_end_of_the_calendar_is_a_400_on_scheduled_at(client_for, member):
    friend = expert()
    before = snapshot(Swap)

    response = client_for(member).post(
        url("sessions/"),
        {"friend_id": friend.pk, "type": "video", "scheduled_at": FAR_FUTURE},
        format="json",
    )
    filtered = client_for(member).get(url("sessions/"), {"date_after": "9999-12-31"})

    assert response.status_code == 400
    assert list(error_fields(response)) == ["scheduled_at"]
    assert snapshot(Swap) == before
    assert filtered.status_code == 400


# --- pagination conventions --------------------------------------------------------------------


def test_page_and_page_size_and_the_documented_refusals(client_for, member):
    for hours in (30, 54, 78):
        exchanges.swap_create(requester=member, responder=expert(), scheduled_start=at(hours))
    client = client_for(member)

    first = client.get(url("sessions/"), {"page": 1, "page_size": 2})
    second = client.get(url("sessions/"), {"page": 2, "page_size": 2})
    zero = client.get(url("sessions/"), {"page": 0})
    past_the_end = client.get(url("sessions/"), {"page": 9})
    ordered = client.get(url("sessions/"), {"ordering": "-scheduled_at"})

    assert first.json()["count"] == 3
    assert (len(first.json()["results"]), len(second.json()["results"])) == (2, 1)
    assert first.json()["next"]
    assert first.json()["previous"] is None
    assert zero.status_code == 400
    assert "error" in zero.json()
    assert past_the_end.status_code == 404
    assert "error" in past_the_end.json()
    starts = [s["scheduled_at"] for s in items(ordered)]
    assert starts == sorted(starts, reverse=True)


# --- WebSockets --------------------------------------------------------------------------------


def token(user: User) -> str:
    return str(AccessToken.for_user(user))


async def connect(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected, path
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_notifications_socket_only_for_your_own_id():
    me, other = await database_sync_to_async(lambda: (UserFactory(), UserFactory()))()

    own = await connect(f"/ws/notifications/{me.pk}/?token={token(me)}")
    await own.send_json_to({"type": "ping"})
    pong = await own.receive_json_from(timeout=TIMEOUT)
    foreign = await connect(f"/ws/notifications/{other.pk}/?token={token(me)}")
    closed = await foreign.receive_output(timeout=TIMEOUT)

    assert pong == {"type": "pong"}
    assert closed == {"type": "websocket.close", "code": 4403}
    await own.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_live_chat_during_a_session_reaches_the_other_party():
    def booked_session():
        requester = UserFactory(first_name="John")
        swap = exchanges.swap_create(requester=requester, responder=expert(), scheduled_start=at(3))
        return exchanges.swap_accept(swap=swap, actor=swap.responder)

    swap = await database_sync_to_async(booked_session)()
    outsider = await database_sync_to_async(UserFactory)()
    requester = await database_sync_to_async(lambda: swap.requester)()
    responder = await database_sync_to_async(lambda: swap.responder)()

    johns = await connect(f"/ws/sessions/{swap.pk}/chat/?token={token(requester)}")
    friends = await connect(f"/ws/sessions/{swap.pk}/chat/?token={token(responder)}")
    await johns.send_json_to({"type": "message.send", "content": "See you in a minute"})
    received = None
    while received is None:
        event = await friends.receive_json_from(timeout=TIMEOUT)
        if event["type"] in ("message.new", "message.receive", "message"):
            received = event
    intruder = await connect(f"/ws/sessions/{swap.pk}/chat/?token={token(outsider)}")
    closed = await intruder.receive_output(timeout=TIMEOUT)

    assert "See you in a minute" in str(received)
    assert closed == {"type": "websocket.close", "code": 4403}
    await johns.disconnect()
    await friends.disconnect()
