"""Concurrency on real PostgreSQL: one thread per pair, ordered history under concurrent sends."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from rest_framework.test import APIClient

from messaging import services
from messaging.models import Message, Notification, Thread
from tests.accounts.factories import UserFactory
from tests.conftest import bearer
from tests.messaging.factories import pair_thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(workers: list[Callable[[], object]]) -> list[object]:
    """Start every worker at the same instant; return results (or the exception raised)."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_first_contact_from_both_sides_at_once_makes_one_thread():
    # given two users who never talked
    ann, bob = UserFactory(), UserFactory()

    # when 8 requests (4 each way) start the conversation at the same moment
    def start(sender, receiver, n):
        return lambda: (
            services.message_send_to_user(
                sender=sender, receiver=receiver, content=f"hello {n}"
            ).thread_id
        )

    results = run_concurrently(
        [start(ann, bob, n) if n % 2 else start(bob, ann, n) for n in range(8)]
    )

    # then every message landed in the one thread
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Thread.objects.count() == 1
    assert set(results) == {Thread.objects.get().pk}
    assert Message.objects.count() == 8


def test_concurrent_sends_keep_ids_in_commit_order_and_last_message_newest():
    # given
    users = [UserFactory() for _ in range(2)]
    thread = services.thread_get_or_create_for_pair(user_a=users[0], user_b=users[1])

    # when 8 writers each send 5 messages at once
    def writer(n):
        def work():
            for i in range(5):
                services.message_send(thread=thread, sender=users[n % 2], content=f"{n}-{i}")

        return work

    results = run_concurrently([writer(n) for n in range(8)])

    # then
    assert [r for r in results if isinstance(r, Exception)] == []
    messages = list(Message.objects.filter(thread=thread).order_by("id"))
    assert len(messages) == 40
    thread.refresh_from_db()
    assert thread.last_message_id == messages[-1].pk
    assert thread.last_message_at == messages[-1].created_at
    # Ids were taken under the thread's row lock: creation times never go backwards.
    created = [m.created_at for m in messages]
    assert created == sorted(created)
    # One coalesced unread notification per recipient, however many messages raced.
    assert Notification.objects.filter(recipient=users[0]).count() == 1
    assert Notification.objects.filter(recipient=users[1]).count() == 1


def test_paging_back_while_others_send_never_repeats_or_skips():
    # given a thread with 60 messages
    ann, bob = UserFactory(), UserFactory()
    thread = pair_thread(ann, bob)
    for i in range(60):
        services.message_send(thread=thread, sender=ann, content=f"old {i}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(bob))
    stop = threading.Event()

    def keep_sending():
        n = 0
        while not stop.is_set() and n < 200:
            services.message_send(thread=thread, sender=bob, content=f"new {n}")
            n += 1
        connection.close()

    writer = threading.Thread(target=keep_sending)

    # when paging back through the history while the writer sends
    first = client.get(f"/api/v1/messages/{thread.pk}/?page_size=7").json()
    writer.start()
    seen = [m["content"] for m in first["results"]]
    url = first["next"]
    try:
        while url:
            page = client.get(url).json()
            seen.extend(m["content"] for m in page["results"])
            url = page["next"]
    finally:
        stop.set()
        writer.join(timeout=60)

    # then exactly the 60 old messages, newest first, each once
    assert seen == [f"old {i}" for i in reversed(range(60))]
