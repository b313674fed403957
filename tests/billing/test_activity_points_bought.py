"""Points bought count when the gateway confirms the payment; refunds take their share back."""

from __future__ import annotations

import pytest

from billing import selectors
from billing.models import PaymentStatus
from rewards.models import ActivityCounter, ActivityEvent
from rewards.services import points_transfer
from tests.accounts.factories import UserFactory
from tests.billing import fakes_stripe
from tests.billing.fakes_stripe import charge, event, payment_intent
from tests.billing.test_webhooks import completed, deliver, pending

pytestmark = pytest.mark.django_db
fake_stripe = fakes_stripe.fake_stripe


def bought(user) -> int | None:
    return (
        ActivityCounter.objects.filter(user=user, counter="points_bought")
        .values_list("value", flat=True)
        .first()
    )


def test_a_confirmed_payment_counts_its_points_once_and_refunds_take_their_share_back(
    fake_stripe,
):
    # given a payment of 100 points confirmed twice
    payment = pending()
    deliver(completed(payment))
    deliver(completed(payment, event_id="evt_completed_again"))
    assert bought(payment.user) == 100

    # when a quarter is refunded (delivered twice), then the member spends 70, then the rest is
    # refunded (30 come back from the wallet, 45 are a shortfall)
    quarter = event("charge.refunded", charge(amount_refunded=250), event_id="evt_refund_1")
    deliver(quarter)
    deliver(quarter)
    assert bought(payment.user) == 75
    points_transfer(source=payment.user, target=UserFactory(), amount=45, reason="tip")
    deliver(event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund_2"))

    # then nothing of the purchase counts any more, and the truth agrees
    assert bought(payment.user) == 0
    assert sorted(
        ActivityEvent.objects.filter(user=payment.user).values_list("source", "amount")
    ) == [
        (payment.reference, 100),
        (f"{payment.reference}:reversed:0", -25),
        (f"{payment.reference}:reversed:25", -75),
    ]
    assert selectors.activity_points_bought() == {payment.user_id: 0}


def test_a_failed_payment_counts_nothing(fake_stripe):
    # given
    payment = pending()

    # when the provider reports the card declined
    deliver(
        event(
            "payment_intent.payment_failed",
            payment_intent(
                reference=payment.reference,
                status="requires_payment_method",
                error_message="Your card was declined.",
            ),
            event_id="evt_failed",
        )
    )

    # then
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert bought(payment.user) is None
    assert selectors.activity_points_bought() == {}


def test_a_refund_arriving_before_the_success_counts_the_credit_and_takes_it_back(fake_stripe):
    # given a pending payment
    payment = pending()

    # when the provider's full refund names it before any success event
    deliver(
        event(
            "charge.refunded",
            charge(amount_refunded=1000, reference=payment.reference),
            event_id="evt_refund_first",
        )
    )

    # then the credit and its reversal were both counted: nothing bought
    payment.refresh_from_db()
    assert (payment.status, payment.points_reversed) == (PaymentStatus.REFUNDED, 100)
    assert bought(payment.user) == 0
    assert sorted(
        ActivityEvent.objects.filter(user=payment.user).values_list("source", "amount")
    ) == [(payment.reference, 100), (f"{payment.reference}:reversed:0", -100)]
