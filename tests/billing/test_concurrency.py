"""Webhooks delivered concurrently on PostgreSQL: real threads behind a barrier, real locks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import PaymentEvent, PaymentStatus
from billing.services import webhook_receive
from rewards.models import Reason, Transfer
from rewards.selectors import wallet_balance
from tests.billing import fakes_stripe
from tests.billing.factories import PaymentFactory
from tests.billing.fakes_stripe import charge, checkout_session, event, payment_intent, signed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
fake_stripe = fakes_stripe.fake_stripe


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results


def test_a_recorded_checkout_completed_replayed_ten_times_in_parallel_credits_once(fake_stripe):
    # given a pending payment and Stripe's checkout.session.completed for it, signed once
    payment = PaymentFactory(gateway="stripe", provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0")
    raw, headers = signed(
        event(
            "checkout.session.completed",
            checkout_session(reference=payment.reference),
            event_id="evt_1NG8Du2eZvKYlo2CUI79vXWy",
        )
    )

    # when ten deliveries of it arrive at the same moment
    results = in_parallel(
        10, lambda _i: webhook_receive(gateway_name="stripe", body=raw, headers=headers)
    )

    # then exactly one applied it, none failed, and the points came once
    assert sorted(results) == [0] * 9 + [1]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert wallet_balance(user=payment.user) == 100
    assert Transfer.objects.filter(reference=payment.reference, reason=Reason.PURCHASE).count() == 1
    assert PaymentEvent.objects.count() == 1
    call_command("ledger_audit", stdout=StringIO())


def test_different_success_events_of_one_payment_in_parallel_credit_once(fake_stripe):
    # given a pending payment and ten distinct events that each say it succeeded
    payment = PaymentFactory(gateway="stripe", provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0")
    bodies = []
    for index in range(10):
        if index % 3 == 0:
            body = event(
                "checkout.session.completed",
                checkout_session(reference=payment.reference),
                event_id=f"evt_cs_{index}",
            )
        elif index % 3 == 1:
            body = event(
                "payment_intent.succeeded",
                payment_intent(reference=payment.reference),
                event_id=f"evt_pi_{index}",
            )
        else:
            body = event("charge.succeeded", charge(), event_id=f"evt_ch_{index}")
        bodies.append(signed(body))

    # when they all arrive at once (the charge events name only the PaymentIntent)
    results = in_parallel(
        10,
        lambda i: webhook_receive(gateway_name="stripe", body=bodies[i][0], headers=bodies[i][1]),
    )

    # then every event was recorded, none failed, and the points came once
    assert not [result for result in results if isinstance(result, Exception)]
    assert Transfer.objects.filter(reference=payment.reference, reason=Reason.PURCHASE).count() == 1
    assert wallet_balance(user=payment.user) == 100
    call_command("ledger_audit", stdout=StringIO())


def test_refund_and_success_racing_leave_the_ledger_exact(fake_stripe):
    # given a pending payment, its success and its full refund arriving together, five times each
    payment = PaymentFactory(gateway="stripe", provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0")
    success = signed(
        event(
            "checkout.session.completed",
            checkout_session(reference=payment.reference),
            event_id="evt_success",
        )
    )
    refund = signed(event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund"))

    # when ten threads deliver them interleaved
    results = in_parallel(
        10,
        lambda i: webhook_receive(
            gateway_name="stripe",
            body=(success if i % 2 else refund)[0],
            headers=(success if i % 2 else refund)[1],
        ),
    )

    # then each event applied once and the member holds nothing from a refunded payment
    assert sorted(results) == [0] * 8 + [1, 1]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert wallet_balance(user=payment.user) == 0
    assert Transfer.objects.filter(reference=payment.reference, reason=Reason.PURCHASE).count() == 1
    call_command("ledger_audit", stdout=StringIO())
