"""The messaging REST API: threads, history, read receipts, edits, blocks, notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from messaging import notification_kinds, services
from messaging.models import (
    Message,
    MessageReport,
    Notification,
    NotificationPreference,
    Thread,
    ThreadParticipant,
    UserBlock,
)
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db

MESSAGE_FIELDS = {
    "id",
    "thread_id",
    "sender_id",
    "sender_name",
    "receiver_id",
    "receiver_name",
    "content",
    "attachments",
    "is_read",
    "is_edited",
    "is_deleted",
    "created_at",
    "edited_at",
    "deleted_at",
}


# --- POST messages/ (seed 003) ------------------------------------------------------------------


def test_post_to_a_user_starts_a_thread_and_answers_with_seed_003_fields(make_auth_client):
    # given
    ann = UserFactory(first_name="John", last_name="Doe")
    jane = UserFactory(first_name="Jane", last_name="Smith")
    client = make_auth_client(ann)

    # when
    response = client.post(
        "/api/v1/messages/", {"receiver_id": jane.pk, "content": "Any topics to focus on?"}
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert set(body) == MESSAGE_FIELDS
    thread = Thread.objects.get()
    assert body["thread_id"] == thread.pk
    assert {k: body[k] for k in ("sender_id", "sender_name", "receiver_id", "receiver_name")} == {
        "sender_id": ann.pk,
        "sender_name": "John Doe",
        "receiver_id": jane.pk,
        "receiver_name": "Jane Smith",
    }
    assert (body["content"], body["is_read"], body["attachments"]) == (
        "Any topics to focus on?",
        False,
        [],
    )
    assert body["created_at"].endswith("Z")


def test_post_to_the_same_user_again_reuses_the_pair_thread(make_auth_client):
    ann, bob = UserFactory(), UserFactory()

    first = make_auth_client(ann).post("/api/v1/messages", {"receiver_id": bob.pk, "content": "a"})
    reply = make_auth_client(bob).post("/api/v1/messages", {"receiver_id": ann.pk, "content": "b"})

    assert first.status_code == reply.status_code == 201
    assert first.json()["thread_id"] == reply.json()["thread_id"]
    assert Thread.objects.count() == 1


@pytest.mark.parametrize("receiver", ["self", "missing", "inactive"])
def test_post_to_an_impossible_receiver_is_400_and_creates_nothing(make_auth_client, receiver):
    ann = UserFactory()
    receiver_id = {
        "self": ann.pk,
        "missing": 999_999,
        "inactive": UserFactory(is_active=False).pk,
    }[receiver]

    response = make_auth_client(ann).post(
        "/api/v1/messages/", {"receiver_id": receiver_id, "content": "hi"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "receiver_id" in response.json()["error"]["fields"]
    assert Thread.objects.count() == Message.objects.count() == 0


def test_blocked_user_cannot_message_and_no_thread_is_left(make_auth_client):
    # given
    ann, bob = UserFactory(), UserFactory()
    services.user_block(blocker=bob, blocked=ann)

    # when
    response = make_auth_client(ann).post(
        "/api/v1/messages/", {"receiver_id": bob.pk, "content": "please"}
    )

    # then
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "blocked",
        "message": "You cannot send messages to this user.",
        "fields": {},
        "blocked_by_you": False,
    }
    assert Thread.objects.count() == Message.objects.count() == Notification.objects.count() == 0


def test_blocker_is_told_to_unblock(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    client = make_auth_client(ann)
    assert client.post("/api/v1/messages/blocks/", {"user_id": bob.pk}).status_code == 201

    response = client.post(f"/api/v1/messages/{thread.pk}/", {"content": "hi"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"
    assert response.json()["error"]["blocked_by_you"] is True
    assert Message.objects.count() == 0


# --- GET messages/ ------------------------------------------------------------------------------


def test_thread_list_shows_other_party_last_message_and_unread_count(make_auth_client):
    # given
    me = UserFactory()
    bob = UserFactory(first_name="Bob", last_name="Stone")
    cat = UserFactory()
    with_bob = pair_thread(me, bob)
    with_cat = pair_thread(me, cat)
    send(with_bob, bob, "one")
    send(with_bob, bob, "two")
    send(with_cat, me, "hello cat")
    send(pair_thread(bob, cat), bob, "not mine")

    # when
    response = make_auth_client(me).get("/api/v1/messages/")

    # then: most recent activity first
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["id"] == with_cat.pk
    assert (first["unread_count"], first["last_message"]["content"]) == (0, "hello cat")
    assert second["id"] == with_bob.pk
    assert second["unread_count"] == 2
    assert second["other_party"] == {
        "id": bob.pk,
        "name": "Bob Stone",
        "username": "",
        "avatar": None,
    }
    assert second["last_message"]["content"] == "two"
    assert second["kind"] == "direct"


def test_thread_list_filter_with_user(make_auth_client):
    me, bob, cat = UserFactory(), UserFactory(), UserFactory()
    with_bob = pair_thread(me, bob)
    pair_thread(me, cat)
    swap_thread = services.thread_get_or_create_for_subject(
        subject_type="swap", subject_id=5, participants=[me, bob]
    )

    response = make_auth_client(me).get(f"/api/v1/messages/?with_user={bob.pk}")

    assert sorted(t["id"] for t in response.json()["results"]) == sorted(
        [with_bob.pk, swap_thread.pk]
    )


def test_thread_list_filter_unread_and_search(make_auth_client):
    me = UserFactory()
    bob = UserFactory(first_name="Bobby", last_name="Tables")
    cat = UserFactory(first_name="Cat", last_name="Power")
    with_bob, with_cat = pair_thread(me, bob), pair_thread(me, cat)
    send(with_bob, bob, "unread")
    client = make_auth_client(me)

    unread = client.get("/api/v1/messages/?unread=true").json()["results"]
    search = client.get("/api/v1/messages/?search=power").json()["results"]

    assert [t["id"] for t in unread] == [with_bob.pk]
    assert [t["id"] for t in search] == [with_cat.pk]


def test_thread_list_query_count_is_constant(make_auth_client, django_assert_max_num_queries):
    me = UserFactory()
    client = make_auth_client(me)
    for _ in range(12):
        other = UserFactory()
        thread = pair_thread(me, other)
        send(thread, other, "hi")
        send(thread, me, "hey")

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/messages/?page_size=50")

    assert len(response.json()["results"]) == 12


# --- GET/POST messages/{thread_id}/ -------------------------------------------------------------


def test_history_is_cursor_paginated_newest_first_and_stable_under_new_messages(make_auth_client):
    # given 7 messages
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    sent = [send(thread, ann if i % 2 else bob, f"m{i}") for i in range(7)]
    client = make_auth_client(ann)

    # when reading the first page, then new messages arrive, then the next pages
    first = client.get(f"/api/v1/messages/{thread.pk}/?page_size=3").json()
    send(thread, bob, "late 1")
    send(thread, bob, "late 2")
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    # then no message is repeated or skipped
    assert [m["content"] for m in first["results"]] == ["m6", "m5", "m4"]
    assert [m["content"] for m in second["results"]] == ["m3", "m2", "m1"]
    assert [m["content"] for m in third["results"]] == ["m0"]
    assert third["next"] is None
    assert set(first) == {"next", "previous", "results"}
    newer = client.get(second["previous"]).json()
    assert [m["content"] for m in newer["results"]] == ["m6", "m5", "m4"]
    assert sent[0].pk == third["results"][0]["id"]


def test_history_query_count_is_constant(make_auth_client, django_assert_max_num_queries):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    for i in range(40):
        send(thread, ann, f"m{i}")

    # 7 on a cold cache: one of them is billing's premium check for the rate limit, cached after.
    with django_assert_max_num_queries(7):
        response = make_auth_client(bob).get(f"/api/v1/messages/{thread.pk}/?page_size=40")

    assert len(response.json()["results"]) == 40


def test_is_read_follows_the_receivers_position(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    first = send(thread, ann, "one")
    send(thread, ann, "two")
    services.thread_mark_read(thread=thread, user=bob, up_to_message_id=first.pk)

    results = make_auth_client(ann).get(f"/api/v1/messages/{thread.pk}/").json()["results"]

    assert [(m["content"], m["is_read"]) for m in results] == [("two", False), ("one", True)]


def test_post_to_a_thread(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)

    response = make_auth_client(bob).post(f"/api/v1/messages/{thread.pk}", {"content": "yo"})

    assert response.status_code == 201
    assert response.json()["receiver_id"] == ann.pk
    assert Message.objects.get().content == "yo"


def test_non_participant_gets_404_for_a_thread_and_sends_nothing(make_auth_client):
    # given
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "private")
    client = make_auth_client(eve)

    # when / then
    for method, path, data in [
        ("get", f"/api/v1/messages/{thread.pk}/", None),
        ("post", f"/api/v1/messages/{thread.pk}/", {"content": "intrude"}),
        ("post", f"/api/v1/messages/{thread.pk}/read", {}),
        ("get", f"/api/v1/messages/{thread.pk}/{message.pk}/", None),
        ("patch", f"/api/v1/messages/{thread.pk}/{message.pk}/", {"content": "x"}),
        ("delete", f"/api/v1/messages/{thread.pk}/{message.pk}/", None),
        ("post", f"/api/v1/messages/{thread.pk}/{message.pk}/report", {"reason": "spam"}),
    ]:
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"
    assert list(Message.objects.values_list("content", "deleted_at")) == [("private", None)]
    assert MessageReport.objects.count() == 0
    assert client.get("/api/v1/messages/").json()["count"] == 0


def test_anonymous_is_401(api_client):
    assert api_client.get("/api/v1/messages/").status_code == 401
    assert api_client.get("/api/v1/notifications/").status_code == 401


# --- read receipts ------------------------------------------------------------------------------


def test_read_receipt_endpoint(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    first = send(thread, ann, "one")
    send(thread, ann, "two")
    client = make_auth_client(bob)

    partial = client.post(f"/api/v1/messages/{thread.pk}/read", {"message_id": first.pk})
    complete = client.post(f"/api/v1/messages/{thread.pk}/read/", {})

    assert partial.status_code == 200
    assert partial.json()["unread_count"] == 1
    assert partial.json()["last_read_message_id"] == first.pk
    assert complete.json()["unread_count"] == 0
    assert complete.json()["thread_id"] == thread.pk
    assert client.get("/api/v1/messages/").json()["results"][0]["unread_count"] == 0


# --- edit / delete ------------------------------------------------------------------------------


def test_edit_and_delete_own_message(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "helo")
    client = make_auth_client(ann)

    edited = client.patch(f"/api/v1/messages/{thread.pk}/{message.pk}/", {"content": "hello"})
    deleted = client.delete(f"/api/v1/messages/{thread.pk}/{message.pk}")

    assert edited.status_code == 200
    assert (edited.json()["content"], edited.json()["is_edited"]) == ("hello", True)
    assert deleted.status_code == 200
    assert deleted.json()["is_deleted"] is True
    assert deleted.json()["content"] == ""
    history = client.get(f"/api/v1/messages/{thread.pk}/").json()["results"]
    assert [(m["id"], m["is_deleted"]) for m in history] == [(message.pk, True)]


def test_edit_after_fifteen_minutes_is_409(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "old")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=16))

    response = make_auth_client(ann).patch(
        f"/api/v1/messages/{thread.pk}/{message.pk}/", {"content": "new"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "edit_window_closed"
    assert Message.objects.get().content == "old"


def test_other_member_cannot_edit_is_403(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "mine")

    response = make_auth_client(bob).patch(
        f"/api/v1/messages/{thread.pk}/{message.pk}/", {"content": "no"}
    )

    assert response.status_code == 403
    assert Message.objects.get().content == "mine"


# --- reports and blocks -------------------------------------------------------------------------


def test_report_a_message(make_auth_client):
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    message = send(thread, ann, "spam spam")
    client = make_auth_client(bob)

    response = client.post(
        f"/api/v1/messages/{thread.pk}/{message.pk}/report",
        {"reason": "spam", "details": "<b>ads</b>"},
    )
    again = client.post(f"/api/v1/messages/{thread.pk}/{message.pk}/report", {"reason": "spam"})

    assert response.status_code == 201
    assert response.json()["status"] == "open"
    assert again.status_code == 409
    report = MessageReport.objects.get()
    assert (report.reporter_id, report.details) == (bob.pk, "<b>ads</b>")


def test_block_list_and_unblock(make_auth_client):
    ann, bob = UserFactory(), UserFactory(first_name="Bob", last_name="B")
    client = make_auth_client(ann)
    client.post("/api/v1/messages/blocks/", {"user_id": bob.pk})

    listed = client.get("/api/v1/messages/blocks/").json()
    removed = client.delete(f"/api/v1/messages/blocks/{bob.pk}/")
    missing = client.delete(f"/api/v1/messages/blocks/{bob.pk}/")

    assert [row["user"]["name"] for row in listed["results"]] == ["Bob B"]
    assert removed.status_code == 204
    assert missing.status_code == 404
    assert UserBlock.objects.count() == 0


# --- notifications ------------------------------------------------------------------------------


def _notify(user, **context):
    return services.notification_send(
        recipient=user,
        kind="swap_accepted",
        context={"swap_title": "Guitar", "other_name": "Dan", **context},
        related_type="swap",
        related_id=4,
    )


def test_notification_list_with_seed_003_fields_and_is_read_filter(make_auth_client):
    user = UserFactory()
    read = _notify(user)
    services.notification_mark(notification=read, is_read=True)
    unread = _notify(user)
    _notify(UserFactory())
    client = make_auth_client(user)

    everything = client.get("/api/v1/notifications/").json()
    only_unread = client.get("/api/v1/notifications/?is_read=false").json()

    assert everything["count"] == 2
    assert [n["id"] for n in only_unread["results"]] == [unread.pk]
    row = only_unread["results"][0]
    assert {
        k: row[k]
        for k in ("user_id", "title", "content", "notification_type", "related_id", "is_read")
    } == {
        "user_id": user.pk,
        "title": "Swap accepted",
        "content": "Dan accepted your swap “Guitar”.",
        "notification_type": "swap_accepted",
        "related_id": 4,
        "is_read": False,
    }
    assert row["related_type"] == "swap"


def test_patch_notification_read_and_someone_elses_is_404(make_auth_client):
    user, other = UserFactory(), UserFactory()
    mine, theirs = _notify(user), _notify(other)
    client = make_auth_client(user)

    response = client.patch(f"/api/v1/notifications/{mine.pk}/", {"is_read": True})
    foreign = client.patch(f"/api/v1/notifications/{theirs.pk}/", {"is_read": True})

    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert "updated_at" in response.json()
    assert foreign.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).is_read is False


def test_read_all(make_auth_client):
    user, other = UserFactory(), UserFactory()
    _notify(user), _notify(user), _notify(other)

    response = make_auth_client(user).post("/api/v1/notifications/read-all")

    assert response.json() == {"updated": 2}
    assert Notification.objects.filter(recipient=user, is_read=False).count() == 0
    assert Notification.objects.filter(recipient=other, is_read=False).count() == 1


def test_preferences_get_and_put(make_auth_client):
    user = UserFactory()
    client = make_auth_client(user)

    before = client.get("/api/v1/notifications/preferences").json()
    response = client.put(
        "/api/v1/notifications/preferences",
        [{"kind": "swap_accepted", "in_app": False, "email": False}],
        format="json",
    )
    invalid = client.put(
        "/api/v1/notifications/preferences",
        [{"kind": "nope", "in_app": True, "email": True}],
        format="json",
    )

    assert len(before) == len(notification_kinds.kinds())
    assert before[0] == {
        "kind": "new_message",
        "label": "New message",
        "in_app": True,
        "email": True,
    }
    assert response.status_code == 200
    changed = {row["kind"]: row for row in response.json()}
    assert (changed["swap_accepted"]["in_app"], changed["swap_accepted"]["email"]) == (False, False)
    assert invalid.status_code == 400
    assert list(NotificationPreference.objects.values_list("kind", "in_app", "email")) == [
        ("swap_accepted", False, False)
    ]
    assert _notify(user) is None


# --- schema -------------------------------------------------------------------------------------


def test_schema_documents_messaging_endpoints_and_cursor_pagination(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    paths = schema["paths"]

    history = paths["/api/v1/messages/{thread_id}/"]["get"]
    parameters = {p["name"] for p in history["parameters"]}
    assert {"cursor", "page_size"} <= parameters
    page = history["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page_schema = schema["components"]["schemas"][page.rsplit("/", 1)[1]]
    assert set(page_schema["properties"]) == {"next", "previous", "results"}
    start = paths["/api/v1/messages/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(start)
    assert {p["name"] for p in paths["/api/v1/messages/"]["get"]["parameters"]} >= {
        "with_user",
        "page",
        "search",
    }
    for path in [
        "/api/v1/messages/{thread_id}/read/",
        "/api/v1/messages/{thread_id}/{message_id}/",
        "/api/v1/messages/{thread_id}/attachments/{attachment_id}/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{notification_id}/",
        "/api/v1/notifications/read-all/",
        "/api/v1/notifications/preferences/",
        "/api/v1/messages/blocks/",
    ]:
        assert path in paths, path
    notification = schema["components"]["schemas"]["Notification"]["properties"]
    assert {"user_id", "title", "content", "notification_type", "related_id", "is_read"} <= set(
        notification
    )
    assert ThreadParticipant.objects.count() == 0
