"""The member's messages and notifications pages: members only, no-JS forms, constant queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.models import Message, Notification, Thread, ThreadParticipant
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread, send

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# --- the conversation list ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/en/me/messages/", "/en/me/notifications/", "/en/me/messages/new/?to=1"):
        response = client.get(url)

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_list_shows_each_conversation_with_its_other_party_and_unread_count(client):
    # given two conversations of Amal's, one with two unread messages
    amal, badr, chadi = UserFactory(first_name="Amal"), UserFactory(), UserFactory()
    with_badr = pair_thread(amal, badr)
    send(with_badr, badr, "First")
    send(with_badr, badr, "Are you free on Sunday?")
    with_chadi = pair_thread(amal, chadi)
    send(with_chadi, amal, "Thanks!")
    client.force_login(amal)

    # when she opens her messages
    response = client.get("/en/me/messages/")

    # then both are listed, newest first, with the last message and the unread count
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(chadi.public_name) < html.index(badr.public_name)
    assert "Are you free on Sunday?" in html
    assert "2 unread" in html
    assert "You: Thanks!" in html
    assert f'href="/en/me/messages/{with_badr.pk}/"' in html


def test_the_list_runs_the_same_queries_for_two_or_twelve_conversations(client):
    member = UserFactory()
    for _ in range(2):
        send(pair_thread(member, UserFactory()), member)
    client.force_login(member)
    few = _queries(client, "/en/me/messages/")
    for _ in range(10):
        thread = pair_thread(member, UserFactory())
        send(thread, thread.participants.exclude(user=member).first().user)

    many = _queries(client, "/en/me/messages/")

    assert many == few


def test_the_list_is_right_to_left_in_arabic(client):
    client.force_login(UserFactory())

    response = client.get("/ar/me/messages/")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


# --- one conversation -----------------------------------------------------------------------------


def test_a_member_reads_the_history_and_it_is_marked_read(client):
    # given Badr wrote twice to Amal
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    send(thread, badr, "Hello <b>Amal</b>")
    last = send(thread, badr, "Sunday at ten?")
    client.force_login(amal)

    # when she opens the conversation
    response = client.get(f"/en/me/messages/{thread.pk}/")

    # then she sees it (escaped), with the live socket's hooks, and her read position moved
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hello &lt;b&gt;Amal&lt;/b&gt;" in html
    assert f'data-thread-id="{thread.pk}"' in html
    assert "js/chat.js" in html
    assert ThreadParticipant.objects.get(thread=thread, user=amal).last_read_message_id == last.pk


def test_own_messages_say_seen_once_the_other_side_read_them(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    read = send(thread, amal, "One")
    send(thread, amal, "Two")
    services.thread_mark_read(thread=thread, user=badr, up_to_message_id=read.pk)
    client.force_login(amal)

    html = client.get(f"/en/me/messages/{thread.pk}/").content.decode()

    assert html.count(">Seen</p>") == 1
    assert html.count(">Sent</p>") == 1


def test_another_members_thread_is_404_and_nothing_is_marked_read(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    send(thread, badr, "Private")
    client.force_login(UserFactory())

    assert client.get(f"/en/me/messages/{thread.pk}/").status_code == 404
    assert client.post(f"/en/me/messages/{thread.pk}/", {"content": "Hi"}).status_code == 404
    assert Message.objects.filter(thread=thread).count() == 1
    assert ThreadParticipant.objects.get(thread=thread, user=amal).last_read_message_id == 0


def test_the_form_sends_without_javascript(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    client.force_login(amal)

    response = client.post(f"/en/me/messages/{thread.pk}/", {"content": "  See you there  "})

    assert response.status_code == 302
    assert response["Location"] == f"/en/me/messages/{thread.pk}/"
    message = Message.objects.get(thread=thread)
    assert (message.sender, message.content) == (amal, "See you there")


def test_an_empty_message_is_refused_in_arabic_and_nothing_is_sent(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    client.force_login(amal)

    response = client.post(f"/ar/me/messages/{thread.pk}/", {"content": "   "})

    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert Message.objects.filter(thread=thread).count() == 0


def test_a_blocked_sender_is_refused_and_nothing_is_sent(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    services.user_block(blocker=badr, blocked=amal)
    client.force_login(amal)

    response = client.post(f"/en/me/messages/{thread.pk}/", {"content": "Hello?"})

    assert response.status_code == 400
    assert Message.objects.filter(thread=thread).count() == 0


def test_the_history_is_paginated_newest_page_first(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    for number in range(35):
        send(thread, badr, f"message number {number:02d}")
    client.force_login(amal)

    newest = client.get(f"/en/me/messages/{thread.pk}/").content.decode()
    older = client.get(f"/en/me/messages/{thread.pk}/?page=2").content.decode()

    assert "message number 34" in newest
    assert "message number 04" not in newest
    assert "Older messages" in newest
    assert "message number 04" in older
    assert "message number 05" not in older


def test_a_conversation_runs_the_same_queries_for_three_or_thirty_messages(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    for _ in range(3):
        send(thread, badr)
    client.force_login(amal)
    client.get(f"/en/me/messages/{thread.pk}/")  # the first visit moves the read position
    few = _queries(client, f"/en/me/messages/{thread.pk}/")
    for _ in range(27):
        send(thread, amal)

    many = _queries(client, f"/en/me/messages/{thread.pk}/")

    assert many == few


# --- starting a conversation ----------------------------------------------------------------------


def test_message_button_reuses_the_pairs_thread(client):
    amal, badr = UserFactory(), UserFactory()
    thread = pair_thread(amal, badr)
    client.force_login(amal)

    response = client.get(f"/en/me/messages/new/?to={badr.pk}")

    assert response.status_code == 302
    assert response["Location"] == f"/en/me/messages/{thread.pk}/"


def test_message_button_starts_a_thread_with_the_first_message_only(client):
    # given no conversation between them yet
    amal, badr = UserFactory(), UserFactory()
    client.force_login(amal)

    # when she opens the form: no thread is created by the visit
    form = client.get(f"/en/me/messages/new/?to={badr.pk}")
    assert form.status_code == 200
    assert badr.public_name in form.content.decode()
    assert Thread.objects.count() == 0

    # when she sends the first message
    response = client.post("/en/me/messages/new/", {"to": str(badr.pk), "content": "Hi Badr"})

    # then the pair's thread holds it
    thread = Thread.objects.get()
    assert response["Location"] == f"/en/me/messages/{thread.pk}/"
    assert list(thread.messages.values_list("content", flat=True)) == ["Hi Badr"]


def test_message_button_refuses_oneself_strangers_and_junk(client):
    amal = UserFactory()
    inactive = UserFactory(is_active=False)
    client.force_login(amal)

    for query in (f"?to={amal.pk}", f"?to={inactive.pk}", "?to=999999", "?to=abc", ""):
        assert client.get(f"/en/me/messages/new/{query}").status_code == 404
    assert Thread.objects.count() == 0


def test_an_empty_first_message_leaves_no_thread(client):
    amal, badr = UserFactory(), UserFactory()
    client.force_login(amal)

    response = client.post("/en/me/messages/new/", {"to": str(badr.pk), "content": ""})

    assert response.status_code == 400
    assert Thread.objects.count() == 0


# --- notifications --------------------------------------------------------------------------------


def _notify(user, kind: str = "badge_earned") -> Notification:
    return services.notification_send(recipient=user, kind=kind)


def test_notifications_are_listed_newest_first_with_mark_read_forms(client):
    member = UserFactory()
    first = _notify(member)
    second = _notify(member, "swap_accepted")
    client.force_login(member)

    response = client.get("/en/me/notifications/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(second.title) < html.index(first.title)
    assert f'action="/en/me/notifications/{first.pk}/read/"' in html
    assert 'action="/en/me/notifications/read-all/"' in html


def test_marking_one_read_and_unread_again(client):
    member = UserFactory()
    notification = _notify(member)
    client.force_login(member)

    response = client.post(f"/en/me/notifications/{notification.pk}/read/", {"page": "1"})
    notification.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/en/me/notifications/?page=1"
    assert notification.is_read is True

    client.post(f"/en/me/notifications/{notification.pk}/read/", {"is_read": "0"})
    notification.refresh_from_db()
    assert notification.is_read is False


def test_another_members_notification_is_404_and_stays_unread(client):
    notification = _notify(UserFactory())
    client.force_login(UserFactory())

    response = client.post(f"/en/me/notifications/{notification.pk}/read/")

    notification.refresh_from_db()
    assert response.status_code == 404
    assert notification.is_read is False


def test_mark_all_read_touches_only_the_members_own(client):
    member, other = UserFactory(), UserFactory()
    for _ in range(3):
        _notify(member)
    theirs = _notify(other)
    client.force_login(member)

    response = client.post("/en/me/notifications/read-all/")

    theirs.refresh_from_db()
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member, is_read=False).count() == 0
    assert theirs.is_read is False


def test_reading_pages_need_post(client):
    notification = _notify(UserFactory())
    client.force_login(notification.recipient)

    assert client.get("/en/me/notifications/read-all/").status_code == 405
    assert client.get(f"/en/me/notifications/{notification.pk}/read/").status_code == 405


def test_the_bell_count_is_the_members_unread_count(client):
    member = UserFactory()
    for _ in range(2):
        _notify(member)
    _notify(UserFactory())
    client.force_login(member)

    response = client.get("/en/me/notifications/unread-count/")

    assert json.loads(response.content) == {"unread": 2}


def test_the_notification_list_runs_the_same_queries_for_two_or_twenty(client):
    member = UserFactory()
    for _ in range(2):
        _notify(member)
    client.force_login(member)
    few = _queries(client, "/en/me/notifications/")
    for _ in range(18):
        _notify(member)

    many = _queries(client, "/en/me/notifications/")

    assert many == few


def test_signed_in_pages_carry_the_live_bell(client):
    client.force_login(UserFactory())

    html = client.get("/en/me/notifications/").content.decode()

    assert "data-notification-bell" in html
    assert 'data-count-url="/en/me/notifications/unread-count/"' in html
    assert "js/notifications.js" in html
