"""Stripe webhooks: verified as Stripe signs them, applied exactly once in any order."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Payment, PaymentEvent, PaymentStatus
from billing.services import SignatureRefused, webhook_receive
from messaging.models import Notification
from rewards.models import Reason, Transfer
from rewards.selectors import wallet_balance
from tests.billing import fakes_stripe
from tests.billing.factories import PaymentFactory
from tests.billing.fakes_stripe import (
    INTENT_ID,
    RECEIPT_URL,
    charge,
    checkout_session,
    dispute,
    event,
    payment_intent,
    signed,
)
from tests.rewards.factories import balances

pytestmark = pytest.mark.django_db
fake_stripe = fakes_stripe.fake_stripe


def ledger_clean() -> None:
    call_command("ledger_audit", stdout=StringIO())


def pending(**fields) -> Payment:
    return PaymentFactory(
        gateway="stripe", provider_payment_id="cs_test_a1b2c3d4e5f6g7h8i9j0", **fields
    )


def deliver(body: dict, **kwargs) -> int:
    raw, headers = signed(body, **kwargs)
    return webhook_receive(gateway_name="stripe", body=raw, headers=headers)


def completed(payment: Payment, event_id: str = "evt_completed") -> dict:
    return event(
        "checkout.session.completed",
        checkout_session(reference=payment.reference, amount_total=1000),
        event_id=event_id,
    )


def credits_of(payment: Payment) -> int:
    return Transfer.objects.filter(reference=payment.reference, reason=Reason.PURCHASE).count()


def test_checkout_session_completed_credits_the_points_and_records_the_intent(fake_stripe):
    # given a pending Stripe payment of 100 points
    payment = pending()

    # when Stripe reports the session completed
    applied = deliver(completed(payment))

    # then the payment succeeded, the points arrived, the member was told
    assert applied == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.provider_intent_id == INTENT_ID
    assert payment.transaction_id == INTENT_ID
    assert wallet_balance(user=payment.user) == 100
    assert credits_of(payment) == 1
    assert Notification.objects.get(recipient=payment.user).kind == "payment_succeeded"
    stored = PaymentEvent.objects.get()
    assert (stored.event_id, stored.type, stored.payment_id) == (
        "evt_completed",
        "payment.succeeded",
        payment.pk,
    )
    ledger_clean()


def test_the_same_event_delivered_ten_times_credits_once(fake_stripe):
    # given a pending payment
    payment = pending()
    body = completed(payment)

    # when Stripe delivers the event ten times
    applied = [deliver(body) for _ in range(10)]

    # then only the first applied, and the points came once
    assert applied == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert wallet_balance(user=payment.user) == 100
    assert credits_of(payment) == 1
    assert PaymentEvent.objects.count() == 1
    ledger_clean()


def test_every_success_event_of_one_payment_credits_once(fake_stripe):
    # given a pending payment
    payment = pending()

    # when Stripe sends the three events of one successful payment, charge first
    deliver(event("charge.succeeded", charge(reference=payment.reference), event_id="evt_ch"))
    deliver(
        event(
            "payment_intent.succeeded",
            payment_intent(reference=payment.reference),
            event_id="evt_pi",
        )
    )
    deliver(completed(payment))

    # then one credit, and the receipt of the charge was kept
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.receipt_url == RECEIPT_URL
    assert credits_of(payment) == 1
    assert wallet_balance(user=payment.user) == 100
    assert PaymentEvent.objects.count() == 3
    ledger_clean()


def test_a_succeeded_after_a_full_refund_does_not_credit_again(fake_stripe):
    # given a pending payment whose refund arrives before its success (out of order)
    payment = pending()
    deliver(
        event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund"),
    )

    # when the success arrives afterwards
    deliver(completed(payment))

    # then the payment is refunded and the member holds no points from it
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == Decimal("10.00")
    assert wallet_balance(user=payment.user) == 0
    assert credits_of(payment) == 1  # the one credit, taken back in full
    assert payment.points_reversed == 100
    ledger_clean()


def test_a_bad_signature_changes_nothing(fake_stripe):
    # given a pending payment and its completion signed with another secret
    payment = pending()
    raw, headers = signed(completed(payment), secret="whsec_someone_else")
    before = balances()

    # when it is delivered
    with pytest.raises(SignatureRefused) as refused:
        webhook_receive(gateway_name="stripe", body=raw, headers=headers)

    # then it is a 400 and nothing changed
    assert refused.value.status_code == 400
    assert PaymentEvent.objects.count() == 0
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert balances() == before


def test_a_stale_timestamp_changes_nothing(fake_stripe):
    # given a completion signed ten minutes ago (tolerance 5 minutes)
    payment = pending()
    raw, headers = signed(completed(payment), timestamp=int(time.time()) - 600)

    # when it is delivered
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="stripe", body=raw, headers=headers)

    # then nothing changed
    assert PaymentEvent.objects.count() == 0
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert wallet_balance(user=payment.user) == 0


def test_a_body_changed_after_signing_changes_nothing(fake_stripe):
    # given a signed completion whose body is then altered (another amount)
    payment = pending()
    raw, headers = signed(completed(payment))
    tampered = raw.replace(b'"amount_total": 1000', b'"amount_total": 9000')
    assert tampered != raw

    # when the altered body is delivered
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="stripe", body=tampered, headers=headers)

    # then nothing changed
    assert PaymentEvent.objects.count() == 0
    assert wallet_balance(user=payment.user) == 0


def test_a_missing_signature_header_changes_nothing(fake_stripe):
    payment = pending()
    raw = json.dumps(completed(payment)).encode()
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="stripe", body=raw, headers={})
    assert PaymentEvent.objects.count() == 0


def test_without_a_webhook_secret_every_stripe_delivery_is_refused(fake_stripe, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payment = pending()
    raw, headers = signed(completed(payment))
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="stripe", body=raw, headers=headers)
    assert PaymentEvent.objects.count() == 0


def test_a_declined_payment_fails_and_tells_the_member_why(fake_stripe):
    # given a pending payment
    payment = pending()

    # when Stripe reports the card declined
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

    # then the payment failed with Stripe's customer-facing reason, and no point moved
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_reason == "Your card was declined."
    assert wallet_balance(user=payment.user) == 0
    notification = Notification.objects.get(recipient=payment.user)
    assert notification.kind == "payment_failed"
    assert "Your card was declined." in notification.body


def test_an_expired_session_cancels_the_payment(fake_stripe):
    payment = pending()
    deliver(
        event(
            "checkout.session.expired",
            checkout_session(
                reference=payment.reference, status="expired", payment_status="unpaid"
            ),
            event_id="evt_expired",
        )
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert Notification.objects.filter(recipient=payment.user).count() == 0


def test_a_failure_after_the_success_changes_nothing(fake_stripe):
    payment = pending()
    deliver(completed(payment))
    deliver(
        event(
            "payment_intent.payment_failed",
            payment_intent(reference=payment.reference, status="requires_payment_method"),
            event_id="evt_failed_late",
        )
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert wallet_balance(user=payment.user) == 100


def test_a_partial_refund_takes_back_its_share_of_the_points(fake_stripe):
    # given a succeeded payment of 100 points for 10.00
    payment = pending()
    deliver(completed(payment))

    # when 2.50 is refunded (Stripe sends the charge's total refunded), twice
    body = event("charge.refunded", charge(amount_refunded=250), event_id="evt_refund_1")
    deliver(body)
    deliver(body)

    # then 25 points went back, once
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert payment.refunded_amount == Decimal("2.50")
    assert payment.points_reversed == 25
    assert wallet_balance(user=payment.user) == 75

    # and when the rest is refunded
    deliver(event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund_2"))

    # then every point is back
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.points_reversed == 100
    assert wallet_balance(user=payment.user) == 0
    ledger_clean()


def test_a_refund_after_the_points_were_spent_records_a_shortfall(fake_stripe):
    # given a succeeded payment whose member then spent 70 of the 100 points
    from rewards.services import points_transfer
    from tests.accounts.factories import UserFactory

    payment = pending()
    deliver(completed(payment))
    points_transfer(source=payment.user, target=UserFactory(), amount=70, reason="tip")

    # when the whole payment is refunded
    deliver(event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund"))

    # then the 30 points left were taken, 70 are a shortfall, the wallet is at zero, not below
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.points_reversed == 30
    assert payment.shortfall_points == 70
    assert payment.shortfall_open is True
    assert wallet_balance(user=payment.user) == 0
    ledger_clean()


def test_a_chargeback_takes_every_point_back(fake_stripe):
    # given a succeeded payment
    payment = pending()
    deliver(completed(payment))

    # when the member disputes the charge (delivered twice)
    body = event("charge.dispute.created", dispute(), event_id="evt_dispute")
    deliver(body)
    deliver(body)

    # then the payment is charged back and the points are gone, once
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CHARGED_BACK
    assert payment.points_reversed == 100
    assert wallet_balance(user=payment.user) == 0

    # and the member was told once, with the money and the points
    told = Notification.objects.filter(recipient=payment.user, kind="payment_refunded")
    assert [(n.related_id, n.body) for n in told] == [
        (
            payment.pk,
            f"{payment.amount} {payment.currency} of your payment came back to you; "
            "100 points were taken back.",
        )
    ]

    # and a refund event of the same money afterwards takes nothing more, and tells nothing more
    deliver(event("charge.refunded", charge(amount_refunded=1000), event_id="evt_refund"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CHARGED_BACK
    assert payment.points_reversed == 100
    assert told.count() == 1
    ledger_clean()


def test_an_event_for_no_known_payment_is_recorded_and_changes_nothing(fake_stripe):
    before = balances()
    applied = deliver(
        event(
            "checkout.session.completed",
            checkout_session(session_id="cs_test_unknown", reference="payment:999999"),
            event_id="evt_orphan",
        )
    )
    assert applied == 1
    assert PaymentEvent.objects.get().payment is None
    assert balances() == before


def test_an_event_type_we_do_not_handle_is_recorded_as_ignored(fake_stripe):
    deliver(event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_x"))
    assert PaymentEvent.objects.get().type == "ignored"


def test_an_unknown_gateway_is_not_found():
    from core.exceptions import NotFound

    with pytest.raises(NotFound):
        webhook_receive(gateway_name="bitcoin", body=b"{}", headers={})


def test_subscription_events_go_to_the_subscriptions_once(fake_stripe, monkeypatch):
    # given the subscriptions' entry point, recording what it is handed
    from billing import subscriptions

    handed = []
    monkeypatch.setattr(
        subscriptions, "subscription_event_apply", lambda *, event: handed.append(event)
    )
    subscription = {
        "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
        "object": "subscription",
        "customer": "cus_Na6dX7aXxi11N4",
        "status": "active",
        "cancel_at_period_end": False,
        "metadata": {},
        "items": {"object": "list", "data": []},
    }
    body = event("customer.subscription.updated", subscription, event_id="evt_sub")

    # when Stripe delivers it twice
    applied = [deliver(body), deliver(body)]

    # then the subscriptions got it once, normalised, and it is recorded as processed
    assert applied == [1, 0]
    assert [(e.type, e.subscription["id"]) for e in handed] == [
        ("subscription.updated", "sub_1MowQVLkdIwHu7ixeRlqHVzs")
    ]
    stored = PaymentEvent.objects.get()
    assert stored.processed_at is not None
    assert stored.payment is None
