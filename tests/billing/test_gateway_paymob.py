"""The Paymob gateway against a fake Paymob at the HTTP transport (fakes_paymob.py)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from decimal import Decimal

import httpx
import pytest

from billing.gateways import base
from billing.gateways.base import CheckoutRequest, GatewayError, SignatureInvalid
from billing.gateways.paymob import (
    GATEWAY,
    TRANSACTION_HMAC_FIELDS,
    _hmac_value,
    callback_hmac,
)
from tests.billing.fakes_paymob import (
    DOCUMENTED_HMAC_STRING,
    HMAC_SECRET,
    INTEGRATION_ID,
    PUBLIC_KEY,
    SAMPLE_CALLBACK,
    SECRET_KEY,
    FakePaymob,
    delivery,
    sign,
)


@pytest.fixture
def paymob(settings):
    settings.BILLING_HTTP_RETRIES = 2
    settings.PAYMOB_NOTIFICATION_URL = "https://skillswap.example/api/v1/payments/webhooks/paymob/"
    fake = FakePaymob()
    with fake.installed(settings):
        yield fake


def checkout(**overrides) -> CheckoutRequest:
    values = {
        "reference": "payment:9",
        "amount": Decimal("10.50"),
        "currency": "EGP",
        "description": "Starter pack: 100 points",
        "customer_email": "huda@example.com",
        "customer_name": "Huda Ali Hassan",
        "success_url": "https://skillswap.example/ar/wallet/buy/done/?payment=9",
        "cancel_url": "https://skillswap.example/ar/wallet/buy/cancelled/?payment=9",
        "idempotency_key": "payment:9:checkout",
    }
    values.update(overrides)
    return CheckoutRequest(**values)


def paid_order(paymob: FakePaymob) -> tuple[int, int]:
    """An intention created through the gateway and paid: (order id, transaction id)."""
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id)
    return order_id, callback["obj"]["id"]


def parse(callback: dict, **kwargs) -> list[base.GatewayEvent]:
    body, headers = delivery(callback, **kwargs)
    return GATEWAY.webhook_parse(body=body, headers=headers)


# --- the HMAC, on Paymob's documented sample ---


def test_the_signed_fields_concatenate_to_paymob_documented_string():
    # given Paymob's documented transaction processed callback
    obj = SAMPLE_CALLBACK["obj"]

    # when
    concatenated = "".join(_hmac_value(obj, name) for name in TRANSACTION_HMAC_FIELDS)

    # then
    assert concatenated == DOCUMENTED_HMAC_STRING


def test_the_hmac_of_the_sample_callback_is_sha512_of_that_string():
    # when
    computed = callback_hmac(SAMPLE_CALLBACK["obj"], TRANSACTION_HMAC_FIELDS, secret=HMAC_SECRET)

    # then
    expected = hmac.new(
        HMAC_SECRET.encode(), DOCUMENTED_HMAC_STRING.encode(), hashlib.sha512
    ).hexdigest()
    assert computed == expected
    assert computed == sign(SAMPLE_CALLBACK["obj"])
    assert len(computed) == 128


def test_missing_values_sign_as_empty_strings():
    # given a wallet transaction without card fields
    obj = copy.deepcopy(SAMPLE_CALLBACK["obj"])
    obj["source_data"] = {"type": "wallet", "pan": "01010101010", "sub_type": None}

    # then
    assert _hmac_value(obj, "source_data.sub_type") == ""
    assert _hmac_value(obj, "source_data.pan") == "01010101010"
    assert _hmac_value({"order": 217503754}, "order.id") == ""
    assert _hmac_value({"order": {"id": 217503754}}, "order") == "217503754"


# --- configuration ---


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("PAYMOB_SECRET_KEY", ""),
        ("PAYMOB_PUBLIC_KEY", ""),
        ("PAYMOB_HMAC_SECRET", ""),
        ("PAYMOB_INTEGRATION_IDS", []),
    ],
)
def test_available_needs_every_key(paymob, settings, setting, value):
    # given
    setattr(settings, setting, value)

    # then
    assert GATEWAY.available() is False
    with pytest.raises(base.GatewayUnavailable):
        GATEWAY.checkout_start(checkout())
    assert paymob.requests == []


def test_available_with_every_key(paymob):
    assert GATEWAY.available() is True


# --- checkout ---


def test_checkout_creates_an_intention_and_answers_the_unified_checkout_url(paymob):
    # when
    start = GATEWAY.checkout_start(checkout())

    # then: the intention, exactly as Paymob expects it
    [call] = paymob.calls("POST", "/v1/intention/")
    assert call.headers["Authorization"] == f"Token {SECRET_KEY}"
    assert json.loads(call.content) == {
        "amount": 1050,
        "currency": "EGP",
        "payment_methods": [INTEGRATION_ID],
        "items": [
            {
                "name": "Starter pack: 100 points",
                "amount": 1050,
                "description": "Starter pack: 100 points",
                "quantity": 1,
            }
        ],
        "billing_data": {
            "first_name": "Huda",
            "last_name": "Ali Hassan",
            "email": "huda@example.com",
            "phone_number": "NA",
        },
        "customer": {"first_name": "Huda", "last_name": "Ali Hassan", "email": "huda@example.com"},
        "special_reference": "payment:9",
        "redirection_url": "https://skillswap.example/ar/wallet/buy/done/?payment=9",
        "notification_url": "https://skillswap.example/api/v1/payments/webhooks/paymob/",
        "extras": {"reference": "payment:9"},
    }
    # then: Paymob's order id is the payment's provider id; the member goes to Unified Checkout
    [intention] = paymob.intentions.values()
    assert start.provider_payment_id == str(intention["intention_order_id"])
    assert start.redirect_url == (
        f"https://accept.paymob.com/unifiedcheckout/?publicKey={PUBLIC_KEY}"
        f"&clientSecret={intention['client_secret']}"
    )
    assert start.client_secret == ""
    assert start.confirmed is False


def test_the_client_secret_is_answered_when_the_client_asks_for_it(paymob):
    # when
    start = GATEWAY.checkout_start(checkout(want_client_secret=True))

    # then
    [intention] = paymob.intentions.values()
    assert start.client_secret == intention["client_secret"]


def test_without_a_notification_url_the_dashboard_callback_is_used(paymob, settings):
    # given
    settings.PAYMOB_NOTIFICATION_URL = ""

    # when
    GATEWAY.checkout_start(checkout())

    # then
    assert "notification_url" not in json.loads(paymob.calls("POST", "/v1/intention/")[0].content)


def test_a_member_without_a_name_is_sent_with_paymob_fillers(paymob):
    # when
    GATEWAY.checkout_start(checkout(customer_name="", customer_email=""))

    # then
    sent = json.loads(paymob.calls("POST", "/v1/intention/")[0].content)
    assert sent["billing_data"] == {
        "first_name": "NA",
        "last_name": "NA",
        "email": "NA",
        "phone_number": "NA",
    }


@pytest.mark.parametrize(
    ("amount", "piasters"),
    [
        (Decimal("10.50"), 1050),
        (Decimal("10.5"), 1050),
        (Decimal("0.1") + Decimal("0.2"), 30),
        (Decimal("1"), 100),
        (Decimal("12345.67"), 1234567),
    ],
)
def test_amounts_are_exact_piasters(paymob, amount, piasters):
    # when
    GATEWAY.checkout_start(checkout(amount=amount))

    # then
    sent = json.loads(paymob.calls("POST", "/v1/intention/")[0].content)
    assert sent["amount"] == piasters
    assert sent["items"][0]["amount"] == piasters
    assert isinstance(sent["amount"], int)


def test_minor_units_follow_the_currency_exponent_both_ways():
    from billing.gateways.http import from_minor_units, minor_units

    assert minor_units(Decimal("10.50"), "EGP") == 1050
    assert minor_units(Decimal("10.50"), "egp") == 1050
    assert minor_units(Decimal("1.234"), "KWD") == 1234
    assert minor_units(Decimal("1050"), "JPY") == 1050
    assert from_minor_units(1050, "EGP") == Decimal("10.50")
    assert from_minor_units("1050", "EGP") == Decimal("10.50")
    assert from_minor_units(1234, "KWD") == Decimal("1.234")
    assert from_minor_units("10.5", "EGP") is None
    assert from_minor_units(True, "EGP") is None
    assert from_minor_units(None, "EGP") is None


@pytest.mark.parametrize(
    "amount", [Decimal("10.505"), Decimal("0"), Decimal("-1"), Decimal("Infinity"), 0.1 + 0.2]
)
def test_amounts_that_are_not_whole_piasters_are_refused_before_calling_paymob(paymob, amount):
    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.checkout_start(checkout(amount=amount))
    assert paymob.requests == []


def test_an_intention_is_never_retried(paymob):
    # given Paymob's answer is lost: it may have created the intention
    paymob.fail("POST", "/v1/intention/", httpx.ReadTimeout("timed out"))

    # when
    with pytest.raises(GatewayError) as error:
        GATEWAY.checkout_start(checkout())

    # then
    assert len(paymob.calls("POST", "/v1/intention/")) == 1
    assert str(error.value) == (
        "The payment provider could not be reached. Please try again in a few minutes."
    )


def test_a_paymob_server_error_is_a_gateway_error_without_its_body(paymob):
    # given
    paymob.fail("POST", "/v1/intention/", 500)

    # when
    with pytest.raises(GatewayError) as error:
        GATEWAY.checkout_start(checkout())

    # then
    assert "Server Error" not in str(error.value)
    assert len(paymob.calls("POST", "/v1/intention/")) == 1


def test_a_refused_intention_is_a_member_safe_gateway_error(paymob, settings):
    # given an integration id Paymob does not know
    settings.PAYMOB_INTEGRATION_IDS = [1234]

    # when
    with pytest.raises(GatewayError) as error:
        GATEWAY.checkout_start(checkout())

    # then
    assert str(error.value) == (
        "The payment provider refused the request. Try again or choose another way to pay."
    )
    assert paymob.intentions == {}


def test_wrong_credentials_are_a_gateway_error(paymob, settings):
    # given
    settings.PAYMOB_SECRET_KEY = "egy_sk_test_revoked"

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.checkout_start(checkout())


# --- webhooks ---


def test_a_paid_transaction_is_reported_as_succeeded(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id)

    # when
    [event] = parse(callback)

    # then
    transaction_id = callback["obj"]["id"]
    assert event.event_id == f"{transaction_id}:succeeded"
    assert event.type == base.PAYMENT_SUCCEEDED
    assert event.provider_type == "TRANSACTION.succeeded"
    assert event.provider_payment_id == str(order_id)
    assert event.reference == "payment:9"
    assert event.amount == Decimal("10.50")
    assert event.currency == "EGP"
    assert event.payload["id"] == transaction_id
    assert event.payload["_transaction_id"] == str(transaction_id)


def test_paymob_documented_sample_callback_is_accepted(paymob):
    # when
    [event] = parse(SAMPLE_CALLBACK)

    # then
    assert event.type == base.PAYMENT_SUCCEEDED
    assert event.event_id == "192036465:succeeded"
    assert event.provider_payment_id == "217503754"
    assert event.amount == Decimal("1000.00")
    assert event.occurred_at is None  # Paymob's created_at has no UTC offset: not guessed


def test_a_redelivered_callback_has_the_same_event_id(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id)

    # when
    first, second = parse(callback)[0], parse(callback)[0]

    # then
    assert first.event_id == second.event_id


def test_a_declined_transaction_is_reported_as_failed(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)

    # when
    [event] = parse(paymob.pay(order_id, success=False))

    # then
    assert event.type == base.PAYMENT_FAILED
    assert event.provider_payment_id == str(order_id)


def test_a_pending_transaction_is_ignored(paymob):
    # given a kiosk payment waiting to be paid
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id, success=False)
    callback["obj"]["pending"] = True

    # when
    [event] = parse(callback)

    # then
    assert event.type == base.IGNORED


def test_a_bad_hmac_is_refused(paymob):
    # given
    body, headers = delivery(SAMPLE_CALLBACK, secret="someone-else's secret")

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


def test_a_body_changed_after_signing_is_refused(paymob):
    # given a callback whose amount was raised in transit
    body, headers = delivery(SAMPLE_CALLBACK)
    changed = body.replace(b'"amount_cents": 100000', b'"amount_cents": 900000', 1)
    assert changed != body

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=changed, headers=headers)


def test_a_failed_transaction_turned_into_a_success_is_refused(paymob):
    # given
    callback = copy.deepcopy(SAMPLE_CALLBACK)
    callback["obj"]["success"] = False
    body, headers = delivery(callback)

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(
            body=body.replace(b'"success": false', b'"success": true'), headers=headers
        )


def test_a_missing_hmac_is_refused(paymob):
    # given
    body, headers = delivery(SAMPLE_CALLBACK)
    del headers["X-Paymob-Hmac"]

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


def test_the_hmac_header_is_read_whatever_its_case_and_in_the_body_too(paymob):
    # given
    body, headers = delivery(SAMPLE_CALLBACK)
    signature = headers.pop("X-Paymob-Hmac")

    # then
    assert GATEWAY.webhook_parse(body=body, headers={"x-paymob-hmac": signature.upper()})
    in_body = json.dumps({**SAMPLE_CALLBACK, "hmac": signature}).encode()
    assert GATEWAY.webhook_parse(body=in_body, headers={})


@pytest.mark.parametrize(
    "body",
    [b"", b"nope", b"[]", b'{"type": "TRANSACTION"}', b'{"type": "TRANSACTION", "obj": []}'],
)
def test_a_body_that_is_not_a_callback_is_refused(paymob, body):
    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers={"X-Paymob-Hmac": "0" * 128})


def test_a_callback_type_without_a_documented_signature_is_refused(paymob):
    # given
    callback = {**SAMPLE_CALLBACK, "type": "DELIVERY_STATUS"}
    body, headers = delivery(callback)

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


def test_a_card_token_callback_is_verified_and_ignored(paymob):
    # given Paymob's saved-card callback
    obj = {
        "id": 5283947,
        "token": "5a8b8a1d2e6c8d8e3f1f4c0b7d1ad8c6e9f4a3b2c1d0e9f8a7b6c5d4",
        "masked_pan": "xxxx-xxxx-xxxx-2346",
        "merchant_id": 164295,
        "card_subtype": "MasterCard",
        "created_at": "2024-06-13T11:33:45.912345",
        "email": "huda@example.com",
        "order_id": "217503754",
        "user_added": False,
        "next_payment_intention": "pi_test_8bd3bb1c0f5a4b2d9b7b0c1d2e3f4a5b",
    }
    message = "".join(
        str(obj[k])
        for k in (
            "card_subtype",
            "created_at",
            "email",
            "id",
            "masked_pan",
            "merchant_id",
            "order_id",
            "token",
        )
    )
    signature = hmac.new(HMAC_SECRET.encode(), message.encode(), hashlib.sha512).hexdigest()
    body = json.dumps({"type": "TOKEN", "obj": obj}).encode()

    # when
    [event] = GATEWAY.webhook_parse(body=body, headers={"X-Paymob-Hmac": signature})

    # then
    assert event.type == base.IGNORED
    assert event.event_id == "token:5283947"
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers={"X-Paymob-Hmac": "f" * 128})


def test_without_keys_nothing_can_be_verified(paymob, settings):
    # given
    body, headers = delivery(SAMPLE_CALLBACK)
    settings.PAYMOB_HMAC_SECRET = ""

    # when / then
    with pytest.raises(SignatureInvalid):
        GATEWAY.webhook_parse(body=body, headers=headers)


def test_a_refund_callback_reports_the_total_refunded(paymob):
    # given two partial refunds
    order_id, transaction_id = paid_order(paymob)
    GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("4.00"),
        currency="EGP",
        idempotency_key="a",
    )
    GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("2.50"),
        currency="EGP",
        idempotency_key="b",
    )

    # when: Paymob posts the paid transaction again, now refunded
    [event] = parse(paymob.transaction_callback(transaction_id))

    # then
    assert event.type == base.PAYMENT_REFUNDED
    assert event.event_id == f"{transaction_id}:refunded:650"
    assert event.provider_payment_id == str(order_id)
    assert event.reference == "payment:9"
    assert event.amount == Decimal("6.50")


def test_a_refund_transaction_callback_is_a_refund_of_its_order(paymob):
    # given
    order_id, _ = paid_order(paymob)
    result = GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("10.50"),
        currency="EGP",
        idempotency_key="a",
    )

    # when: Paymob posts the refund transaction itself
    [event] = parse(paymob.transaction_callback(int(result.provider_refund_id)))

    # then
    assert event.type == base.PAYMENT_REFUNDED
    assert event.event_id == f"{result.provider_refund_id}:refund:1050"
    assert event.provider_payment_id == str(order_id)
    assert event.amount == Decimal("10.50")


def test_a_voided_transaction_is_a_full_refund(paymob):
    # given
    order_id, transaction_id = paid_order(paymob)
    callback = paymob.transaction_callback(transaction_id)
    callback["obj"]["is_voided"] = True

    # when
    [event] = parse(callback)

    # then
    assert event.type == base.PAYMENT_REFUNDED
    assert event.amount == Decimal("10.50")
    assert event.event_id == f"{transaction_id}:voided:1050"


# --- refunds ---


def test_a_refund_finds_the_order_transaction_and_refunds_it(paymob):
    # given
    order_id, transaction_id = paid_order(paymob)

    # when
    result = GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("10.50"),
        currency="EGP",
        idempotency_key="payment:9:refund:1",
    )

    # then
    [inquiry] = paymob.calls("POST", "/api/ecommerce/orders/transaction_inquiry")
    assert json.loads(inquiry.content) == {"order_id": order_id}
    assert inquiry.headers["Authorization"] == f"Token {SECRET_KEY}"
    [refund] = paymob.calls("POST", "/api/acceptance/void_refund/refund")
    assert json.loads(refund.content) == {"transaction_id": transaction_id, "amount_cents": 1050}
    assert refund.headers["Authorization"] == f"Token {SECRET_KEY}"
    assert result.status == "succeeded"
    assert paymob.transactions[transaction_id]["refunded_amount_cents"] == 1050


def test_a_second_partial_refund_refunds_the_paid_transaction_again(paymob):
    # given a first partial refund (the order's latest transaction is now the refund)
    order_id, transaction_id = paid_order(paymob)
    GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("5.00"),
        currency="EGP",
        idempotency_key="a",
    )

    # when
    GATEWAY.refund(
        provider_payment_id=str(order_id),
        amount=Decimal("5.50"),
        currency="EGP",
        idempotency_key="b",
    )

    # then
    second = json.loads(paymob.calls("POST", "/api/acceptance/void_refund/refund")[1].content)
    assert second == {"transaction_id": transaction_id, "amount_cents": 550}
    assert paymob.transactions[transaction_id]["refunded_amount_cents"] == 1050


def test_a_refund_beyond_the_payment_is_refused(paymob):
    # given
    order_id, transaction_id = paid_order(paymob)

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=str(order_id),
            amount=Decimal("11.00"),
            currency="EGP",
            idempotency_key="a",
        )
    assert paymob.transactions[transaction_id]["refunded_amount_cents"] == 0


def test_an_unpaid_order_cannot_be_refunded(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    paymob.pay(order_id, success=False)

    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=str(order_id),
            amount=Decimal("10.50"),
            currency="EGP",
            idempotency_key="a",
        )
    assert paymob.calls("POST", "/api/acceptance/void_refund/refund") == []


def test_a_refund_is_never_retried_but_the_inquiry_is(paymob):
    # given
    order_id, transaction_id = paid_order(paymob)
    paymob.fail("POST", "/api/ecommerce/orders/transaction_inquiry", httpx.ConnectError("down"))
    paymob.fail("POST", "/api/acceptance/void_refund/refund", httpx.ReadTimeout("timed out"))

    # when
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=str(order_id),
            amount=Decimal("10.50"),
            currency="EGP",
            idempotency_key="a",
        )

    # then
    assert len(paymob.calls("POST", "/api/ecommerce/orders/transaction_inquiry")) == 2
    assert len(paymob.calls("POST", "/api/acceptance/void_refund/refund")) == 1


@pytest.mark.parametrize("order_id", ["", "abc", "12/../34", "1" * 21])
def test_a_malformed_order_id_is_refused_without_calling_paymob(paymob, order_id):
    # when / then
    with pytest.raises(GatewayError):
        GATEWAY.refund(
            provider_payment_id=order_id,
            amount=Decimal("1.00"),
            currency="EGP",
            idempotency_key="a",
        )
    assert paymob.requests == []


# --- end to end through the billing services ---


def _ledger_clean() -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("ledger_audit", stdout=StringIO())  # raises CommandError on any mismatch


@pytest.mark.django_db
def test_a_paymob_purchase_is_credited_once_however_often_paymob_calls_back(paymob):
    from billing.models import PaymentEvent, PaymentStatus
    from billing.services import purchase_start, webhook_receive
    from rewards.models import Transfer
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a member who starts buying 100 points on Paymob
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")
    started = purchase_start(user=member, package=package, gateway_name="paymob")
    payment = started.payment
    [intention] = paymob.intentions.values()
    assert payment.provider_payment_id == str(intention["intention_order_id"])
    assert started.redirect_url.startswith(
        f"https://accept.paymob.com/unifiedcheckout/?publicKey={PUBLIC_KEY}&clientSecret="
    )
    sent = json.loads(paymob.calls("POST", "/v1/intention/")[0].content)
    assert sent["amount"] == 1050
    assert sent["special_reference"] == f"payment:{payment.pk}"
    assert wallet_balance(user=member) == 0

    # when the member pays and Paymob posts the callback three times
    callback = paymob.pay(intention["intention_order_id"])
    applied = [webhook_receive(gateway_name="paymob", **_delivered(callback)) for _ in range(3)]

    # then one credit
    payment.refresh_from_db()
    assert applied == [1, 0, 0]
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.transaction_id == str(callback["obj"]["id"])
    assert wallet_balance(user=member) == 100
    assert Transfer.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    assert PaymentEvent.objects.filter(gateway="paymob", payment=payment).count() == 1
    _ledger_clean()


@pytest.mark.django_db
def test_a_forged_paymob_callback_changes_nothing(paymob):
    from billing.models import PaymentEvent, PaymentStatus
    from billing.services import SignatureRefused, purchase_start, webhook_receive
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a pending Paymob payment and a callback signed with another secret
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")
    payment = purchase_start(user=member, package=package, gateway_name="paymob").payment
    body, headers = delivery(paymob.pay(int(payment.provider_payment_id)), secret="guessed")

    # when / then
    with pytest.raises(SignatureRefused):
        webhook_receive(gateway_name="paymob", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert PaymentEvent.objects.count() == 0
    assert wallet_balance(user=member) == 0


@pytest.mark.django_db
def test_a_paymob_refund_takes_the_points_back_once(paymob):
    from billing.models import PaymentStatus
    from billing.services import purchase_start, webhook_receive
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a paid Paymob purchase
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")
    payment = purchase_start(user=member, package=package, gateway_name="paymob").payment
    paid = paymob.pay(int(payment.provider_payment_id))
    webhook_receive(gateway_name="paymob", **_delivered(paid))

    # when it is refunded in full and Paymob posts the refunded transaction twice
    GATEWAY.refund(
        provider_payment_id=payment.provider_payment_id,
        amount=Decimal("10.50"),
        currency="EGP",
        idempotency_key="staff-refund",
    )
    refunded = paymob.transaction_callback(paid["obj"]["id"])
    applied = [webhook_receive(gateway_name="paymob", **_delivered(refunded)) for _ in "ab"]

    # then
    payment.refresh_from_db()
    assert applied == [1, 0]
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == Decimal("10.50")
    assert wallet_balance(user=member) == 0
    _ledger_clean()


def _delivered(callback: dict) -> dict:
    body, headers = delivery(callback)
    return {"body": body, "headers": headers}


@pytest.mark.django_db
def test_paymob_through_the_api_checkout_url(paymob, make_auth_client):
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")

    # when
    started = make_auth_client(member).post(
        "/api/v1/payments/paymob/", {"package": package.pk}, format="json"
    )

    # then
    assert started.status_code == 201
    [intention] = paymob.intentions.values()
    assert started.json()["redirect_url"] == (
        f"https://accept.paymob.com/unifiedcheckout/?publicKey={PUBLIC_KEY}"
        f"&clientSecret={intention['client_secret']}"
    )
    assert started.json()["payment"]["status"] == "pending"


@pytest.mark.django_db
def test_paymob_callback_through_the_api_with_the_hmac_in_the_query(paymob, make_auth_client):
    from rest_framework.test import APIClient

    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a started Paymob purchase
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")
    make_auth_client(member).post(
        "/api/v1/payments/paymob/", {"package": package.pk}, format="json"
    )
    [order_id] = paymob.intentions

    # when Paymob posts the transaction processed callback, its hmac in the query string
    callback = paymob.pay(order_id)
    answer = APIClient().post(
        f"/api/v1/payments/webhooks/paymob/?hmac={sign(callback['obj'])}",
        data=json.dumps(callback).encode(),
        content_type="application/json",
    )

    # then
    assert answer.status_code == 200
    assert answer.json() == {"received": True, "applied": 1}
    assert wallet_balance(user=member) == 100


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_paymob_callbacks_credit_once(paymob):
    import threading

    from django.db import connection

    from billing.services import purchase_start, webhook_receive
    from rewards.models import Transfer
    from rewards.selectors import wallet_balance
    from tests.accounts.factories import UserFactory
    from tests.billing.factories import PackageFactory

    # given a started Paymob purchase and its signed callback
    member = UserFactory()
    package = PackageFactory(points=100, price=Decimal("10.50"), currency="EGP")
    payment = purchase_start(user=member, package=package, gateway_name="paymob").payment
    body, headers = delivery(paymob.pay(int(payment.provider_payment_id)))
    barrier = threading.Barrier(10)
    applied: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            applied.append(webhook_receive(gateway_name="paymob", body=body, headers=headers))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when Paymob's ten callbacks arrive at once
    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one event applied, one credit
    assert errors == []
    assert sorted(applied) == [0] * 9 + [1]
    assert wallet_balance(user=member) == 100
    assert Transfer.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    _ledger_clean()


# --- the member's redirect back (transaction response callback) ---


def _response_query(obj: dict, *, secret: str = HMAC_SECRET) -> dict[str, str]:
    """The query string Paymob redirects the member with: flat keys, booleans as text."""

    def text(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    query = {
        key: text(obj.get(key))
        for key in (
            "id",
            "pending",
            "amount_cents",
            "success",
            "is_auth",
            "is_capture",
            "is_standalone_payment",
            "is_voided",
            "is_refunded",
            "is_3d_secure",
            "integration_id",
            "profile_id",
            "has_parent_transaction",
            "created_at",
            "currency",
            "error_occured",
            "owner",
            "is_void",
            "is_refund",
            "refunded_amount_cents",
        )
    }
    query |= {
        "order": text(obj["order"]["id"]),
        "merchant_order_id": text(obj["order"]["merchant_order_id"]),
        "source_data.pan": text(obj["source_data"]["pan"]),
        "source_data.sub_type": text(obj["source_data"]["sub_type"]),
        "source_data.type": text(obj["source_data"]["type"]),
        "data.message": "Approved",
    }
    query["hmac"] = hmac.new(
        secret.encode(),
        "".join(
            query[k]
            for k in (
                "amount_cents",
                "created_at",
                "currency",
                "error_occured",
                "has_parent_transaction",
                "id",
                "integration_id",
                "is_3d_secure",
                "is_auth",
                "is_capture",
                "is_refunded",
                "is_standalone_payment",
                "is_voided",
                "order",
                "owner",
                "pending",
                "source_data.pan",
                "source_data.sub_type",
                "source_data.type",
                "success",
            )
        ).encode(),
        hashlib.sha512,
    ).hexdigest()
    return query


def test_the_redirect_back_is_the_same_event_as_the_processed_callback(paymob):
    # given a paid order
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id)

    # when the member is redirected back with the transaction in the query string
    [returned] = GATEWAY.return_parse(query=_response_query(callback["obj"]))
    [posted] = parse(callback)

    # then
    assert returned.event_id == posted.event_id
    assert returned.type == base.PAYMENT_SUCCEEDED
    assert returned.provider_payment_id == str(order_id)
    assert returned.reference == "payment:9"
    assert returned.amount == Decimal("10.50")
    assert returned.payload["_transaction_id"] == str(callback["obj"]["id"])


def test_a_redirect_back_after_a_decline_is_a_failure(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    callback = paymob.pay(order_id, success=False)

    # when
    [returned] = GATEWAY.return_parse(query=_response_query(callback["obj"]))

    # then
    assert returned.type == base.PAYMENT_FAILED


def test_a_tampered_or_unsigned_redirect_is_refused(paymob):
    # given
    order_id = int(GATEWAY.checkout_start(checkout()).provider_payment_id)
    query = _response_query(paymob.pay(order_id, success=False)["obj"])

    # when / then: a member flipping success to true in the address bar
    with pytest.raises(SignatureInvalid):
        GATEWAY.return_parse(query={**query, "success": "true"})
    with pytest.raises(SignatureInvalid):
        GATEWAY.return_parse(query={k: v for k, v in query.items() if k != "hmac"})
    with pytest.raises(SignatureInvalid):
        GATEWAY.return_parse(query=_response_query(SAMPLE_CALLBACK["obj"], secret="guessed"))
