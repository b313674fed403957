"""A message send's round trips, and the refusals of its one statement (docs/benchmarks.md, Chat).

On PostgreSQL ``_post`` stores with one statement: the thread row locked, the members and their
accounts read, the sender checked, the message inserted, the thread's last message and the
sender's read position moved. The refusals come out of the same statement, in the ORM path's
order, and store nothing.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import Forbidden, NotFound, ValidationFailed
from messaging import services
from messaging.models import Message, Notification, Thread, ThreadParticipant
from messaging.services.messages import SENDER_INACTIVE
from tests.accounts.factories import UserFactory
from tests.messaging.factories import pair_thread

pytestmark = pytest.mark.django_db


def _state(thread: Thread) -> tuple:
    thread.refresh_from_db()
    positions = list(
        ThreadParticipant.objects.filter(thread=thread)
        .order_by("id")
        .values_list("last_read_message_id", flat=True)
    )
    return (
        Message.objects.count(),
        Notification.objects.count(),
        thread.last_message_id,
        positions,
    )


@pytest.mark.postgres
def test_a_send_on_postgresql_is_one_statement_plus_the_notification():
    # given a pair that already talked (the recipient's unread notification exists)
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    services.message_send(thread=thread, sender=ann, content="first")

    # when ann sends again on a thread she names only by id (as the chat socket does)
    with CaptureQueriesContext(connection) as captured:
        message = services.message_send(thread=Thread(pk=thread.pk), sender=ann, content="again")

    # then: the savepoint of the test's transaction (BEGIN in production), the one statement
    # (which also reads bob's new_message preference), bob's notification (lock, update) and the
    # release (COMMIT)
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) <= 5
    assert statements[1].lstrip().startswith("WITH thread AS")
    thread.refresh_from_db()
    assert thread.last_message_id == message.pk
    assert thread.last_message_at == message.created_at
    assert message.thread.kind == Thread.Kind.DIRECT
    assert message.thread.last_message_id == message.pk
    assert ThreadParticipant.objects.get(thread=thread, user=ann).last_read_message_id == (
        message.pk
    )
    assert Message.objects.get(pk=message.pk).content == "again"


@pytest.mark.postgres
def test_a_first_message_to_a_user_on_postgresql_creates_the_pair_thread():
    # given two users who never talked
    ann, bob = UserFactory(), UserFactory()

    # when ann writes to bob
    message = services.message_send_to_user(sender=ann, receiver=bob, content="hello")

    # then the pair's direct thread exists with both members and names the message as its last
    thread = Thread.objects.get(kind=Thread.Kind.DIRECT)
    assert (thread.user_low_id, thread.user_high_id) == tuple(sorted([ann.pk, bob.pk]))
    assert thread.last_message_id == message.pk
    assert set(thread.participants.values_list("user_id", flat=True)) == {ann.pk, bob.pk}
    # and the next message reuses it, found by the pair in the same statement
    again = services.message_send_to_user(sender=bob, receiver=ann, content="hi")
    assert again.thread_id == thread.pk
    assert Thread.objects.count() == 1


@pytest.mark.postgres
def test_the_preference_read_by_the_statement_is_honoured():
    # given bob turned in-app notifications of new messages off
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    services.notification_preferences_update(
        user=bob, preferences=[{"kind": "new_message", "in_app": False, "email": False}]
    )

    # when ann writes to him
    services.message_send(thread=Thread(pk=thread.pk), sender=ann, content="hello")

    # then the message is stored and bob gets no notification row
    assert Message.objects.filter(thread=thread).count() == 1
    assert Notification.objects.filter(recipient=bob).count() == 0


def test_an_inactive_sender_is_refused_and_nothing_changes():
    # given a pair, and ann's account deactivated after the socket or request was authenticated
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    services.message_send(thread=thread, sender=bob, content="hello")
    before = _state(thread)
    type(ann).objects.filter(pk=ann.pk).update(is_active=False)

    # when she sends
    with pytest.raises(Forbidden) as refused:
        services.message_send(thread=Thread(pk=thread.pk), sender=ann, content="still here?")

    # then it is refused with simplejwt's code for the state, and nothing changed
    assert refused.value.code == SENDER_INACTIVE
    assert _state(thread) == before


def test_the_refusals_keep_their_order_and_store_nothing():
    # given a pair and an outsider
    ann, bob, eve = UserFactory(), UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    before = _state(thread)

    # when a missing thread, a non-member, a blocked pair and empty text are sent
    with pytest.raises(Thread.DoesNotExist):
        services.message_send(thread=Thread(pk=thread.pk + 1000), sender=ann, content="x")
    with pytest.raises(NotFound):
        services.message_send(thread=Thread(pk=thread.pk), sender=eve, content="")
    services.user_block(blocker=bob, blocked=ann)
    with pytest.raises(Forbidden) as blocked:
        services.message_send(thread=Thread(pk=thread.pk), sender=ann, content="")
    services.user_unblock(blocker=bob, blocked_id=ann.pk)
    with pytest.raises(ValidationFailed) as empty:
        services.message_send(thread=Thread(pk=thread.pk), sender=ann, content="  ")

    # then each refusal is the one the ORM path gives first (membership, then the block, then
    # the text), and nothing was stored
    assert blocked.value.code == "blocked"
    assert blocked.value.extra == {"blocked_by_you": False}
    assert list(empty.value.fields) == ["content"]
    assert _state(thread) == before
