"""Staff refunds through the gateway: the points come back once, even when the webhook follows."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import PaymentStatus, Refund
from billing.services import (
    GatewayRefused,
    payment_refund,
    payment_shortfall_resolve,
    purchase_start,
    webhook_receive,
)
from core.exceptions import Conflict, Forbidden, ValidationFailed
from messaging.models import Notification
from rewards.selectors import wallet_balance
from rewards.services import points_transfer
from tests.accounts.factories import UserFactory
from tests.billing import fakes_stripe
from tests.billing.factories import PackageFactory, PaymentFactory
from tests.billing.fakes_stripe import (
    INTENT_ID,
    charge,
    checkout_session,
    event,
    refund_object,
    signed,
)
from tests.rewards.factories import balances, granter

pytestmark = pytest.mark.django_db
fake_stripe = fakes_stripe.fake_stripe


def ledger_clean() -> None:
    call_command("ledger_audit", stdout=StringIO())


def stripe_paid():
    payment = PaymentFactory(gateway="stripe", provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0")
    raw, headers = signed(
        event(
            "checkout.session.completed",
            checkout_session(reference=payment.reference),
            event_id="evt_paid",
        )
    )
    webhook_receive(gateway_name="stripe", body=raw, headers=headers)
    payment.refresh_from_db()
    return payment


def test_staff_refund_goes_through_stripe_and_takes_the_points_back_once(fake_stripe):
    # given a paid Stripe payment of 100 points, and Stripe accepting a refund
    payment = stripe_paid()
    fake_stripe.answer("POST", "/v1/refunds", refund_object(amount=400))

    # when staff refund 4.00 of it
    refund = payment_refund(payment=payment, amount=Decimal("4.00"), by=granter())

    # then Stripe was asked on the PaymentIntent with an idempotency key
    (call,) = fake_stripe.calls
    assert call.params == {"payment_intent": INTENT_ID, "amount": "400"}
    assert call.headers["Idempotency-Key"] == f"billing:refund:{refund.pk}"
    # and 40 points came back
    payment.refresh_from_db()
    assert refund.status == "succeeded"
    assert refund.provider_refund_id == "re_3MtwBwLkdIwHu7ix0Xd3Jg7E"
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded_amount == Decimal("4.00")
    assert payment.points_reversed == 40
    assert wallet_balance(user=payment.user) == 60

    # and when Stripe's webhook for that same refund arrives
    raw, headers = signed(
        event("charge.refunded", charge(amount_refunded=400), event_id="evt_refund")
    )
    webhook_receive(gateway_name="stripe", body=raw, headers=headers)

    # then nothing more is taken
    payment.refresh_from_db()
    assert payment.points_reversed == 40
    assert wallet_balance(user=payment.user) == 60
    ledger_clean()
    # and the member was told of the refund once
    told = Notification.objects.filter(recipient=payment.user, kind="payment_refunded")
    assert [n.body for n in told] == [
        "4.00 USD of your payment came back to you; 40 points were taken back."
    ]


def test_staff_refund_of_a_sandbox_purchase_after_spending_records_the_shortfall():
    # given a sandbox purchase of 100 points, 90 of them spent
    member = UserFactory()
    payment = purchase_start(
        user=member, package=PackageFactory(points=100), gateway_name="sandbox"
    ).payment
    points_transfer(source=member, target=UserFactory(), amount=90, reason="tip")

    # when staff refund all of it
    payment_refund(payment=payment, by=granter())

    # then 10 points were taken, 90 are a shortfall, the wallet is empty, not negative
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.points_reversed == 10
    assert payment.shortfall_points == 90
    assert wallet_balance(user=member) == 0
    ledger_clean()

    # and when staff mark the shortfall resolved, it leaves the flagged list
    payment_shortfall_resolve(payment=payment, by=granter())
    payment.refresh_from_db()
    assert payment.shortfall_open is False


def test_a_member_cannot_refund():
    member = UserFactory()
    payment = purchase_start(user=member, package=PackageFactory(), gateway_name="sandbox").payment
    before = balances()
    with pytest.raises(Forbidden):
        payment_refund(payment=payment, by=member)
    assert Refund.objects.count() == 0
    assert balances() == before


def test_refunding_more_than_is_left_is_refused():
    member = UserFactory()
    payment = purchase_start(
        user=member, package=PackageFactory(price=Decimal("10.00")), gateway_name="sandbox"
    ).payment
    payment_refund(payment=payment, amount=Decimal("6.00"), by=granter())
    before = balances()
    with pytest.raises(ValidationFailed) as refused:
        payment_refund(payment=payment, amount=Decimal("5.00"), by=granter())
    assert refused.value.fields == {"amount": ["Refund more than 0 and at most 4.00 USD."]}
    assert Refund.objects.count() == 1
    assert balances() == before


def test_a_pending_payment_cannot_be_refunded():
    payment = PaymentFactory(gateway="sandbox")
    with pytest.raises(Conflict):
        payment_refund(payment=payment, by=granter())
    assert Refund.objects.count() == 0


def test_a_refund_stripe_refuses_changes_nothing(fake_stripe):
    payment = stripe_paid()
    fake_stripe.answer(
        "POST",
        "/v1/refunds",
        {"error": {"type": "invalid_request_error", "code": "charge_already_refunded"}},
        status=400,
    )
    before = balances()
    with pytest.raises(GatewayRefused):
        payment_refund(payment=payment, by=granter())
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.refunded_amount == Decimal("0.00")
    assert Refund.objects.get().status == "failed"
    assert balances() == before
