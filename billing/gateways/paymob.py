"""Paymob (Egypt, EGP) behind the gateway interface (docs/architecture.md, "Billing").

- Checkout: ``POST /v1/intention/`` with ``Authorization: Token <secret key>``: the amount in
  piasters (the currency's minor units), the integration ids as ``payment_methods``, one item of
  the same amount, ``billing_data``, our reference as ``special_reference``, the redirection and
  (when set) notification URLs. The member goes to the Unified Checkout,
  ``PAYMOB_CHECKOUT_URL?publicKey=…&clientSecret=…``. Paymob's create call takes no idempotency
  key, so it is sent once, never retried.
- ``Payment.provider_payment_id`` is Paymob's order id (``intention_order_id``), which the
  transaction callback carries as ``obj.order.id``; our reference comes back as
  ``obj.order.merchant_order_id``.
- Webhooks: the "transaction processed callback" (JSON body) carries an ``hmac`` in its query
  string: SHA-512 HMAC, keyed by the HMAC secret, over the values of twenty documented fields of
  ``obj`` concatenated in the documented order (booleans as ``true``/``false``, a missing value as
  the empty string). The webhook view passes that query parameter in the ``X-Paymob-Hmac`` header
  (``HMAC_HEADER``); an ``hmac`` key in the body is accepted too.
- Refunds: ``POST /api/acceptance/void_refund/refund`` (transaction id, amount in piasters) after
  finding the order's transaction (``POST /api/ecommerce/orders/transaction_inquiry``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from billing.gateways import http
from billing.gateways.base import (
    IGNORED,
    PAYMENT_FAILED,
    PAYMENT_REFUNDED,
    PAYMENT_SUCCEEDED,
    CheckoutRequest,
    CheckoutStart,
    GatewayEvent,
    GatewayUnavailable,
    RefundResult,
    SignatureInvalid,
)

logger = logging.getLogger(__name__)

PROVIDER = "Paymob"
HMAC_HEADER = "X-Paymob-Hmac"
# The transaction callback's signed fields, in Paymob's documented order.
TRANSACTION_HMAC_FIELDS = (
    "amount_cents",
    "created_at",
    "currency",
    "error_occured",  # sic: Paymob's spelling
    "has_parent_transaction",
    "id",
    "integration_id",
    "is_3d_secure",
    "is_auth",
    "is_capture",
    "is_refunded",
    "is_standalone_payment",
    "is_voided",
    "order.id",
    "owner",
    "pending",
    "source_data.pan",
    "source_data.sub_type",
    "source_data.type",
    "success",
)
# The card token callback ("type": "TOKEN", sent when a card is saved) signs these.
TOKEN_HMAC_FIELDS = (
    "card_subtype",
    "created_at",
    "email",
    "id",
    "masked_pan",
    "merchant_id",
    "order_id",
    "token",
)
# The transaction response callback (the member's redirect back, a GET) signs the same fields,
# flat: ``order`` instead of ``order.id``.
RESPONSE_HMAC_FIELDS = tuple("order" if f == "order.id" else f for f in TRANSACTION_HMAC_FIELDS)
NOT_GIVEN = "NA"  # Paymob's documented filler for billing fields we do not have


class PaymobGateway:
    """Paymob Accept: Intention API, Unified Checkout, HMAC callbacks."""

    name = "paymob"

    # --- configuration ---

    def available(self) -> bool:
        return bool(
            settings.PAYMOB_SECRET_KEY
            and settings.PAYMOB_PUBLIC_KEY
            and settings.PAYMOB_HMAC_SECRET
            and settings.PAYMOB_INTEGRATION_IDS
        )

    def _base(self) -> str:
        return str(settings.PAYMOB_API_BASE).rstrip("/")

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Token {settings.PAYMOB_SECRET_KEY}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    # --- checkout ---

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        """Create a payment intention and answer the Unified Checkout URL."""
        if not self.available():
            raise GatewayUnavailable(self.name)
        cents = http.minor_units(request.amount, request.currency)
        first_name, last_name = _split_name(request.customer_name)
        person = {
            "first_name": first_name,
            "last_name": last_name,
            "email": request.customer_email or NOT_GIVEN,
        }
        body: dict[str, Any] = {
            "amount": cents,
            "currency": request.currency.upper(),
            "payment_methods": [int(i) for i in settings.PAYMOB_INTEGRATION_IDS],
            "items": [
                {
                    "name": (request.description or request.reference)[:50],
                    "amount": cents,
                    "description": (request.description or request.reference)[:255],
                    "quantity": 1,
                }
            ],
            "billing_data": {**person, "phone_number": NOT_GIVEN},
            "customer": person,
            "special_reference": request.reference,
            "redirection_url": request.success_url,
            "extras": {"reference": request.reference},
        }
        if settings.PAYMOB_NOTIFICATION_URL:
            body["notification_url"] = settings.PAYMOB_NOTIFICATION_URL
        response = http.request(
            "POST",
            f"{self._base()}/v1/intention/",
            provider=PROVIDER,
            idempotent=False,  # no idempotency key exists here: a retry could charge twice
            headers=self._headers(),
            json=body,
        )
        intention = http.json_of(response, provider=PROVIDER)
        if not isinstance(intention, dict):
            raise http.refused_error()
        client_secret = intention.get("client_secret")
        order_id = intention.get("intention_order_id")
        if not isinstance(client_secret, str) or not client_secret or not _is_id(order_id):
            logger.error("Paymob created an intention without a client secret or an order id")
            raise http.refused_error()
        query = urlencode({"publicKey": settings.PAYMOB_PUBLIC_KEY, "clientSecret": client_secret})
        return CheckoutStart(
            provider_payment_id=str(order_id),
            redirect_url=f"{settings.PAYMOB_CHECKOUT_URL}?{query}",
            client_secret=client_secret if request.want_client_secret else "",
        )

    # --- webhooks ---

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        """Check the callback's HMAC and normalise the transaction it reports.

        Raises ``SignatureInvalid`` for a missing or wrong HMAC or a body that is not a Paymob
        callback; never calls Paymob.
        """
        try:
            callback = json.loads(body)
        except ValueError as exc:
            raise SignatureInvalid("the body is not JSON") from exc
        if not isinstance(callback, dict) or not isinstance(callback.get("obj"), dict):
            raise SignatureInvalid("the body is not a Paymob callback")
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        received = lowered.get(HMAC_HEADER.lower()) or callback.get("hmac")
        if not isinstance(received, str) or not received:
            raise SignatureInvalid("the callback carries no hmac")
        if not self.available():
            raise SignatureInvalid("Paymob is not configured: nothing can be verified")
        kind = callback.get("type")
        fields = {"TRANSACTION": TRANSACTION_HMAC_FIELDS, "TOKEN": TOKEN_HMAC_FIELDS}.get(str(kind))
        if fields is None:
            raise SignatureInvalid("a callback type whose signature is not documented")
        obj = callback["obj"]
        if kind == "TRANSACTION" and not _is_id(obj.get("id")):
            raise SignatureInvalid("the callback names no transaction")
        expected = callback_hmac(obj, fields, secret=str(settings.PAYMOB_HMAC_SECRET))
        if not hmac.compare_digest(expected, received.strip().lower()):
            raise SignatureInvalid("the hmac does not match")
        if kind != "TRANSACTION":
            return [
                GatewayEvent(
                    event_id=f"token:{obj.get('id', '')}",
                    type=IGNORED,
                    provider_type=f"{kind}",
                    payload=obj,
                )
            ]
        return [_transaction_event(obj)]

    def return_parse(self, *, query: Mapping[str, str]) -> list[GatewayEvent]:
        """Check and normalise the transaction response callback (the redirect back to us).

        Paymob sends the member to ``redirection_url`` with the transaction in the query string
        and an ``hmac`` over it; once checked it is as good as the processed callback, and
        normalises to the same event id, so whichever arrives first is applied and the other is
        a duplicate. Raises ``SignatureInvalid`` like ``webhook_parse``.
        """
        received = query.get("hmac")
        if not isinstance(received, str) or not received:
            raise SignatureInvalid("the redirect carries no hmac")
        if not self.available():
            raise SignatureInvalid("Paymob is not configured: nothing can be verified")
        message = "".join(str(query.get(name, "")) for name in RESPONSE_HMAC_FIELDS)
        expected = hmac.new(
            str(settings.PAYMOB_HMAC_SECRET).encode(), message.encode(), hashlib.sha512
        ).hexdigest()
        if not hmac.compare_digest(expected, received.strip().lower()) or not _is_id(
            query.get("id")
        ):
            raise SignatureInvalid("the hmac does not match")

        def flag(name: str) -> bool:
            return str(query.get(name, "")).lower() == "true"

        obj: dict[str, Any] = {
            "id": int(str(query["id"])),
            "amount_cents": query.get("amount_cents"),
            "currency": query.get("currency", ""),
            "created_at": query.get("created_at", ""),
            "order": {
                "id": query.get("order", ""),
                "merchant_order_id": query.get("merchant_order_id", ""),
            },
            "refunded_amount_cents": query.get("refunded_amount_cents"),
            **{
                name: flag(name)
                for name in (
                    "success",
                    "pending",
                    "is_refund",
                    "is_refunded",
                    "is_void",
                    "is_voided",
                )
            },
        }
        return [_transaction_event(obj)]

    # --- refunds ---

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of the order's successful transaction.

        Paymob's refund call takes no idempotency key, so it is sent once; the services must not
        repeat a refund whose outcome they did not learn (its callback will tell).
        """
        if not self.available():
            raise GatewayUnavailable(self.name)
        if not _is_id(provider_payment_id):
            raise http.refused_error()
        cents = http.minor_units(amount, currency)
        transaction_id = self._paid_transaction_id(provider_payment_id)
        response = http.request(
            "POST",
            f"{self._base()}/api/acceptance/void_refund/refund",
            provider=PROVIDER,
            idempotent=False,
            headers=self._headers(),
            json={"transaction_id": transaction_id, "amount_cents": cents},
        )
        refund = http.json_of(response, provider=PROVIDER)
        if isinstance(refund, dict) and isinstance(refund.get("obj"), dict):
            refund = refund["obj"]  # some answers wrap the transaction like a callback
        if not isinstance(refund, dict) or not _is_id(refund.get("id")):
            raise http.refused_error()
        if refund.get("pending") is True:
            return RefundResult(provider_refund_id=str(refund["id"]), status="pending")
        if refund.get("success") is True:
            return RefundResult(provider_refund_id=str(refund["id"]), status="succeeded")
        logger.warning("Paymob refused the refund of order %s", provider_payment_id)
        raise http.refused_error()

    def _paid_transaction_id(self, order_id: str) -> int:
        """The id of the order's successful payment transaction (transaction inquiry)."""
        response = http.request(
            "POST",
            f"{self._base()}/api/ecommerce/orders/transaction_inquiry",
            provider=PROVIDER,
            idempotent=True,  # an inquiry changes nothing
            headers=self._headers(),
            json={"order_id": int(order_id)},
        )
        transaction = http.json_of(response, provider=PROVIDER, ok=(200,))
        if isinstance(transaction, dict) and isinstance(transaction.get("obj"), dict):
            transaction = transaction["obj"]
        if not isinstance(transaction, dict):
            raise http.refused_error()
        if transaction.get("is_refund") or transaction.get("is_void"):
            # The order's latest transaction is itself a refund: refund its parent payment.
            parent = transaction.get("parent_transaction")
            if _is_id(parent):
                return int(str(parent))
            raise http.refused_error()
        if transaction.get("success") is not True or not _is_id(transaction.get("id")):
            logger.warning("Paymob order %s has no successful transaction to refund", order_id)
            raise http.refused_error()
        return int(str(transaction["id"]))


def callback_hmac(obj: Mapping[str, Any], fields: tuple[str, ...], *, secret: str) -> str:
    """The lower-case hex SHA-512 HMAC Paymob signs ``obj`` with."""
    message = "".join(_hmac_value(obj, field) for field in fields)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def _hmac_value(obj: Mapping[str, Any], dotted: str) -> str:
    value: Any = obj
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping):
        value = value.get("id")  # "order" may be sent as an object or as its id
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _transaction_event(obj: Mapping[str, Any]) -> GatewayEvent:
    """Normalise one verified transaction: a payment, a failure, a refund or a void."""
    order = obj.get("order")
    order_id = str(order.get("id", "")) if isinstance(order, Mapping) else str(order or "")
    reference = order.get("merchant_order_id") if isinstance(order, Mapping) else None
    currency = str(obj.get("currency") or "").upper()
    transaction_id = str(obj.get("id", ""))
    amount_cents = obj.get("amount_cents")
    refunded_cents = obj.get("refunded_amount_cents")
    if obj.get("is_void") is True or obj.get("is_voided") is True:
        # A void cancels the whole payment before settlement.
        kind, event_type, cents = "voided", PAYMENT_REFUNDED, amount_cents
    elif obj.get("is_refund") is True:
        # A refund transaction of its own; its parent's callback (is_refunded) carries the
        # total refunded when Paymob sends it.
        kind = "refund"
        event_type = PAYMENT_REFUNDED if obj.get("success") is True else IGNORED
        cents = refunded_cents if _positive(refunded_cents) else amount_cents
    elif obj.get("is_refunded") is True:
        kind, event_type = "refunded", PAYMENT_REFUNDED
        cents = refunded_cents if _positive(refunded_cents) else amount_cents
    elif obj.get("pending") is True:
        kind, event_type, cents = "pending", IGNORED, amount_cents
    elif obj.get("success") is True:
        kind, event_type, cents = "succeeded", PAYMENT_SUCCEEDED, amount_cents
    else:
        kind, event_type, cents = "failed", PAYMENT_FAILED, amount_cents
    # Paymob redelivers the same callback for the same transaction and state: the id keys both,
    # and a later refund of the same transaction (its refunded total) is a new event.
    event_id = f"{transaction_id}:{kind}"
    if event_type == PAYMENT_REFUNDED:
        event_id += f":{cents}"
    return GatewayEvent(
        event_id=event_id,
        type=event_type,
        provider_type=f"TRANSACTION.{kind}",
        provider_payment_id=order_id if _is_id(order_id) else "",
        reference=str(reference) if isinstance(reference, str) else "",
        amount=http.from_minor_units(cents, currency) if currency else None,
        currency=currency,
        occurred_at=_datetime(obj.get("created_at")),
        # The services keep the transaction id as the payment's transaction id.
        payload={**obj, "_transaction_id": transaction_id} if kind == "succeeded" else obj,
    )


def _split_name(full_name: str) -> tuple[str, str]:
    parts = (full_name or "").split(maxsplit=1)
    if not parts:
        return NOT_GIVEN, NOT_GIVEN
    return parts[0][:50], (parts[1] if len(parts) > 1 else NOT_GIVEN)[:50]


def _is_id(value: Any) -> bool:
    return not isinstance(value, bool) and str(value).isdigit() and len(str(value)) <= 20


def _positive(value: Any) -> bool:
    return _is_id(value) and int(str(value)) > 0


def _datetime(value: Any) -> dt.datetime | None:
    """Paymob's ``created_at``; a value without a UTC offset is not guessed at (``None``)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


GATEWAY = PaymobGateway()
