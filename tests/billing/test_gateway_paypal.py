"""The PayPal gateway against a fake PayPal at the HTTP transport (fakes_paypal.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from billing.gateways import base
from billing.gateways.base import CheckoutRequest, GatewayError, SignatureInvalid
from billing.gateways.paypal import GATEWAY, approval_link
from tests.billing.fakes_paypal import BASE, FakePayPal


@pytest.fixture
def paypal(settings):
    settings.BILLING_HTTP_RETRIES = 2
    fake = FakePayPal()
    with fake.installed(settings):
        yield fake


def checkout(**overrides) -> CheckoutRequest:
    values = {
        "reference": "payment:7",
        "amount": Decimal("10.50"),
        "currency": "USD",
        "description": "Starter pack: 100 points",
        "customer_email": "huda@example.com",
        "customer_name": "Huda Ali",
        "success_url": "https://skillswap.example/en/wallet/buy/done/?payment=7",
        "cancel_url": "https://skillswap.example/en/wallet/buy/cancelled/?payment=7",
        "idempotency_key": "payment:7:checkout",
    }
    values.update(overrides)
    return CheckoutRequest(**values)


def paid_order(paypal: FakePayPal) -> tuple[str, str]:
    """An order created through the gateway, approved, and captured: (order id, capture id)."""
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    GATEWAY.webhook_parse(**delivery(paypal, paypal.approve(order_id)))
    capture_id = paypal.orders[order_id]["purchase_units"][0]["payments"]["captures"][0]["id"]
    return order_id, capture_id


def delivery(paypal: FakePayPal, event) -> dict:
    body, headers = paypal.sign(event)
    return {"body": body, "headers": headers}


# --- configuration ---


@pytest.mark.parametrize(
    "missing", ["PAYPAL_CLIENT_ID", "PAYPAL_CLIENT_SECRET", "PAYPAL_WEBHOOK_ID"]
)
def test_available_needs_every_key(paypal, settings, missing):
    # given every key but one
    setattr(settings, missing, "")

    # then
    assert GATEWAY.available() is False


def test_available_with_every_key(paypal):
    assert GATEWAY.available() is True


def test_checkout_without_keys_is_refused_without_calling_paypal(paypal, settings):
    # given
    settings.PAYPAL_CLIENT_SECRET = ""

    # when / then
    with pytest.raises(base.GatewayUnavailable):
        GATEWAY.checkout_start(checkout())
    assert paypal.requests == []


# --- checkout ---


def test_checkout_sends_the_orders_v2_body_and_answers_the_payer_action_link(paypal):
    # when
    start = GATEWAY.checkout_start(checkout())

    # then: a client-credentials token first
    token_call = paypal.calls("POST", "/v1/oauth2/token")[0]
    assert token_call.content == b"grant_type=client_credentials"
    assert token_call.headers["Authorization"].startswith("Basic ")
    # then: the order, exactly as PayPal expects it
    create = paypal.calls("POST", "/v2/checkout/orders")[0]
    assert json.loads(create.content) == {
        "intent": "CAPTURE",
        "purchase_units": [
            {
                "reference_id": "payment:7",
                "custom_id": "payment:7",
                "description": "Starter pack: 100 points",
                "amount": {"currency_code": "USD", "value": "10.50"},
            }
        ],
        "payment_source": {
            "paypal": {
                "experience_context": {
                    "return_url": "https://skillswap.example/en/wallet/buy/done/?payment=7",
                    "cancel_url": "https://skillswap.example/en/wallet/buy/cancelled/?payment=7",
                    "user_action": "PAY_NOW",
                    "shipping_preference": "NO_SHIPPING",
                },
                "email_address": "huda@example.com",
            }
        },
    }
    assert create.headers["PayPal-Request-Id"] == "payment:7:checkout"
    assert create.headers["Authorization"].startswith("Bearer A21AA")
    assert create.headers["Content-Type"] == "application/json"
    # then: the member is sent to the payer-action link
    assert start.provider_payment_id in paypal.orders
    assert start.redirect_url == (
        f"https://www.sandbox.paypal.com/checkoutnow?token={start.provider_payment_id}"
    )
    assert start.client_secret == ""
    assert start.confirmed is False


def test_approval_link_takes_approve_when_there_is_no_payer_action():
    # given an answer to an order created without payment_source (older integrations)
    order = {
        "id": "5O190127TN364715T",
        "status": "CREATED",
        "links": [
            {
                "href": f"{BASE}/v2/checkout/orders/5O190127TN364715T",
                "rel": "self",
                "method": "GET",
            },
            {
                "href": "https://www.paypal.com/checkoutnow?token=5O190127TN364715T",
                "rel": "approve",
                "method": "GET",
            },
            {
                "href": f"{BASE}/v2/checkout/orders/5O190127TN364715T",
                "rel": "update",
                "method": "PATCH",
            },
        ],
    }

    # then
    assert approval_link(order) == "https://www.paypal.com/checkoutnow?token=5O190127TN364715T"
    assert approval_link({"links": [{"rel": "approve", "href": "http://evil.example/"}]}) == ""
    assert approval_link({}) == ""


def test_the_access_token_is_reused_until_it_expires(paypal):
    # when
    GATEWAY.checkout_start(checkout(reference="payment:1", idempotency_key="k1"))
    GATEWAY.checkout_start(checkout(reference="payment:2", idempotency_key="k2"))

    # then
    assert len(paypal.calls("POST", "/v1/oauth2/token")) == 1
    assert len(paypal.calls("POST", "/v2/checkout/orders")) == 2


def test_a_revoked_token_is_renewed_once(paypal):
    # given a cached token PayPal no longer accepts
    GATEWAY.checkout_start(checkout(reference="payment:1", idempotency_key="k1"))
    paypal.tokens.clear()

    # when
    start = GATEWAY.checkout_start(checkout(reference="payment:2", idempotency_key="k2"))

    # then
    assert start.provider_payment_id in paypal.orders
    assert len(paypal.calls("POST", "/v1/oauth2/token")) == 2


@pytest.mark.parametrize(
    ("amount", "currency", "value"),
    [
        (Decimal("10.50"), "USD", "10.50"),
        (Decimal("10.5"), "USD", "10.50"),
        (Decimal("0.1") + Decimal("0.2"), "USD", "0.30"),
        (Decimal("1050"), "JPY", "1050"),
        (Decimal("99999.99"), "EUR", "99999.99"),
    ],
)
def test_amounts_are_exact_decimal_strings_in_the_currency_exponent(
    paypal, amount, currency, value
):
    # when
    GATEWAY.checkout_start(checkout(amount=amount, currency=currency))

    # then
    sent = json.loads(paypal.calls("POST", "/v2/checkout/orders")[0].content)
    assert sent["purchase_units"][0]["amount"] == {"currency_code": currency, "value": value}


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (Decimal("10.505"), "USD"),  # finer than a cent
        (Decimal("10.5"), "JPY"),  # yen have no decimals
        (Decimal("0"), "USD"),
        (Decimal("-5.00"), "USD"),
        (Decimal("NaN"), "USD"),
        (0.1 + 0.2, "USD"),  # a float never reaches the provider
    ],
)
def test_amounts_that_cannot_be_charged_exactly_are_refused_before_calling_paypal(
    paypal, amount, currency
):
    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.checkout_start(checkout(amount=amount, currency=currency))
    assert paypal.calls("POST", "/v2/checkout/orders") == []


def test_an_order_creation_with_a_request_id_is_retried_after_a_timeout(paypal):
    # given PayPal times out once, then answers
    paypal.fail("POST", "/v2/checkout/orders", httpx.ReadTimeout("timed out"))

    # when
    start = GATEWAY.checkout_start(checkout())

    # then: the same PayPal-Request-Id both times, so PayPal opens one order
    calls = paypal.calls("POST", "/v2/checkout/orders")
    assert [c.headers["PayPal-Request-Id"] for c in calls] == ["payment:7:checkout"] * 2
    assert list(paypal.orders) == [start.provider_payment_id]


def test_an_order_creation_without_a_request_id_is_never_retried(paypal):
    # given
    paypal.fail("POST", "/v2/checkout/orders", httpx.ReadTimeout("timed out"))

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.checkout_start(checkout(idempotency_key=""))
    assert len(paypal.calls("POST", "/v2/checkout/orders")) == 1
    assert paypal.orders == {}


def test_timeouts_become_a_member_safe_gateway_error_after_the_retries(paypal):
    # given PayPal's token endpoint never answers in time
    paypal.fail("POST", "/v1/oauth2/token", *[httpx.ConnectTimeout("timed out")] * 3)

    # when
    with pytest.raises(GatewayError) as error:
        GATEWAY.checkout_start(checkout())

    # then: 1 try + BILLING_HTTP_RETRIES retries, then a message fit for the member
    assert len(paypal.calls("POST", "/v1/oauth2/token")) == 3
    assert str(error.value) == (
        "The payment provider could not be reached. Please try again in a few minutes."
    )
    assert paypal.orders == {}


def test_a_refusal_never_leaks_paypal_body_to_the_member(paypal, settings):
    # given a body PayPal refuses (a currency it does not know)
    # when
    with pytest.raises(GatewayError) as error:
        GATEWAY.checkout_start(checkout(currency="XYZW"))

    # then
    assert str(error.value) == (
        "The payment provider refused the request. Try again or choose another way to pay."
    )
    assert "INVALID" not in str(error.value)


def test_a_paypal_server_error_on_a_retriable_call_is_retried(paypal):
    # given
    paypal.fail("POST", "/v2/checkout/orders", 503, 500)

    # when
    start = GATEWAY.checkout_start(checkout())

    # then
    assert len(paypal.calls("POST", "/v2/checkout/orders")) == 3
    assert start.provider_payment_id in paypal.orders


# --- webhooks: verification ---


def test_a_signed_delivery_is_verified_by_paypal_with_the_event_byte_for_byte(paypal):
    # given an approved order's delivery
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    body, headers = paypal.sign(paypal.approve(order_id))

    # when
    GATEWAY.webhook_parse(body=body, headers=headers)

    # then
    verify = paypal.calls("POST", "/v1/notifications/verify-webhook-signature")[0]
    sent = json.loads(verify.content)
    assert sent["webhook_id"] == paypal.webhook_id
    assert sent["transmission_id"] == headers["PAYPAL-TRANSMISSION-ID"]
    assert sent["transmission_time"] == headers["PAYPAL-TRANSMISSION-TIME"]
    assert sent["transmission_sig"] == headers["PAYPAL-TRANSMISSION-SIG"]
    assert sent["cert_url"] == headers["PAYPAL-CERT-URL"]
    assert sent["auth_algo"] == "SHA256withRSA"
    assert sent["webhook_event"] == json.loads(body)
    assert verify.content.endswith(body + b"}")


def test_a_bad_signature_is_refused(paypal):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    body, headers = paypal.sign(paypal.approve(order_id))
    headers["PAYPAL-TRANSMISSION-SIG"] = headers["PAYPAL-TRANSMISSION-SIG"][::-1]

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)
    assert paypal.calls("POST", f"/v2/checkout/orders/{order_id}/capture") == []


def test_a_body_changed_after_signing_is_refused(paypal):
    # given a delivery whose amount was changed in transit
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    body, headers = paypal.sign(paypal.approve(order_id))
    changed = body.replace(b'"10.50"', b'"1000.50"')
    assert changed != body

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=changed, headers=headers)
    assert paypal.calls("POST", f"/v2/checkout/orders/{order_id}/capture") == []
    assert paypal.captures == {}


@pytest.mark.parametrize(
    "header",
    [
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-TRANSMISSION-SIG",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
    ],
)
def test_a_missing_transmission_header_is_refused_without_calling_paypal(paypal, header):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    body, headers = paypal.sign(paypal.approve(order_id))
    del headers[header]
    before = len(paypal.requests)

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)
    assert len(paypal.requests) == before


def test_a_delivery_signed_for_another_webhook_is_refused(paypal):
    # given a delivery to another listener of the same account
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    other = FakePayPal(webhook_id="1JE4291016473214C", signing_key=paypal.signing_key)
    body, headers = other.sign(paypal.approve(order_id))

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"event_type": "X"}'])
def test_a_body_that_is_not_an_event_is_refused(paypal, body):
    # given
    _, headers = paypal.sign({"id": "WH-1", "event_type": "X", "resource": {}})

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


def test_without_keys_nothing_can_be_verified(paypal, settings):
    # given
    body, headers = paypal.sign({"id": "WH-1", "event_type": "X", "resource": {}})
    settings.PAYPAL_WEBHOOK_ID = ""

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)
    assert paypal.requests == []


def test_paypal_unreachable_while_verifying_raises_a_gateway_error(paypal):
    # given
    body, headers = paypal.sign({"id": "WH-1", "event_type": "X", "resource": {}})
    paypal.fail("POST", "/v1/notifications/verify-webhook-signature", *[httpx.ReadTimeout("t")] * 3)

    # when / then: not SignatureInvalid, so the view answers non-2xx and PayPal delivers again
    with pytest.raises(GatewayError):
        GATEWAY.webhook_parse(body=body, headers=headers)


# --- webhooks: events ---


def test_an_approved_order_is_captured_and_reported_as_succeeded(paypal):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    event = paypal.approve(order_id)

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then
    capture = paypal.calls("POST", f"/v2/checkout/orders/{order_id}/capture")[0]
    assert capture.headers["PayPal-Request-Id"] == f"capture-{order_id}"
    assert parsed.event_id == event["id"]
    assert parsed.type == base.PAYMENT_SUCCEEDED
    assert parsed.provider_type == "CHECKOUT.ORDER.APPROVED"
    assert parsed.provider_payment_id == order_id
    assert parsed.reference == "payment:7"
    assert parsed.amount == Decimal("10.50")
    assert parsed.currency == "USD"
    assert parsed.occurred_at is not None
    assert paypal.orders[order_id]["status"] == "COMPLETED"
    [capture_id] = paypal.captures
    assert parsed.payload["_transaction_id"] == capture_id


def test_a_redelivered_approval_captures_once(paypal):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    event = paypal.approve(order_id)

    # when: PayPal delivers the same event three times
    parsed = [GATEWAY.webhook_parse(**delivery(paypal, event))[0] for _ in range(3)]

    # then: one capture at PayPal, the same event id every time (the services dedupe on it)
    assert len(paypal.captures) == 1
    assert {p.event_id for p in parsed} == {event["id"]}
    assert {p.type for p in parsed} == {base.PAYMENT_SUCCEEDED}


def test_an_approval_for_an_order_captured_elsewhere_is_ignored(paypal):
    # given an approved order that another path captured first
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    event = paypal.approve(order_id)
    paypal.orders[order_id]["status"] = "COMPLETED"

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then: ORDER_ALREADY_CAPTURED; PAYMENT.CAPTURE.COMPLETED reports the outcome
    assert parsed.type == base.IGNORED
    assert parsed.provider_payment_id == order_id
    assert paypal.captures == {}


def test_a_declined_capture_is_reported_as_failed(paypal):
    # given
    paypal.capture_status = "DECLINED"
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, paypal.approve(order_id)))

    # then
    assert parsed.type == base.PAYMENT_FAILED
    assert parsed.provider_payment_id == order_id


def test_a_pending_capture_waits_for_its_own_webhook(paypal):
    # given
    paypal.capture_status = "PENDING"
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, paypal.approve(order_id)))

    # then
    assert parsed.type == base.IGNORED


def test_capture_completed_is_traced_to_its_order(paypal):
    # given
    order_id, capture_id = paid_order(paypal)
    event = paypal.capture_completed(capture_id)

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then
    assert parsed.type == base.PAYMENT_SUCCEEDED
    assert parsed.event_id == event["id"]
    assert parsed.provider_type == "PAYMENT.CAPTURE.COMPLETED"
    assert parsed.provider_payment_id == order_id
    assert parsed.reference == "payment:7"
    assert parsed.amount == Decimal("10.50")
    assert parsed.payload["id"] == capture_id
    assert parsed.payload["_transaction_id"] == capture_id


def test_a_recorded_capture_completed_event_is_normalised(paypal):
    # given PayPal's own sample delivery (sandbox, 2022), verified by the fake
    event = {
        "id": "WH-2CL46544TB770421K-5VB92446WP7345818",
        "create_time": "2022-02-02T00:23:12.336Z",
        "resource_type": "capture",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "summary": "Payment completed for $ 100.0 USD",
        "resource": {
            "disbursement_mode": "INSTANT",
            "amount": {"value": "100.00", "currency_code": "USD"},
            "seller_protection": {"status": "NOT_ELIGIBLE"},
            "supplementary_data": {"related_ids": {"order_id": "89T257400V0473133"}},
            "update_time": "2022-02-02T00:22:38Z",
            "create_time": "2022-02-02T00:22:38Z",
            "final_capture": True,
            "links": [
                {
                    "method": "GET",
                    "rel": "up",
                    "href": "https://api.sandbox.paypal.com/v2/checkout/orders/89T257400V0473133",
                }
            ],
            "id": "29Y24445UY2083144",
            "status": "COMPLETED",
        },
        "event_version": "1.0",
        "resource_version": "2.0",
    }

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then
    assert parsed.type == base.PAYMENT_SUCCEEDED
    assert parsed.provider_payment_id == "89T257400V0473133"
    assert parsed.reference == ""
    assert parsed.amount == Decimal("100.00")
    assert parsed.occurred_at.isoformat() == "2022-02-02T00:23:12.336000+00:00"


def test_a_denied_capture_is_reported_as_failed(paypal):
    # given
    order_id, capture_id = paid_order(paypal)
    paypal.captures[capture_id]["status"] = "DECLINED"

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, paypal.capture_completed(capture_id)))

    # then
    assert parsed.provider_type == "PAYMENT.CAPTURE.DENIED"
    assert parsed.type == base.PAYMENT_FAILED
    assert parsed.provider_payment_id == order_id


def test_a_refund_event_reports_the_total_refunded_and_its_order(paypal):
    # given two partial refunds through the gateway
    order_id, _ = paid_order(paypal)
    GATEWAY.refund(
        provider_payment_id=order_id, amount=Decimal("4.00"), currency="USD", idempotency_key="r1"
    )
    second = GATEWAY.refund(
        provider_payment_id=order_id, amount=Decimal("2.50"), currency="USD", idempotency_key="r2"
    )

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, paypal.refunded(second.provider_refund_id)))

    # then
    assert parsed.type == base.PAYMENT_REFUNDED
    assert parsed.provider_payment_id == order_id
    assert parsed.reference == "payment:7"
    assert parsed.amount == Decimal("6.50")
    assert parsed.currency == "USD"


def test_a_refund_made_on_paypal_site_is_traced_through_its_capture(paypal):
    # given a refund with no custom_id (made on PayPal's dashboard)
    order_id, capture_id = paid_order(paypal)
    refund_id = paypal.refund_on_dashboard(capture_id, "10.50")

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, paypal.refunded(refund_id)))

    # then: the capture tells the order and our reference
    assert paypal.calls("GET", f"/v2/payments/captures/{capture_id}")
    assert parsed.type == base.PAYMENT_REFUNDED
    assert parsed.provider_payment_id == order_id
    assert parsed.reference == "payment:7"
    assert parsed.amount == Decimal("10.50")


def test_a_reversed_capture_is_a_chargeback(paypal):
    # given PayPal reverses the payment (the resource is a refund-like reversal of the capture)
    order_id, capture_id = paid_order(paypal)
    refund_id = paypal.refund_on_dashboard(capture_id, "10.50")
    event = {**paypal.refunded(refund_id), "event_type": "PAYMENT.CAPTURE.REVERSED"}

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then
    assert parsed.type == base.PAYMENT_CHARGEBACK
    assert parsed.provider_payment_id == order_id
    assert parsed.amount == Decimal("10.50")


def test_a_dispute_is_a_chargeback_of_the_disputed_amount(paypal):
    # given
    order_id, capture_id = paid_order(paypal)

    # when
    [parsed] = GATEWAY.webhook_parse(
        **delivery(paypal, paypal.dispute_created(capture_id, "10.50"))
    )

    # then
    assert parsed.type == base.PAYMENT_CHARGEBACK
    assert parsed.provider_type == "CUSTOMER.DISPUTE.CREATED"
    assert parsed.provider_payment_id == order_id
    assert parsed.reference == "payment:7"
    assert parsed.amount == Decimal("10.50")


def test_a_dispute_on_a_capture_paypal_does_not_know_is_ignored(paypal):
    # given a dispute naming a capture that is not ours
    order_id, capture_id = paid_order(paypal)
    dispute = paypal.dispute_created(capture_id, "10.50")
    dispute["resource"]["disputed_transactions"][0]["seller_transaction_id"] = "0ABCDEF123456789X"

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, dispute))

    # then
    assert parsed.type == base.IGNORED
    assert parsed.provider_payment_id == ""


def test_other_events_are_ignored(paypal):
    # given
    event = {
        "id": "WH-7Y7254563A4550640-11V2246023180273L",
        "event_type": "PAYMENT.SALE.COMPLETED",
        "resource": {"id": "80021663DE681814L"},
    }

    # when
    [parsed] = GATEWAY.webhook_parse(**delivery(paypal, event))

    # then
    assert parsed.type == base.IGNORED
    assert parsed.event_id == "WH-7Y7254563A4550640-11V2246023180273L"


# --- refunds ---


def test_a_refund_is_sent_to_the_order_capture_with_the_idempotency_key(paypal):
    # given
    order_id, capture_id = paid_order(paypal)

    # when
    result = GATEWAY.refund(
        provider_payment_id=order_id,
        amount=Decimal("10.50"),
        currency="USD",
        idempotency_key="payment:7:refund:1",
    )

    # then
    call = paypal.calls("POST", f"/v2/payments/captures/{capture_id}/refund")[0]
    assert json.loads(call.content) == {
        "amount": {"currency_code": "USD", "value": "10.50"},
        "custom_id": "payment:7",
    }
    assert call.headers["PayPal-Request-Id"] == "payment:7:refund:1"
    assert result.status == "succeeded"
    assert result.provider_refund_id in paypal.refunds
    assert paypal.captures[capture_id]["status"] == "REFUNDED"


def test_a_refund_repeated_with_the_same_key_refunds_once(paypal):
    # given PayPal's answer is lost once: the call is retried with the same PayPal-Request-Id
    order_id, capture_id = paid_order(paypal)
    first = GATEWAY.refund(
        provider_payment_id=order_id, amount=Decimal("5.00"), currency="USD", idempotency_key="r"
    )

    # when
    again = GATEWAY.refund(
        provider_payment_id=order_id, amount=Decimal("5.00"), currency="USD", idempotency_key="r"
    )

    # then
    assert again == first
    assert len(paypal.refunds) == 1


def test_a_refund_larger_than_the_capture_is_refused(paypal):
    # given
    order_id, _ = paid_order(paypal)

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=order_id,
            amount=Decimal("20.00"),
            currency="USD",
            idempotency_key="r",
        )
    assert paypal.refunds == {}


def test_an_order_that_was_never_captured_cannot_be_refunded(paypal):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=order_id,
            amount=Decimal("10.50"),
            currency="USD",
            idempotency_key="r",
        )
    assert paypal.refunds == {}


@pytest.mark.parametrize("order_id", ["", "../v1/oauth2", "A" * 65])
def test_a_malformed_order_id_is_refused_without_calling_paypal(paypal, order_id):
    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=order_id,
            amount=Decimal("1.00"),
            currency="USD",
            idempotency_key="r",
        )
    assert paypal.requests == []


def test_the_api_base_comes_from_settings(paypal, settings):
    # given live keys on the live host
    settings.PAYPAL_API_BASE = "https://api-m.paypal.com/"

    # when
    GATEWAY.checkout_start(checkout())

    # then
    assert {r.url.host for r in paypal.requests} == {"api-m.paypal.com"}


# --- end to end through the billing services ---


def _ledger_clean() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("ledger_audit", stdout=StringIO())  # raises CommandError on any mismatch


@pytest.mark.django_db
def test_a_paypal_purchase_is_credited_once_however_often_paypal_delivers(paypal):
    from billing.models import PaymentEvent, PaymentStatus
    from billing.services import purchase_start, webhook_receive
    from rewards.models import Transfer
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a member who starts buying 100 points on PayPal
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")
    started = purchase_start(user=member, package=package, gateway_name="paypal")
    payment = started.payment
    order_id = payment.provider_payment_id
    assert started.redirect_url == f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}"
    assert payment.status == PaymentStatus.PENDING
    sent = json.loads(paypal.calls("POST", "/v2/checkout/orders")[0].content)
    assert sent["purchase_units"][0]["custom_id"] == f"payment:{payment.pk}"
    assert sent["purchase_units"][0]["amount"] == {"currency_code": "USD", "value": "10.50"}
    assert wallet_balance(user=member) == 0

    # when the member approves and PayPal delivers the approval three times, then the capture
    approval = delivery(paypal, paypal.approve(order_id))
    applied = [webhook_receive(gateway_name="paypal", **approval) for _ in range(3)]
    [capture_id] = paypal.captures
    applied.append(
        webhook_receive(
            gateway_name="paypal", **delivery(paypal, paypal.capture_completed(capture_id))
        )
    )

    # then one capture, one credit
    payment.refresh_from_db()
    assert applied == [1, 0, 0, 1]
    assert len(paypal.captures) == 1
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.transaction_id == capture_id
    assert wallet_balance(user=member) == 100
    assert Transfer.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    assert PaymentEvent.objects.filter(gateway="paypal", payment=payment).count() == 2
    _ledger_clean()


@pytest.mark.django_db
def test_a_forged_paypal_delivery_changes_nothing(paypal):
    from billing.models import PaymentEvent, PaymentStatus
    from billing.services import SignatureRefused, purchase_start, webhook_receive
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a pending PayPal payment and a delivery whose signature is wrong
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")
    payment = purchase_start(user=member, package=package, gateway_name="paypal").payment
    body, headers = paypal.sign(paypal.approve(payment.provider_payment_id))
    headers["PAYPAL-TRANSMISSION-SIG"] = "forged"

    # when / then
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="paypal", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert PaymentEvent.objects.count() == 0
    assert paypal.captures == {}
    assert wallet_balance(user=member) == 0


@pytest.mark.django_db
def test_a_paypal_refund_takes_the_points_back_once(paypal):
    from billing.models import PaymentStatus
    from billing.services import purchase_start, webhook_receive
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a paid PayPal purchase
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")
    payment = purchase_start(user=member, package=package, gateway_name="paypal").payment
    webhook_receive(
        gateway_name="paypal", **delivery(paypal, paypal.approve(payment.provider_payment_id))
    )
    [capture_id] = paypal.captures

    # when the merchant refunds it on PayPal's site and PayPal delivers the refund twice
    refund_event = paypal.refunded(paypal.refund_on_dashboard(capture_id, "10.50"))
    applied = [
        webhook_receive(gateway_name="paypal", **delivery(paypal, refund_event)) for _ in "ab"
    ]

    # then
    payment.refresh_from_db()
    assert applied == [1, 0]
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == Decimal("10.50")
    assert wallet_balance(user=member) == 0
    _ledger_clean()


def _as_wsgi_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        f"HTTP_{name.upper().replace('-', '_')}": value
        for name, value in headers.items()
        if name.lower() != "content-type"
    }


@pytest.mark.django_db
def test_paypal_through_the_api_approval_link_then_one_credit(paypal, make_auth_client):
    from rest_framework.test import APIClient

    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given
    member = UserFactory()
    client = make_auth_client(member)
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")

    # when the member starts paying on PayPal
    started = client.post("/api/v1/payments/paypal/", {"package": package.pk}, format="json")

    # then they get the approval link of a pending payment
    assert started.status_code == 201
    [order_id] = paypal.orders
    assert started.json()["redirect_url"] == (
        f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}"
    )
    assert started.json()["payment"]["status"] == "pending"

    # when PayPal delivers the signed approval twice to the webhook
    body, headers = paypal.sign(paypal.approve(order_id))
    webhook = APIClient()
    answers = [
        webhook.post(
            "/api/v1/payments/webhooks/paypal/",
            data=body,
            content_type="application/json",
            **_as_wsgi_headers(headers),
        )
        for _ in range(2)
    ]

    # then one credit, and the history shows the payment succeeded
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json() for a in answers] == [
        {"received": True, "applied": 1},
        {"received": True, "applied": 0},
    ]
    assert wallet_balance(user=member) == 100
    history = client.get("/api/v1/payments/history/").json()["results"]
    assert [(p["gateway"], p["status"], p["amount"]) for p in history] == [
        ("paypal", "succeeded", "10.50")
    ]


@pytest.mark.django_db
def test_a_forged_paypal_webhook_is_a_400_through_the_api(paypal):
    from rest_framework.test import APIClient

    from billing.models import PaymentEvent

    # given
    body, headers = paypal.sign({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED"})
    headers["PAYPAL-TRANSMISSION-SIG"] = "forged"

    # when
    answer = APIClient().post(
        "/api/v1/payments/webhooks/paypal/",
        data=body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ar",
        **_as_wsgi_headers(headers),
    )

    # then
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "signature_invalid"
    assert PaymentEvent.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_deliveries_of_an_approval_capture_and_credit_once(paypal):
    import threading

    from django.db import connection

    from billing.services import purchase_start, webhook_receive
    from rewards.models import Transfer
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a started PayPal purchase and its signed approval
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")
    payment = purchase_start(user=member, package=package, gateway_name="paypal").payment
    body, headers = paypal.sign(paypal.approve(payment.provider_payment_id))
    barrier = threading.Barrier(10)
    applied: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            applied.append(webhook_receive(gateway_name="paypal", body=body, headers=headers))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when PayPal's ten deliveries arrive at once
    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one capture, one event applied, one credit
    assert errors == []
    assert sorted(applied) == [0] * 9 + [1]
    assert len(paypal.captures) == 1
    assert wallet_balance(user=member) == 100
    assert Transfer.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    _ledger_clean()


# --- the member's return (capture without waiting for the webhook) ---


def test_the_return_page_captures_an_approved_order(paypal):
    # given an order the member approved, before any webhook
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    paypal.approve(order_id)

    # when
    event = GATEWAY.return_confirm(provider_payment_id=order_id)

    # then
    [capture_id] = paypal.captures
    assert event.event_id == f"{order_id}:return"
    assert event.type == base.PAYMENT_SUCCEEDED
    assert event.provider_payment_id == order_id
    assert event.amount == Decimal("10.50")
    assert event.payload["_transaction_id"] == capture_id


def test_the_return_page_and_the_webhook_capture_once(paypal):
    # given
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id
    approval = paypal.approve(order_id)

    # when both paths capture
    by_return = GATEWAY.return_confirm(provider_payment_id=order_id)
    [by_webhook] = GATEWAY.webhook_parse(**delivery(paypal, approval))

    # then one capture at PayPal; both say succeeded (the services credit once)
    assert len(paypal.captures) == 1
    assert (by_return.type, by_webhook.type) == (base.PAYMENT_SUCCEEDED, base.PAYMENT_SUCCEEDED)


def test_a_return_for_an_order_not_approved_is_ignored(paypal):
    # given a member who typed the return address without approving
    order_id = GATEWAY.checkout_start(checkout()).provider_payment_id

    # when
    event = GATEWAY.return_confirm(provider_payment_id=order_id)

    # then
    assert event.type == base.IGNORED
    assert paypal.captures == {}


@pytest.mark.django_db
def test_the_return_page_credits_once_with_the_webhook(paypal):
    from billing.services import event_apply, purchase_start, webhook_receive
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given an approved PayPal purchase
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="USD")
    payment = purchase_start(user=member, package=package, gateway_name="paypal").payment
    approval = paypal.approve(payment.provider_payment_id)

    # when the return page confirms it, then the webhook arrives
    event = GATEWAY.return_confirm(provider_payment_id=payment.provider_payment_id)
    first = event_apply(gateway_name="paypal", event=event)
    second = webhook_receive(gateway_name="paypal", **delivery(paypal, approval))

    # then
    assert (first, second) == (True, 1)
    assert wallet_balance(user=member) == 100
    _ledger_clean()


@pytest.mark.django_db
def test_paypal_unreachable_while_verifying_is_a_503_and_changes_nothing(paypal):
    from rest_framework.test import APIClient

    from billing.models import PaymentEvent

    # given PayPal's verification endpoint times out on every try
    body, headers = paypal.sign({"id": "WH-1", "event_type": "PAYMENT.CAPTURE.COMPLETED"})
    paypal.fail("POST", "/v1/notifications/verify-webhook-signature", *[httpx.ReadTimeout("t")] * 3)

    # when
    answer = APIClient().post(
        "/api/v1/payments/webhooks/paypal/",
        data=body,
        content_type="application/json",
        **_as_wsgi_headers(headers),
    )

    # then PayPal is told to deliver again later, and nothing was recorded
    assert answer.status_code == 503
    assert set(answer.json()["error"]) >= {"code", "message"}
    assert PaymentEvent.objects.count() == 0
