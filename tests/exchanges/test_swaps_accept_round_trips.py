"""A paid accept's round trips on PostgreSQL, pinned so they cannot creep back (docs/benchmarks.md,
"Writes"), and its after-commit socket event sent on the process's one event loop."""

from __future__ import annotations

import threading
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import Conflict
from exchanges import services
from exchanges.models import Swap
from messaging.models import Notification, NotificationPreference
from rewards.selectors import escrow_held, wallet_balance
from rewards.services import InsufficientBalance
from tests.exchanges.conftest import snapshot
from tests.exchanges.factories import at, points_swap

# BEGIN; the swap row lock with the parties' names, the requester's notification preference, the
# calendar check and then the two diary locks; the swap's UPDATE with both bookings (the overlap
# checked in the same statement); the ledger movement (one statement: escrow opened, wallet and
# escrow locked, transfer and entries written); the notification; COMMIT
# (exchanges/services/accepting.py).
PAID_ACCEPT_ROUND_TRIPS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_paid_accept_takes_six_round_trips_and_no_savepoint():
    # given a pending paid swap whose requester can pay
    swap = points_swap(points=30, balance=100, scheduled_start=at(48))

    # when the responder accepts it
    with CaptureQueriesContext(connection) as queries:
        services.swap_accept(swap=swap.pk, actor=swap.responder)

    # then six round trips, no savepoint, one ledger statement, and the price is in escrow
    statements = [query["sql"] for query in queries.captured_queries]
    # Tests run Celery eagerly: the e-mail task's queries after COMMIT are the worker's, not ours.
    statements = statements[: statements.index("COMMIT") + 1]
    assert len(statements) == PAID_ACCEPT_ROUND_TRIPS, "\n".join(statements)
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    assert len([sql for sql in statements if "rewards_ledger_post(" in sql]) == 1
    assert not [sql for sql in statements if "rewards_ledgeraccount" in sql]
    swap.refresh_from_db()
    assert swap.status == Swap.Status.ACCEPTED
    assert sorted(swap.bookings.values_list("user_id", flat=True)) == sorted(
        [swap.requester_id, swap.responder_id]
    )
    assert escrow_held(reference=swap.reference) == 30
    assert wallet_balance(user=swap.requester) == 70


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_onto_a_booked_time_names_the_member_and_changes_nothing():
    # given the responder's accepted session, and a second request overlapping it
    first = points_swap(points=10, balance=100, scheduled_start=at(48))
    services.swap_accept(swap=first.pk, actor=first.responder)
    second = points_swap(
        points=10, balance=100, responder=first.responder, scheduled_start=at(48.5)
    )
    before = snapshot(second)

    # when the responder accepts the second one
    with pytest.raises(Conflict) as refused:
        services.swap_accept(swap=second.pk, actor=second.responder)

    # then a 409 naming who is busy, and nothing changed: status, bookings, balances
    assert refused.value.code == "schedule_conflict"
    assert refused.value.message == (
        f"{first.responder.public_name} already has a session at that time."
    )
    assert refused.value.extra == {"current_status": "pending"}
    assert snapshot(second) == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_uses_the_preference_read_with_the_swap(django_capture_on_commit_callbacks):
    # given a requester who turned in-app notifications of accepted swaps off, e-mail on
    swap = points_swap(points=10, balance=100, scheduled_start=at(48))
    NotificationPreference.objects.create(
        user=swap.requester, kind="swap_accepted", in_app=False, email=True
    )

    # when the responder accepts
    with (
        CaptureQueriesContext(connection) as queries,
        patch("messaging.tasks.notification_email_task.delay") as mailed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.swap_accept(swap=swap.pk, actor=swap.responder)

    # then no notification row and no preference query of its own, but the e-mail leaves
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "messaging_notification" in sql.split(" WHERE ")[0]]
    assert Notification.objects.filter(recipient=swap.requester).count() == 0
    assert len(statements) == PAID_ACCEPT_ROUND_TRIPS - 1
    assert mailed.call_count == 1
    assert mailed.call_args.kwargs["recipient_id"] == swap.requester_id
    assert mailed.call_args.kwargs["kind"] == "swap_accepted"
    assert mailed.call_args.kwargs["notification_id"] is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_paid_accept_the_requester_cannot_pay_changes_nothing():
    # given a pending swap of 30 points whose requester holds 10
    swap = points_swap(points=30, balance=10, scheduled_start=at(48))

    # when the responder accepts it
    with pytest.raises(InsufficientBalance) as refused:
        services.swap_accept(swap=swap.pk, actor=swap.responder)

    # then the 409 of the ledger, and no booking, escrow or status change
    assert refused.value.extra == {"balance": 10, "requested": 30}
    swap.refresh_from_db()
    assert swap.status == Swap.Status.PENDING
    assert swap.bookings.count() == 0
    assert escrow_held(reference=swap.reference) == 0
    assert wallet_balance(user=swap.requester) == 10


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_accept_events_leave_on_one_long_lived_loop_per_process(settings):
    # given the Redis channel layer, and a receiver on the requester's group
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers, get_channel_layer

    from messaging.groups import _process_loop, user_group

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": settings.REDIS_URL, "socket_timeout": None}]},
        }
    }
    channel_layers.backends.clear()
    layer = get_channel_layer()
    first = points_swap(points=5, balance=50, scheduled_start=at(48))
    second = points_swap(
        points=5, requester=first.requester, responder=first.responder, scheduled_start=at(60)
    )
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(first.requester_id), channel)
    threads_before = threading.active_count()

    try:
        # when both swaps are accepted, each committing and broadcasting
        services.swap_accept(swap=first.pk, actor=first.responder)
        loop = _process_loop.loop()
        services.swap_accept(swap=second.pk, actor=second.responder)

        # then both notifications arrived, sent on the same loop, with no thread per send
        kinds = [async_to_sync(layer.receive)(channel)["type"] for _ in range(2)]
        assert kinds == ["notification.receive", "notification.receive"]
        assert _process_loop.loop() is loop
        assert threading.active_count() <= threads_before + 1
    finally:
        # No flush: it would close the process loop's pool from this test's loop.
        async_to_sync(layer.group_discard)(user_group(first.requester_id), channel)
        channel_layers.backends.clear()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_hands_back_the_parties_the_caller_loaded():
    # given a pending swap whose parties the caller holds in full
    swap = points_swap(points=10, balance=100, scheduled_start=at(48))

    # when the responder accepts that instance
    accepted = services.swap_accept(swap=swap, actor=swap.responder)

    # then the returned swap carries those same members: no field of theirs is left to load
    assert accepted.requester is swap.requester
    assert accepted.responder is swap.responder
    with CaptureQueriesContext(connection) as queries:
        assert accepted.requester.password == swap.requester.password
        assert accepted.responder.username == swap.responder.username
    assert queries.captured_queries == []
