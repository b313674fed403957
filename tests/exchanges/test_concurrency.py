"""Real PostgreSQL, real threads: the database refuses double bookings and double sends."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from exchanges import services
from exchanges.models import SessionBooking, Swap
from exchanges.services import scheduling
from messaging.models import Notification
from rewards.selectors import escrow_held, wallet_balance
from tests.conftest import bearer
from tests.exchanges.conftest import ledger_ok
from tests.exchanges.factories import at, expert
from tests.rewards.factories import funded_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(work, count: int) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same instant; return the results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.parametrize("diary_lock", [True, False], ids=["diary-lock", "constraint-only"])
def test_twenty_concurrent_accepts_of_overlapping_sessions_book_exactly_one(
    monkeypatch, diary_lock
):
    if not diary_lock:
        # Prove the exclusion constraint alone holds: no advisory lock, no serialisation.
        monkeypatch.setattr(scheduling, "_lock_diaries", lambda users: None)
    # given one expert with 20 paid one-hour requests starting 3 minutes apart (all overlapping)
    responder = expert()
    base = at(48)
    swaps = []
    for index in range(20):
        requester = funded_user(100)
        start = base + dt.timedelta(minutes=3 * index)
        swaps.append(
            services.swap_create(
                requester=requester,
                responder=responder,
                kind="points",
                points_amount=30,
                scheduled_start=start,
            )
        )
    token = bearer(responder)

    # when the expert's clients accept all twenty at once
    def accept(index: int) -> tuple[int, str]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=token)
        response = client.post(f"/api/v1/swaps/{swaps[index].pk}/accept")
        code = "" if response.status_code == 200 else response.json()["error"]["code"]
        return response.status_code, code

    results = run_together(accept, 20)

    # then exactly one is accepted; the others are 409 schedule conflicts
    assert Counter(results) == Counter({(200, ""): 1, (409, "schedule_conflict"): 19})
    winner = Swap.objects.get(status="accepted")
    assert Swap.objects.filter(status="pending").count() == 19
    assert SessionBooking.objects.filter(user=responder).count() == 1
    assert SessionBooking.objects.count() == 2
    # only the winner's points left the wallet
    for swap in swaps:
        held = 30 if swap.pk == winner.pk else 0
        assert escrow_held(reference=f"swap:{swap.pk}") == held
        assert wallet_balance(user=swap.requester) == 100 - held
    ledger_ok()


def test_two_concurrent_accepts_of_one_swap_hold_the_points_once():
    swap = services.swap_create(
        requester=funded_user(100),
        responder=expert(),
        kind="points",
        points_amount=40,
        scheduled_start=at(30),
    )

    def accept(index: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=bearer(swap.responder))
        return client.post(f"/api/v1/swaps/{swap.pk}/accept").status_code

    assert sorted(run_together(accept, 2)) == [200, 409]
    assert escrow_held(reference=f"swap:{swap.pk}") == 40
    assert wallet_balance(user=swap.requester) == 60
    ledger_ok()


def test_two_workers_send_each_reminder_once():
    swaps = []
    for hours in (3, 5, 20, 0.5):
        swap = services.swap_create(
            requester=funded_user(0), responder=expert(), scheduled_start=at(hours)
        )
        swaps.append(services.swap_accept(swap=swap, actor=swap.responder))

    results = run_together(lambda index: services.session_reminders_send(), 4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["24h"] for r in results) == 3
    assert sum(r["1h"] for r in results) == 1
    assert Notification.objects.filter(kind="session_reminder_24h").count() == 6
    assert Notification.objects.filter(kind="session_reminder_1h").count() == 2


def test_concurrent_confirm_and_auto_complete_pay_once():
    swap = services.swap_create(
        requester=funded_user(100),
        responder=expert(),
        kind="points",
        points_amount=25,
        scheduled_start=at(30),
    )
    services.swap_accept(swap=swap, actor=swap.responder)
    Swap.objects.filter(pk=swap.pk).update(
        scheduled_start=at(-60),
        scheduled_end=at(-59),
        completion_requested_by=swap.responder,
        completion_requested_at=timezone.now() - dt.timedelta(hours=49),
    )

    def work(index: int):
        if index == 0:
            return services.swap_complete(swap=swap, actor=swap.requester).status
        return services.swaps_auto_complete()

    run_together(work, 2)

    assert Swap.objects.get(pk=swap.pk).status == "completed"
    assert wallet_balance(user=swap.responder) == 25
    assert escrow_held(reference=f"swap:{swap.pk}") == 0
    ledger_ok()


def test_the_database_itself_refuses_overlapping_bookings_of_one_user():
    from django.db import IntegrityError, transaction

    first = services.swap_create(
        requester=funded_user(0), responder=expert(), scheduled_start=at(30)
    )
    second = services.swap_create(
        requester=funded_user(0), responder=first.responder, scheduled_start=at(30.5)
    )
    SessionBooking.objects.create(
        swap=first,
        user=first.responder,
        starts_at=first.scheduled_start,
        ends_at=first.scheduled_end,
    )

    with pytest.raises(IntegrityError, match="exchanges_booking_no_overlap"), transaction.atomic():
        SessionBooking.objects.create(
            swap=second,
            user=first.responder,
            starts_at=second.scheduled_start,
            ends_at=second.scheduled_end,
        )
    # touching ranges ([10:00, 11:00) and [11:00, 12:00)) are fine
    SessionBooking.objects.create(
        swap=second, user=first.responder, starts_at=first.scheduled_end, ends_at=at(32)
    )
