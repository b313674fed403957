"""Stripe Billing and the sandbox's subscriptions, at the gateway boundary (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from billing.gateways.base import GatewayError
from billing.gateways.stripe_billing import (
    CheckoutSubscriptionRequest,
    SandboxBilling,
    StripeBilling,
    SubscriptionRequest,
)
from tests.billing.test_subscription_fakes import (
    CLIENT_SECRET,
    PERIOD_END,
    PRICE_MONTHLY,
    fake_stripe_fixture,  # noqa: F401 (fixture "fake_stripe")
    stripe_subscription,
)

REQUEST = SubscriptionRequest(
    reference="subscription:7",
    price_id=PRICE_MONTHLY,
    interval="month",
    customer_id="",
    customer_email="ann@example.test",
    customer_name="Ann Lee",
    idempotency_key="subscription:7",
    payment_method_id="pm_1234567890",
)


def test_stripe_start_creates_customer_attaches_the_card_and_an_incomplete_subscription(
    fake_stripe,
):
    # given
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_Na6dX7aXxi11N4", "object": "customer"})
    fake_stripe.answer(
        "POST",
        "/v1/payment_methods/pm_1234567890/attach",
        {"id": "pm_1234567890", "object": "payment_method", "customer": "cus_Na6dX7aXxi11N4"},
    )
    fake_stripe.answer("POST", "/v1/subscriptions", stripe_subscription(reference="subscription:7"))

    # when
    state = StripeBilling().subscription_start(REQUEST)

    # then
    assert state.provider_subscription_id == "sub_1MowQVLkdIwHu7ixeRlqHVzs"
    assert state.provider_customer_id == "cus_Na6dX7aXxi11N4"
    assert state.status == "incomplete"
    assert state.current_period_end == dt.datetime.fromtimestamp(PERIOD_END, tz=dt.UTC)
    assert state.cancel_at_period_end is False
    assert state.client_secret == CLIENT_SECRET
    customer, attach, subscription = fake_stripe.calls
    assert (customer.path, customer.params) == (
        "/v1/customers",
        {
            "email": "ann@example.test",
            "name": "Ann Lee",
            "metadata[reference]": "subscription:7",
        },
    )
    assert customer.headers["Idempotency-Key"] == "subscription:7:customer"
    assert attach.params == {"customer": "cus_Na6dX7aXxi11N4"}
    assert subscription.params == {
        "customer": "cus_Na6dX7aXxi11N4",
        "items[0][price]": PRICE_MONTHLY,
        "payment_behavior": "default_incomplete",
        "payment_settings[save_default_payment_method]": "on_subscription",
        "metadata[reference]": "subscription:7",
        "expand[0]": "latest_invoice.confirmation_secret",
        "default_payment_method": "pm_1234567890",
    }
    assert subscription.headers["Idempotency-Key"] == "subscription:7:subscription"
    assert subscription.headers["Authorization"] == "Bearer sk_test_subscriptions"


def test_stripe_start_reuses_the_members_customer(fake_stripe):
    # given
    fake_stripe.answer("POST", "/v1/subscriptions", stripe_subscription())
    request = SubscriptionRequest(
        **{**REQUEST.__dict__, "customer_id": "cus_OLD", "payment_method_id": ""}
    )

    # when
    StripeBilling().subscription_start(request)

    # then
    (subscription,) = fake_stripe.calls
    assert subscription.params["customer"] == "cus_OLD"
    assert "default_payment_method" not in subscription.params


def test_stripe_start_reads_an_older_apis_payment_intent_secret(fake_stripe):
    # given: before 2025-03-31 the secret sat on latest_invoice.payment_intent
    body = stripe_subscription()
    body["latest_invoice"] = {
        "id": "in_1",
        "object": "invoice",
        "payment_intent": {"id": "pi_1", "object": "payment_intent", "client_secret": "pi_1_s"},
    }
    body["current_period_end"] = PERIOD_END
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_1", "object": "customer"})
    fake_stripe.answer("POST", "/v1/payment_methods/pm_1234567890/attach", {"id": "pm_1"})
    fake_stripe.answer("POST", "/v1/subscriptions", body)

    # when
    state = StripeBilling().subscription_start(REQUEST)

    # then
    assert state.client_secret == "pi_1_s"


def test_a_declined_card_is_a_gateway_error_with_stripes_message(fake_stripe):
    # given
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_1", "object": "customer"})
    fake_stripe.answer(
        "POST",
        "/v1/payment_methods/pm_1234567890/attach",
        {
            "error": {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "param": "",
            }
        },
        status=402,
    )

    # when / then
    with pytest.raises(GatewayError, match="Your card was declined."):
        StripeBilling().subscription_start(REQUEST)


def test_an_unknown_payment_method_is_a_gateway_error_without_stripes_internals(fake_stripe):
    # given
    fake_stripe.answer("POST", "/v1/customers", {"id": "cus_1", "object": "customer"})
    fake_stripe.answer(
        "POST",
        "/v1/payment_methods/pm_1234567890/attach",
        {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": "No such PaymentMethod: 'pm_1234567890'",
                "param": "payment_method",
            }
        },
        status=400,
    )

    # when / then
    with pytest.raises(GatewayError) as refused:
        StripeBilling().subscription_start(REQUEST)
    assert "pm_1234567890" not in str(refused.value)


def test_stripe_without_keys_is_unavailable_and_refuses(settings):
    settings.STRIPE_SECRET_KEY = ""

    assert StripeBilling().available() is False
    with pytest.raises(GatewayError):
        StripeBilling().subscription_start(REQUEST)


def test_stripe_cancel_asks_for_cancel_at_period_end(fake_stripe):
    # given
    fake_stripe.answer(
        "POST",
        "/v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs",
        stripe_subscription(status="active", cancel_at_period_end=True),
    )

    # when
    state = StripeBilling().subscription_cancel(
        provider_subscription_id="sub_1MowQVLkdIwHu7ixeRlqHVzs",
        idempotency_key="subscription:7:cancel",
    )

    # then
    assert (state.status, state.cancel_at_period_end) == ("active", True)
    (call,) = fake_stripe.calls
    assert call.params == {"cancel_at_period_end": "true"}
    assert call.headers["Idempotency-Key"] == "subscription:7:cancel"


def test_stripe_checkout_in_subscription_mode_carries_the_reference(fake_stripe):
    # given
    fake_stripe.answer(
        "POST",
        "/v1/checkout/sessions",
        {
            "id": "cs_test_a1",
            "object": "checkout.session",
            "mode": "subscription",
            "url": "https://checkout.stripe.com/c/pay/cs_test_a1",
        },
    )

    # when
    url = StripeBilling().checkout_start(
        CheckoutSubscriptionRequest(
            reference="subscription:9",
            price_id=PRICE_MONTHLY,
            customer_id="",
            customer_email="ann@example.test",
            success_url="https://site.test/en/me/billing/?subscribed=1",
            cancel_url="https://site.test/en/me/billing/",
            idempotency_key="subscription:9",
        )
    )

    # then
    assert url == "https://checkout.stripe.com/c/pay/cs_test_a1"
    (call,) = fake_stripe.calls
    assert call.params["mode"] == "subscription"
    assert call.params["line_items[0][price]"] == PRICE_MONTHLY
    assert call.params["subscription_data[metadata][reference]"] == "subscription:9"
    assert call.params["customer_email"] == "ann@example.test"


def test_the_sandbox_is_active_at_once_for_one_period():
    before = dt.datetime.now(dt.UTC)

    state = SandboxBilling().subscription_start(
        SubscriptionRequest(**{**REQUEST.__dict__, "interval": "year"})
    )

    assert state.status == "active"
    assert state.provider_subscription_id.startswith("sandbox_sub_")
    assert state.client_secret == ""
    assert dt.timedelta(days=364) < state.current_period_end - before < dt.timedelta(days=366)
