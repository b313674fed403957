"""Starting a purchase: the pending payment, the gateway call, the sandbox's instant credit."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Payment, PaymentEvent, PaymentStatus
from billing.services import (
    GatewayNotAvailable,
    GatewayRefused,
    WalletWouldOverflow,
    credits_purchase,
    payment_cancel,
    purchase_start,
)
from core.exceptions import ValidationFailed
from messaging.models import Notification
from rewards.models import Transfer
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.billing import fakes_stripe
from tests.billing.factories import PackageFactory
from tests.billing.fakes_stripe import INTENT_ID, checkout_session, payment_intent
from tests.rewards.factories import balances

pytestmark = pytest.mark.django_db
fake_stripe = fakes_stripe.fake_stripe


def ledger_clean() -> None:
    call_command("ledger_audit", stdout=StringIO())  # raises CommandError on any mismatch


def test_sandbox_purchase_credits_the_package_at_once_and_notifies():
    # given a member and a package of 100 points
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.00"))

    # when they buy it on the sandbox
    started = purchase_start(user=member, package=package, gateway_name="sandbox")

    # then the payment succeeded, the points are in the wallet once, and the member was told
    payment = started.payment
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.amount == Decimal("10.00")
    assert payment.points == 100
    assert payment.provider_payment_id.startswith("sim_")
    assert payment.transaction_id == payment.provider_payment_id
    assert payment.credited_at is not None
    assert wallet_balance(user=member) == 100
    assert Transfer.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    assert PaymentEvent.objects.filter(payment=payment).count() == 1
    assert list(Notification.objects.filter(recipient=member).values_list("kind", flat=True)) == [
        "payment_succeeded"
    ]
    ledger_clean()


def test_stripe_checkout_start_creates_a_session_with_the_reference_and_an_idempotency_key(
    fake_stripe,
):
    # given Stripe answering a Checkout Session
    member = UserFactory(email="buyer@example.test")
    package = PackageFactory(points=250, price=Decimal("20.00"))
    fake_stripe.answer(
        "POST",
        "/v1/checkout/sessions",
        checkout_session(status="open", payment_status="unpaid", payment_intent=None),
    )

    # when the member starts buying on Stripe
    started = purchase_start(user=member, package=package, gateway_name="stripe")

    # then the payment is pending with the session's id, and Stripe got our reference and amount
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PENDING
    assert payment.provider_payment_id == "cs_test_a1b2c3d4e5f6g7h8i9j0"
    assert started.redirect_url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    (call,) = fake_stripe.calls
    assert call.params["mode"] == "payment"
    assert call.params["client_reference_id"] == f"payment:{payment.pk}"
    assert call.params["metadata[reference]"] == f"payment:{payment.pk}"
    assert call.params["payment_intent_data[metadata][reference]"] == f"payment:{payment.pk}"
    assert call.params["line_items[0][price_data][unit_amount]"] == "2000"
    assert call.params["line_items[0][price_data][currency]"] == "usd"
    assert call.params["customer_email"] == "buyer@example.test"
    assert call.params["success_url"].endswith(f"?payment={payment.pk}")
    assert call.headers["Idempotency-Key"] == f"billing:payment:{payment.pk}:start"
    # and no point moved before Stripe confirms
    assert wallet_balance(user=member) == 0


def test_stripe_client_secret_mode_creates_a_payment_intent(fake_stripe):
    # given Stripe answering a PaymentIntent
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.00"))
    fake_stripe.answer(
        "POST", "/v1/payment_intents", payment_intent(status="requires_payment_method")
    )

    # when the client asks for a client secret
    started = purchase_start(
        user=member, package=package, gateway_name="stripe", want_client_secret=True
    )

    # then it gets the intent's secret, and the payment carries the intent's id
    assert started.client_secret == f"{INTENT_ID}_secret_YrKJUKribcBjcG8HVhfZluoGH"
    assert started.payment.provider_payment_id == INTENT_ID
    (call,) = fake_stripe.calls
    assert call.path == "/v1/payment_intents"
    assert call.params["amount"] == "1000"
    assert call.params["metadata[reference]"] == f"payment:{started.payment.pk}"


def test_stripe_without_keys_is_a_400_not_available_and_writes_nothing(settings):
    # given no Stripe keys
    settings.STRIPE_SECRET_KEY = ""
    member = UserFactory()
    package = PackageFactory()

    # when the member tries Stripe
    with pytest.raises(GatewayNotAvailable) as refused:
        purchase_start(user=member, package=package, gateway_name="stripe")

    # then it is refused on the gateway field and nothing was written
    assert refused.value.status_code == 400
    assert refused.value.code == "gateway_unavailable"
    assert list(refused.value.fields) == ["gateway"]
    assert Payment.objects.count() == 0


def test_a_disabled_gateway_is_not_available(settings):
    # given a deployment offering only Stripe
    settings.BILLING_GATEWAYS = ["stripe"]
    member = UserFactory()

    # when the member asks for the sandbox
    with pytest.raises(GatewayNotAvailable):
        purchase_start(user=member, package=PackageFactory(), gateway_name="sandbox")

    # then nothing was written
    assert Payment.objects.count() == 0


def test_stripe_refusing_marks_the_payment_failed_and_raises_a_member_safe_error(fake_stripe):
    # given Stripe refusing the request
    member = UserFactory()
    fake_stripe.answer(
        "POST",
        "/v1/checkout/sessions",
        {"error": {"type": "invalid_request_error", "message": "secret detail"}},
        status=400,
    )

    # when the member starts buying
    with pytest.raises(GatewayRefused) as refused:
        purchase_start(user=member, package=PackageFactory(), gateway_name="stripe")

    # then the message is ours, not Stripe's, and the payment is failed with nothing credited
    assert "secret detail" not in refused.value.message
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.FAILED
    assert wallet_balance(user=member) == 0


def test_a_purchase_over_the_maximum_balance_is_refused_before_charging(settings):
    # given a maximum balance of 50 points
    settings.WALLET_MAX_BALANCE = 50
    member = UserFactory()
    before = balances()

    # when the member tries to buy 100 points
    with pytest.raises(WalletWouldOverflow) as refused:
        purchase_start(user=member, package=PackageFactory(points=100), gateway_name="sandbox")

    # then a 409 names the limit and nothing changed
    assert refused.value.status_code == 409
    assert "50" in refused.value.message
    assert Payment.objects.count() == 0
    assert balances() == before


def test_the_same_idempotency_key_returns_the_first_payment_and_credits_once():
    # given a purchase made with a key
    member = UserFactory()
    package = PackageFactory(points=100)
    first = purchase_start(
        user=member, package=package, gateway_name="sandbox", idempotency_key="k-1"
    )

    # when it is retried with the same key
    again = purchase_start(
        user=member, package=package, gateway_name="sandbox", idempotency_key="k-1"
    )

    # then it is the same payment, replayed, and the points came once
    assert again.replayed is True
    assert again.payment.pk == first.payment.pk
    assert Payment.objects.count() == 1
    assert wallet_balance(user=member) == 100


def test_an_inactive_package_is_refused():
    member = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        purchase_start(user=member, package=PackageFactory(active=False), gateway_name="sandbox")
    assert refused.value.fields == {"package": ["This package is not on sale."]}
    assert Payment.objects.count() == 0


def test_credits_purchase_at_the_point_price_on_the_card_gateway(settings):
    # given one point costs 1.00 USD and cards go to the sandbox
    settings.BILLING_POINT_PRICE = "1.00"
    settings.BILLING_CARD_GATEWAY = "sandbox"
    member = UserFactory()

    # when seed 003's body buys 10 credits for 10.00
    started = credits_purchase(
        user=member, payment_method="credit_card", amount=Decimal("10.00"), points=10
    )

    # then 10 points arrived through a package-less payment
    assert started.payment.status == PaymentStatus.SUCCEEDED
    assert started.payment.package is None
    assert started.payment.points == 10
    assert wallet_balance(user=member) == 10
    ledger_clean()


def test_credits_purchase_with_a_wrong_amount_is_refused_on_amount(settings):
    settings.BILLING_POINT_PRICE = "1.00"
    member = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        credits_purchase(
            user=member, payment_method="credit_card", amount=Decimal("1.00"), points=10
        )
    assert refused.value.fields == {"amount": ["10 points cost 10.00 USD."]}
    assert Payment.objects.count() == 0


def test_credits_purchase_matching_a_package_buys_that_package():
    member = UserFactory()
    package = PackageFactory(points=120, price=Decimal("10.00"))
    started = credits_purchase(
        user=member, payment_method="sandbox", amount=Decimal("10.00"), points=120
    )
    assert started.payment.package == package
    assert wallet_balance(user=member) == 120


def test_payment_cancel_cancels_a_pending_payment_only(fake_stripe):
    # given a pending Stripe payment
    member = UserFactory()
    fake_stripe.answer(
        "POST", "/v1/checkout/sessions", checkout_session(status="open", payment_status="unpaid")
    )
    payment = purchase_start(user=member, package=PackageFactory(), gateway_name="stripe").payment

    # when the member comes back through the cancel page
    cancelled = payment_cancel(payment=payment, user=member)

    # then it is cancelled
    assert cancelled.status == PaymentStatus.CANCELLED


def test_a_replay_is_answered_even_when_the_first_purchase_filled_the_wallet(settings):
    # given a maximum balance of 150 and a purchase of 100 points made with a key
    settings.WALLET_MAX_BALANCE = 150
    member = UserFactory()
    package = PackageFactory(points=100)
    first = purchase_start(
        user=member, package=package, gateway_name="sandbox", idempotency_key="k-full"
    )

    # when the client retries with the same key
    again = purchase_start(
        user=member, package=package, gateway_name="sandbox", idempotency_key="k-full"
    )

    # then it gets the first payment back instead of a refusal, and nothing moved twice
    assert again.replayed is True
    assert again.payment.pk == first.payment.pk
    assert wallet_balance(user=member) == 100
