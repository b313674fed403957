"""Seed 003 ("ExpertConnect"): its client, played with the document's exact paths and bodies.

Its paths are under ``/api/`` (``users/register/``, ``user-skills/``, ``user-availability/``,
``credits/balance/``, ``meetings/``, ``messages/``, ``notifications/``); the client points that
base at ``/api/v1/``. Its sockets are ``/ws/?token=``, ``/ws/chat/{receiver_id}/`` and
``/ws/notifications/``. Reviews and purchases belong to other work.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from config.asgi import application
from exchanges.models import Swap
from marketplace.models import AvailabilitySlot, Skill
from messaging import services as messaging
from messaging.models import Message, Notification
from rewards.models import LedgerAccount
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import always_available, at, expert
from tests.marketplace.factories import CategoryFactory, SkillFactory
from tests.rewards.factories import funded_user
from tests.seeds.helpers import (
    BIDI_SCRIPT,
    FAR_FUTURE,
    PASSWORD,
    error_fields,
    iso,
    items,
    snapshot,
    url,
)

pytestmark = pytest.mark.django_db

TIMEOUT = 5


# --- authentication ---------------------------------------------------------------------------


def test_register_login_logout_in_seed_003s_shapes(client_for):
    anonymous = client_for(None)
    person = {
        "username": "johndoe",
        "email": "john@example.test",
        "password": PASSWORD,
        "first_name": "John",
        "last_name": "Doe",
    }

    registered = anonymous.post(url("users/register/"), person, format="json")
    logged_in = anonymous.post(
        url("users/login/"), {"username": "johndoe", "password": PASSWORD}, format="json"
    )
    authenticated = client_for(None)
    authenticated.credentials(HTTP_AUTHORIZATION=f"Bearer {logged_in.json()['token']}")
    logged_out = authenticated.post(url("users/logout/"))

    assert registered.status_code == 201, registered.json()
    user = User.objects.get(email="john@example.test")
    expected = {
        "id": user.pk,
        "username": "johndoe",
        "email": "john@example.test",
        "first_name": "John",
        "last_name": "Doe",
    }
    assert {key: registered.json()[key] for key in expected} == expected
    assert registered.json()["token"]
    assert logged_in.status_code == 200, logged_in.json()
    assert {key: logged_in.json()[key] for key in expected} == expected
    assert logged_out.status_code == 200, logged_out.content
    assert logged_out.json()["success"] is True
    assert logged_out.json()["message"]


def test_logout_without_a_body_ends_every_refresh_token(client_for, member):
    login = client_for(None).post(
        url("users/login/"), {"email": member.email, "password": PASSWORD}, format="json"
    )

    client_for(member).post(url("users/logout/"))
    reused = client_for(None).post(
        url("auth/refresh"), {"refresh": login.json()["refresh"]}, format="json"
    )

    assert reused.status_code == 401


def test_current_user_read_and_update(client_for, member):
    client = client_for(member)

    updated = client.put(
        url("users/me/"),
        {"first_name": "John", "last_name": "Doe", "bio": "Software engineer"},
        format="json",
    )
    current = client.get(url("users/me/"))

    assert updated.status_code == 200, updated.json()
    me = current.json()
    assert (me["id"], me["email"], me["first_name"], me["last_name"]) == (
        member.pk,
        member.email,
        "John",
        "Doe",
    )
    assert me["bio"] == "Software engineer"
    assert "profile_picture" in me or "avatar" in me
    assert me["date_joined"]


def test_rate_limit_headers_and_429_on_the_auth_endpoints(client_for, member):
    anonymous = client_for(None)
    wrong = {"username": "nobody-here", "password": "wrong-password"}

    answers = [anonymous.post(url("users/login/"), wrong, format="json") for _ in range(11)]

    assert answers[0]["X-RateLimit-Limit"] == "10"
    assert answers[0]["X-RateLimit-Remaining"] == "9"
    assert answers[0]["X-RateLimit-Reset"]
    assert answers[-1].status_code == 429
    assert answers[-1]["Retry-After"]
    assert answers[-1].json()["error"]["code"] == "throttled"


# --- user skills and availability ---------------------------------------------------------


def test_user_skills_add_and_list(client_for, member):
    software = CategoryFactory(name_en="Software Development")
    SkillFactory(name_en="Python", category=software)
    client = client_for(member)

    added = client.post(
        url("user-skills/"),
        {"category": software.pk, "skill_name": "Python", "proficiency_level": "expert"},
        format="json",
    )
    listed = client.get(url("user-skills/"))

    assert added.status_code == 201, added.json()
    expected = {
        "user": member.pk,
        "category": software.pk,
        "category_name": "Software Development",
        "skill_name": "Python",
        "proficiency_level": "expert",
    }
    assert {key: added.json()[key] for key in expected} == expected
    assert [{key: row[key] for key in expected} for row in items(listed)] == [expected]


def test_a_new_skill_name_is_a_suggestion_only_its_author_sees(client_for, member, other_member):
    software = CategoryFactory(name_en="Software Development")
    approved_before = set(Skill.objects.filter(status="approved").values_list("pk", flat=True))

    added = client_for(member).post(
        url("user-skills/"),
        {
            "category": software.pk,
            "skill_name": "BUY CHEAP PILLS evil.example",
            "proficiency_level": "expert",
        },
        format="json",
    )
    catalogue = client_for(other_member).get(url("skills/catalogue/"), {"search": "PILLS"})
    theirs = client_for(other_member).get(url("user-skills/"))

    assert added.status_code == 201, added.json()
    assert added.json()["skill_name"] == "BUY CHEAP PILLS evil.example"
    assert set(Skill.objects.filter(status="approved").values_list("pk", flat=True)) == (
        approved_before
    )
    assert items(catalogue) == []
    assert items(theirs) == []


def test_availability_set_and_read_with_seed_003s_times(client_for, member):
    client = client_for(member)

    created = client.post(
        url("user-availability/"),
        {"day_of_week": 3, "start_time": "09:00:00", "end_time": "17:00:00"},
        format="json",
    )
    listed = client.get(url("user-availability/"))

    assert created.status_code == 201, created.json()
    slot = {
        "user": member.pk,
        "day_of_week": 3,
        "start_time": "09:00:00",
        "end_time": "17:00:00",
    }
    assert {key: created.json()[key] for key in slot} == slot
    assert [{key: row[key] for key in slot} for row in items(listed)] == [slot]


def test_availability_with_an_unknown_field_is_refused(client_for, member):
    before = snapshot(AvailabilitySlot)

    response = client_for(member).post(
        url("user-availability/"),
        {"day_of_week": 3, "start_time": "09:00:00", "end_time": "17:00:00", "tz": "UTC"},
        format="json",
    )

    assert response.status_code == 400
    assert error_fields(response) == {"tz": ["This field is not known."]}
    assert snapshot(AvailabilitySlot) == before


# --- credits ---------------------------------------------------------------------------------


def test_credit_balance_starts_with_the_free_credit(client_for):
    registered = client_for(None).post(
        url("users/register/"),
        {"username": "newbie", "email": "newbie@example.test", "password": PASSWORD},
        format="json",
    )
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['token']}")

    response = client.get(url("credits/balance/"))

    assert response.status_code == 200, response.content
    user = User.objects.get(email="newbie@example.test")
    assert (response.json()["user"], response.json()["balance"]) == (user.pk, 1)
    assert response.json()["updated_at"]


def test_transfer_credits_for_a_meeting(client_for):
    from exchanges import services

    member = funded_user(1, first_name="John", last_name="Doe")
    the_expert = expert(first_name="Jane", last_name="Smith")
    meeting = services.swap_create(requester=member, responder=the_expert, scheduled_start=at(30))
    services.swap_accept(swap=meeting, actor=the_expert)

    response = client_for(member).post(
        url("credits/transfer/"), {"meeting_id": meeting.pk, "amount": 1}, format="json"
    )
    transactions = client_for(member).get(url("credit-transactions/"))

    assert response.status_code == 201, response.content
    assert response.json()["success"] is True
    assert response.json()["message"] == "1 credit(s) transferred successfully"
    assert response.json()["new_balance"] == 0
    assert client_for(the_expert).get(url("credits/balance/")).json()["balance"] == 1
    assert transactions.status_code == 200
    assert sorted((row["type"], row["amount"]) for row in items(transactions)) == [
        ("credit", 1),
        ("debit", 1),
    ]


def test_transfer_beyond_the_balance_changes_nothing(client_for, member, other_member):
    before = snapshot(LedgerAccount)

    response = client_for(member).post(
        url("credits/transfer/"), {"receiver_id": other_member.pk, "amount": 5}, format="json"
    )

    assert response.status_code == 409
    assert "error" in response.json()
    assert snapshot(LedgerAccount) == before


# --- meetings ------------------------------------------------------------------------------


def meeting_body(expert_user: User, category_id: int, hours: float = 30) -> dict:
    start = at(hours)
    return {
        "title": "Python Debugging Session",
        "description": "Need help with a complex debugging issue",
        "expert_id": expert_user.pk,
        "category_id": category_id,
        "scheduled_start": iso(start),
        "scheduled_end": iso(start + dt.timedelta(hours=1)),
    }


def test_meeting_create_list_detail_and_confirm(client_for, member):
    the_expert = UserFactory(first_name="Jane", last_name="Smith")
    always_available(the_expert)
    category = CategoryFactory(name_en="Software Development")
    requested = meeting_body(the_expert, category.pk)

    created = client_for(member).post(url("meetings/"), requested, format="json")
    meeting_id = created.json()["id"]
    as_requester = client_for(member).get(
        url("meetings/"), {"status": "pending", "role": "requester"}
    )
    as_expert = client_for(the_expert).get(url("meetings/"), {"role": "expert"})
    detail = client_for(member).get(url(f"meetings/{meeting_id}/"))
    confirmed = client_for(the_expert).patch(
        url(f"meetings/{meeting_id}/update_status/"), {"status": "confirmed"}, format="json"
    )

    assert created.status_code == 201, created.json()
    expected = {
        "title": "Python Debugging Session",
        "description": "Need help with a complex debugging issue",
        "requester_id": member.pk,
        "requester_name": "John Doe",
        "expert_id": the_expert.pk,
        "expert_name": "Jane Smith",
        "status": "pending",
        "category_id": category.pk,
        "category_name": "Software Development",
        "scheduled_start": requested["scheduled_start"],
        "scheduled_end": requested["scheduled_end"],
    }
    assert {key: created.json()[key] for key in expected} == expected
    assert [m["id"] for m in items(as_requester)] == [meeting_id]
    assert [m["id"] for m in items(as_expert)] == [meeting_id]
    assert detail.json()["reviews"] == []
    assert confirmed.status_code == 200, confirmed.json()
    assert (confirmed.json()["id"], confirmed.json()["status"]) == (meeting_id, "confirmed")
    assert confirmed.json()["updated_at"]


def test_meeting_at_the_end_of_the_calendar_is_a_400_on_its_field(client_for, member):
    the_expert = UserFactory()
    always_available(the_expert)
    before = snapshot(Swap)

    response = client_for(member).post(
        url("meetings/"),
        {"title": "Late", "expert_id": the_expert.pk, "scheduled_start": FAR_FUTURE},
        format="json",
    )

    assert response.status_code == 400
    assert list(error_fields(response)) == ["scheduled_start"]
    assert snapshot(Swap) == before


def test_only_the_expert_confirms_a_meeting(client_for, member):
    the_expert = UserFactory()
    always_available(the_expert)
    created = client_for(member).post(
        url("meetings/"), meeting_body(the_expert, CategoryFactory().pk), format="json"
    )
    before = snapshot(Swap)

    response = client_for(member).patch(
        url(f"meetings/{created.json()['id']}/update_status/"), {"status": "confirmed"}, "json"
    )

    assert response.status_code == 409
    assert snapshot(Swap) == before


# --- messages and notifications ----------------------------------------------------------


def test_send_a_message_by_receiver_and_list_with_user(client_for, member, other_member):
    sent = client_for(member).post(
        url("messages/"),
        {"receiver_id": other_member.pk, "content": "Any topics to focus on?"},
        format="json",
    )
    threads = client_for(other_member).get(url("messages/"), {"with_user": member.pk})

    assert sent.status_code == 201, sent.json()
    expected = {
        "sender_id": member.pk,
        "sender_name": "John Doe",
        "receiver_id": other_member.pk,
        "receiver_name": "Jane Smith",
        "content": "Any topics to focus on?",
        "is_read": False,
    }
    assert {key: sent.json()[key] for key in expected} == expected
    assert sent.json()["created_at"]
    assert len(items(threads)) == 1


def test_notifications_filter_and_mark_read(client_for, member, other_member):
    client_for(other_member).post(
        url("messages/"), {"receiver_id": member.pk, "content": "Hello"}, format="json"
    )
    client = client_for(member)

    unread = client.get(url("notifications/"), {"is_read": "false"})
    notification = items(unread)[0]
    marked = client.patch(
        url(f"notifications/{notification['id']}/"), {"is_read": True}, format="json"
    )
    still_unread = client.get(url("notifications/"), {"is_read": "false"})

    assert unread.status_code == 200
    assert notification["user_id"] == member.pk
    assert notification["notification_type"] == "new_message"
    assert notification["is_read"] is False
    assert {"title", "content", "related_id", "created_at"} <= set(notification)
    assert marked.status_code == 200, marked.json()
    assert (marked.json()["id"], marked.json()["is_read"]) == (notification["id"], True)
    assert marked.json()["updated_at"]
    assert items(still_unread) == []


def test_someone_elses_notification_is_404_and_unchanged(client_for, member, other_member):
    client_for(member).post(
        url("messages/"), {"receiver_id": other_member.pk, "content": "Hi"}, format="json"
    )
    theirs = Notification.objects.get(recipient=other_member)
    before = snapshot(Notification)

    response = client_for(member).patch(url(f"notifications/{theirs.pk}/"), {"is_read": True})

    assert response.status_code == 404
    assert snapshot(Notification) == before


# --- WebSockets --------------------------------------------------------------------------------


def token(user: User) -> str:
    return str(AccessToken.for_user(user))


async def connect(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected, path
    return communicator


async def next_of_type(communicator: WebsocketCommunicator, event_type: str) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=TIMEOUT)
        if event["type"] == event_type:
            return event


@pytest.mark.django_db(transaction=True)
async def test_chat_channel_by_receiver_creates_the_thread_on_the_first_message():
    john, jane = await database_sync_to_async(
        lambda: (
            UserFactory(first_name="John", last_name="Doe"),
            UserFactory(first_name="Jane", last_name="Smith"),
        )
    )()
    johns = await connect(f"/ws/chat/{jane.pk}/?token={token(john)}")
    janes = await connect(f"/ws/chat/{john.pk}/?token={token(jane)}")
    assert await database_sync_to_async(Message.objects.count)() == 0

    await johns.send_json_to({"type": "message.send", "content": BIDI_SCRIPT})
    received = await next_of_type(janes, "message.receive")

    expected = {
        "sender_id": john.pk,
        "sender_name": "John Doe",
        "receiver_id": jane.pk,
        "receiver_name": "Jane Smith",
        "content": BIDI_SCRIPT.replace("\u202e", ""),
        "is_read": False,
    }
    assert {key: received["message"][key] for key in expected} == expected
    assert received["message"]["id"]
    assert received["message"]["created_at"]
    assert await database_sync_to_async(Message.objects.count)() == 1
    await johns.disconnect()
    await janes.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_general_socket_and_notification_channel_receive_a_notification():
    john, jane = await database_sync_to_async(lambda: (UserFactory(), UserFactory()))()
    general = await connect(f"/ws/?token={token(john)}")
    notifications = await connect(f"/ws/notifications/?token={token(john)}")

    await database_sync_to_async(
        lambda: messaging.message_send(
            thread=messaging.thread_get_or_create_for_pair(user_a=jane, user_b=john),
            sender=jane,
            content="Ping",
        )
    )()
    on_general = await next_of_type(general, "notification.receive")
    on_channel = await next_of_type(notifications, "notification.receive")

    for event in (on_general, on_channel):
        assert event["notification"]["user_id"] == john.pk
        assert event["notification"]["notification_type"] == "new_message"
        assert event["notification"]["is_read"] is False
    await general.disconnect()
    await notifications.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_without_a_token_is_closed_4401_and_an_unknown_route_4404():
    user = await database_sync_to_async(UserFactory)()

    anonymous = await connect("/ws/")
    closed = await anonymous.receive_output(timeout=TIMEOUT)
    unknown = WebsocketCommunicator(application, f"/ws/nowhere/?token={token(user)}")
    connected, code = await unknown.connect(timeout=TIMEOUT)
    if connected:
        code = (await unknown.receive_output(timeout=TIMEOUT))["code"]
    await asyncio.sleep(0)

    assert closed == {"type": "websocket.close", "code": 4401}
    assert code == 4404
