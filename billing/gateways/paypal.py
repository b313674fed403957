"""PayPal REST (Orders v2) behind the gateway interface (docs/architecture.md, "Billing").

- Checkout: an OAuth2 client-credentials token (``/v1/oauth2/token``, cached until shortly before
  it expires), then ``POST /v2/checkout/orders`` with intent CAPTURE, our reference in
  ``custom_id`` and ``reference_id``, the amount as a decimal string, and the return/cancel URLs in
  ``payment_source.paypal.experience_context``; the member is sent to the ``payer-action`` link
  (``approve`` on older answers). The order is created with ``PayPal-Request-Id`` = the payment's
  idempotency key, so it is safe to retry.
- Capture: the gateway captures the order itself when the ``CHECKOUT.ORDER.APPROVED`` webhook
  arrives (``PayPal-Request-Id`` ``capture-<order id>``, so a redelivered webhook never captures
  twice) and reports the capture's outcome in the same event; ``PAYMENT.CAPTURE.COMPLETED`` later
  reports it again, and the services' state machine credits once.
- Webhooks: verified by PayPal (``POST /v1/notifications/verify-webhook-signature`` with the five
  transmission headers, our webhook id and the event exactly as received), then normalised.
- Refunds: ``POST /v2/payments/captures/{capture id}/refund`` with ``PayPal-Request-Id``; the
  capture id is read from the order (``Payment.provider_payment_id`` is the order id).

``Payment.provider_payment_id`` is PayPal's order id everywhere: capture, refund, reversal and
dispute events are traced back to their order (``supplementary_data.related_ids.order_id``, or a
GET of the capture).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings

from billing.gateways import http
from billing.gateways.base import (
    IGNORED,
    PAYMENT_CHARGEBACK,
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

PROVIDER = "PayPal"
# The headers PayPal signs a webhook delivery with; every one is needed to verify it.
TRANSMISSION_HEADERS = {
    "transmission_id": "paypal-transmission-id",
    "transmission_time": "paypal-transmission-time",
    "transmission_sig": "paypal-transmission-sig",
    "cert_url": "paypal-cert-url",
    "auth_algo": "paypal-auth-algo",
}
TOKEN_MARGIN_SECONDS = 120  # renew the access token this long before PayPal says it expires
# PayPal ids are upper-case letters and digits; anything else in a path is refused.
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_CAPTURE_PATH = re.compile(r"/v2/payments/captures/([A-Za-z0-9-]{1,64})$")
_ORDER_PATH = re.compile(r"/v2/checkout/orders/([A-Za-z0-9-]{1,64})$")


class PayPalGateway:
    """PayPal Checkout (Orders v2, intent CAPTURE)."""

    name = "paypal"

    def __init__(self) -> None:
        self._token_lock = threading.Lock()
        self._token: tuple[tuple[str, str], str, float] | None = None  # (key, token, expires)

    # --- configuration ---

    def available(self) -> bool:
        return bool(
            settings.PAYPAL_CLIENT_ID
            and settings.PAYPAL_CLIENT_SECRET
            and settings.PAYPAL_WEBHOOK_ID
        )

    def _base(self) -> str:
        return str(settings.PAYPAL_API_BASE).rstrip("/")

    # --- HTTP ---

    def _access_token(self) -> str:
        """A client-credentials access token, cached per API base and client id."""
        key = (self._base(), str(settings.PAYPAL_CLIENT_ID))
        with self._token_lock:
            if self._token and self._token[0] == key and self._token[2] > time.monotonic():
                return self._token[1]
        response = http.request(
            "POST",
            f"{self._base()}/v1/oauth2/token",
            provider=PROVIDER,
            idempotent=True,  # asking for a token twice does no harm
            headers={"Accept": "application/json"},
            data={"grant_type": "client_credentials"},
            auth=(str(settings.PAYPAL_CLIENT_ID), str(settings.PAYPAL_CLIENT_SECRET)),
        )
        body = http.json_of(response, provider=PROVIDER, ok=(200,))
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise http.refused_error()
        try:
            lifetime = float(body.get("expires_in", 0))
        except (TypeError, ValueError):
            lifetime = 0.0
        with self._token_lock:
            self._token = (key, token, time.monotonic() + max(0.0, lifetime - TOKEN_MARGIN_SECONDS))
        return token

    def _forget_token(self) -> None:
        with self._token_lock:
            self._token = None

    def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        request_id: str = "",
        idempotent: bool,
    ) -> httpx.Response:
        """Call the REST API with a bearer token; a 401 (token revoked early) renews it once."""
        for attempt in (1, 2):
            headers = {
                "Authorization": f"Bearer {self._access_token()}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            }
            if request_id:
                headers["PayPal-Request-Id"] = request_id
            response = http.request(
                method,
                f"{self._base()}{path}",
                provider=PROVIDER,
                idempotent=idempotent,
                headers=headers,
                json=json_body,
                content=content,
            )
            if response.status_code != 401 or attempt == 2:
                return response
            self._forget_token()
        return response  # pragma: no cover - the loop always returns

    # --- checkout ---

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart:
        """Create a CAPTURE order and answer its approval link."""
        if not self.available():
            raise GatewayUnavailable(self.name)
        experience: dict[str, Any] = {
            "return_url": request.success_url,
            "cancel_url": request.cancel_url,
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",  # points are not shipped
        }
        paypal: dict[str, Any] = {"experience_context": experience}
        if request.customer_email:
            paypal["email_address"] = request.customer_email
        body = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": request.reference,
                    "custom_id": request.reference,
                    "description": request.description[:127],
                    "amount": {
                        "currency_code": request.currency.upper(),
                        "value": http.decimal_string(request.amount, request.currency),
                    },
                }
            ],
            "payment_source": {"paypal": paypal},
        }
        response = self._call(
            "POST",
            "/v2/checkout/orders",
            json_body=body,
            request_id=request.idempotency_key,
            # With PayPal-Request-Id a repeated create answers the same order; without it a
            # retry could open a second order, so it is sent once.
            idempotent=bool(request.idempotency_key),
        )
        order = http.json_of(response, provider=PROVIDER)
        order_id = order.get("id") if isinstance(order, dict) else None
        link = approval_link(order) if isinstance(order, dict) else ""
        if not isinstance(order_id, str) or not _ID.match(order_id) or not link:
            logger.error("PayPal created an order without an id or an approval link")
            raise http.refused_error()
        return CheckoutStart(provider_payment_id=order_id, redirect_url=link)

    def return_confirm(self, *, provider_payment_id: str) -> GatewayEvent:
        """Capture the order the member approved and came back from (the return page).

        For when the webhook is late or cannot reach us (a local sandbox): the capture is a
        server-to-server call, so its answer needs no signature. Same ``PayPal-Request-Id`` as
        the webhook's capture, so the two never capture twice; the event id is
        ``<order id>:return`` and the services' state machine credits once, whichever comes
        first. An order not approved yet is ``IGNORED``.
        """
        if not self.available():
            raise GatewayUnavailable(self.name)
        common: dict[str, Any] = {
            "event_id": f"{provider_payment_id}:return",
            "provider_type": "RETURN.CAPTURE",
            "payload": {"id": provider_payment_id},
        }
        return self._order_approved({"id": provider_payment_id}, common)

    # --- webhooks ---

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayEvent]:
        """Have PayPal verify the delivery, then normalise it (capturing approved orders).

        Raises ``SignatureInvalid`` for a missing header, a body that is not an event, or a
        verification status other than SUCCESS; ``GatewayError`` when PayPal cannot be reached
        (answer non-2xx so PayPal delivers again).
        """
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        transmission = {
            field: lowered.get(header, "") for field, header in TRANSMISSION_HEADERS.items()
        }
        if not all(transmission.values()):
            raise SignatureInvalid("a PayPal transmission header is missing")
        if not self.available():
            raise SignatureInvalid("PayPal is not configured: nothing can be verified")
        event = _event_json(body)
        self._verify(body=body, transmission=transmission)
        return [self._normalise(event)]

    def _verify(self, *, body: bytes, transmission: Mapping[str, str]) -> None:
        meta = dict(transmission, webhook_id=str(settings.PAYPAL_WEBHOOK_ID))
        # The event goes to PayPal byte for byte as it arrived: re-serialising it would change
        # the bytes PayPal signed (key order, spacing, number formats) and fail verification.
        content = json.dumps(meta)[:-1].encode() + b', "webhook_event": ' + body.strip() + b"}"
        response = self._call(
            "POST",
            "/v1/notifications/verify-webhook-signature",
            content=content,
            idempotent=True,  # a verification changes nothing at PayPal
        )
        if 400 <= response.status_code < 500 and response.status_code not in http.RETRY_STATUSES:
            raise SignatureInvalid("PayPal refused to verify this delivery")
        result = http.json_of(response, provider=PROVIDER, ok=(200,))
        if not isinstance(result, dict) or result.get("verification_status") != "SUCCESS":
            raise SignatureInvalid("PayPal did not verify this delivery")

    def _normalise(self, event: Mapping[str, Any]) -> GatewayEvent:
        event_type = str(event.get("event_type", ""))
        resource = event.get("resource")
        resource = resource if isinstance(resource, dict) else {}
        common: dict[str, Any] = {
            "event_id": str(event["id"]),
            "provider_type": event_type,
            "occurred_at": _datetime(event.get("create_time")),
            "payload": resource,
        }
        if event_type == "CHECKOUT.ORDER.APPROVED":
            return self._order_approved(resource, common)
        if event_type == "PAYMENT.CAPTURE.COMPLETED":
            return _capture_event(PAYMENT_SUCCEEDED, resource, common)
        if event_type in ("PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"):
            return _capture_event(PAYMENT_FAILED, resource, common)
        if event_type == "PAYMENT.CAPTURE.REFUNDED":
            return self._refund_event(PAYMENT_REFUNDED, resource, common)
        if event_type == "PAYMENT.CAPTURE.REVERSED":
            # PayPal took the money back (a chargeback or a reversal): the points go back too.
            return self._refund_event(PAYMENT_CHARGEBACK, resource, common)
        if event_type == "CUSTOMER.DISPUTE.CREATED":
            return self._dispute_event(resource, common)
        return GatewayEvent(type=IGNORED, **common)

    def _order_approved(self, order: Mapping[str, Any], common: dict[str, Any]) -> GatewayEvent:
        """Capture the approved order and report the capture's outcome."""
        order_id = str(order.get("id", ""))
        reference = _purchase_unit(order).get("custom_id", "")
        base = {**common, "provider_payment_id": order_id, "reference": str(reference or "")}
        if not _ID.match(order_id):
            return GatewayEvent(type=IGNORED, **base)
        response = self._call(
            "POST",
            f"/v2/checkout/orders/{order_id}/capture",
            request_id=f"capture-{order_id}",
            idempotent=True,  # PayPal-Request-Id makes a repeated capture answer the first one
        )
        if response.status_code == 422:
            issues = _issues(response)
            if "ORDER_ALREADY_CAPTURED" in issues or "ORDER_NOT_APPROVED" in issues:
                # Captured elsewhere (its own webhook reports it), or not approved (yet).
                return GatewayEvent(type=IGNORED, **base)
            logger.warning("PayPal refused to capture order %s: %s", order_id, " ".join(issues))
            return GatewayEvent(type=PAYMENT_FAILED, **base)
        if 400 <= response.status_code < 500 and response.status_code not in http.RETRY_STATUSES:
            logger.warning("PayPal refused to capture order %s: %d", order_id, response.status_code)
            return GatewayEvent(type=PAYMENT_FAILED, **base)
        captured = http.json_of(response, provider=PROVIDER)
        unit = _purchase_unit(captured if isinstance(captured, dict) else {})
        captures = (unit.get("payments") or {}).get("captures") or []
        capture = captures[0] if captures and isinstance(captures[0], dict) else {}
        status = capture.get("status", "")
        amount, currency = _amount(capture.get("amount"))
        outcome = {
            "COMPLETED": PAYMENT_SUCCEEDED,
            "DECLINED": PAYMENT_FAILED,
            "FAILED": PAYMENT_FAILED,
        }
        return GatewayEvent(
            type=outcome.get(status, IGNORED),  # PENDING: PAYMENT.CAPTURE.COMPLETED follows
            amount=amount,
            currency=currency,
            **{
                **base,
                "reference": str(
                    capture.get("custom_id") or unit.get("custom_id") or base["reference"]
                ),
                # The services keep the capture id as the payment's transaction id.
                "payload": {**order, "_transaction_id": str(capture.get("id") or "")},
            },
        )

    def _refund_event(
        self, event_type: str, resource: Mapping[str, Any], common: dict[str, Any]
    ) -> GatewayEvent:
        """A refund or reversal: the total taken back, traced to its order."""
        if _related_order_id(resource):  # the resource is the capture itself
            return _capture_event(event_type, resource, common)
        capture_id = _linked_id(resource, "up", _CAPTURE_PATH)
        order_id, reference = self._capture_origin(capture_id)
        breakdown = resource.get("seller_payable_breakdown") or {}
        total, currency = _amount(breakdown.get("total_refunded_amount"))
        if total is None:
            total, currency = _amount(resource.get("amount"))
        return GatewayEvent(
            type=event_type,
            provider_payment_id=order_id,
            reference=str(resource.get("custom_id") or reference),
            amount=total,
            currency=currency,
            **common,
        )

    def _dispute_event(self, dispute: Mapping[str, Any], common: dict[str, Any]) -> GatewayEvent:
        """A buyer opened a dispute: treated as a chargeback of the disputed amount."""
        transactions = dispute.get("disputed_transactions") or []
        first = transactions[0] if transactions and isinstance(transactions[0], dict) else {}
        capture_id = str(first.get("seller_transaction_id", ""))
        order_id, reference = self._capture_origin(capture_id)
        amount, currency = _amount(dispute.get("dispute_amount"))
        return GatewayEvent(
            type=PAYMENT_CHARGEBACK if order_id else IGNORED,
            provider_payment_id=order_id,
            reference=str(first.get("custom") or reference),
            amount=amount,
            currency=currency,
            **common,
        )

    def _capture_origin(self, capture_id: str) -> tuple[str, str]:
        """The order id and our reference of a capture (GET /v2/payments/captures/{id})."""
        if not _ID.match(capture_id or ""):
            return "", ""
        response = self._call("GET", f"/v2/payments/captures/{capture_id}", idempotent=True)
        if response.status_code == 404:
            return "", ""
        capture = http.json_of(response, provider=PROVIDER, ok=(200,))
        if not isinstance(capture, dict):
            return "", ""
        return _related_order_id(capture), str(capture.get("custom_id") or "")

    # --- refunds ---

    def refund(
        self, *, provider_payment_id: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Refund ``amount`` of the order's capture (PayPal-Request-Id = ``idempotency_key``)."""
        if not self.available():
            raise GatewayUnavailable(self.name)
        if not _ID.match(provider_payment_id or ""):
            raise http.refused_error()
        response = self._call("GET", f"/v2/checkout/orders/{provider_payment_id}", idempotent=True)
        order = http.json_of(response, provider=PROVIDER, ok=(200,))
        unit = _purchase_unit(order if isinstance(order, dict) else {})
        captures = (unit.get("payments") or {}).get("captures") or []
        capture_id = next(
            (
                str(c.get("id"))
                for c in captures
                if isinstance(c, dict)
                and c.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED")
                and _ID.match(str(c.get("id", "")))
            ),
            "",
        )
        if not capture_id:
            logger.warning("PayPal order %s has no capture to refund", provider_payment_id)
            raise http.refused_error()
        body: dict[str, Any] = {
            "amount": {
                "currency_code": currency.upper(),
                "value": http.decimal_string(amount, currency),
            }
        }
        if unit.get("custom_id"):
            body["custom_id"] = str(unit["custom_id"])[:127]  # the refund's webhook names us
        response = self._call(
            "POST",
            f"/v2/payments/captures/{capture_id}/refund",
            json_body=body,
            request_id=idempotency_key,
            idempotent=bool(idempotency_key),
        )
        refund = http.json_of(response, provider=PROVIDER)
        status = refund.get("status") if isinstance(refund, dict) else None
        refund_id = str(refund.get("id", "")) if isinstance(refund, dict) else ""
        if status == "COMPLETED" and refund_id:
            return RefundResult(provider_refund_id=refund_id, status="succeeded")
        if status == "PENDING" and refund_id:
            return RefundResult(provider_refund_id=refund_id, status="pending")
        logger.warning("PayPal refund of order %s ended %s", provider_payment_id, status)
        raise http.refused_error()


def approval_link(order: Mapping[str, Any]) -> str:
    """The link the payer approves the order at: ``payer-action`` (or ``approve``)."""
    links = order.get("links") or []
    by_rel = {
        link.get("rel"): link.get("href")
        for link in links
        if isinstance(link, dict) and isinstance(link.get("href"), str)
    }
    for rel in ("payer-action", "approve"):
        href = by_rel.get(rel)
        if href and href.startswith("https://"):
            return str(href)
    return ""


def _event_json(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError as exc:
        raise SignatureInvalid("the body is not JSON") from exc
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not event["id"]
        or not isinstance(event.get("event_type"), str)
    ):
        raise SignatureInvalid("the body is not a PayPal webhook event")
    return event


def _capture_event(
    event_type: str, capture: Mapping[str, Any], common: dict[str, Any]
) -> GatewayEvent:
    amount, currency = _amount(capture.get("amount"))
    payload = common["payload"]
    if event_type == PAYMENT_SUCCEEDED:
        payload = {**payload, "_transaction_id": str(capture.get("id") or "")}
    return GatewayEvent(
        type=event_type,
        provider_payment_id=_related_order_id(capture),
        reference=str(capture.get("custom_id") or ""),
        amount=amount,
        currency=currency,
        **{**common, "payload": payload},
    )


def _related_order_id(capture: Mapping[str, Any]) -> str:
    related = ((capture.get("supplementary_data") or {}).get("related_ids") or {}).get("order_id")
    if isinstance(related, str) and _ID.match(related):
        return related
    return _linked_id(capture, "up", _ORDER_PATH)


def _linked_id(resource: Mapping[str, Any], rel: str, pattern: re.Pattern[str]) -> str:
    for link in resource.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == rel:
            match = pattern.search(httpx.URL(str(link.get("href", ""))).path)
            if match:
                return match.group(1)
    return ""


def _purchase_unit(order: Mapping[str, Any]) -> dict[str, Any]:
    units = order.get("purchase_units") or []
    return units[0] if units and isinstance(units[0], dict) else {}


def _amount(money: Any) -> tuple[Decimal | None, str]:
    if not isinstance(money, dict):
        return None, ""
    currency = str(money.get("currency_code", "")).upper()
    return http.from_decimal_string(money.get("value"), currency), currency


def _issues(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    details = body.get("details") if isinstance(body, dict) else None
    return [str(d.get("issue")) for d in details or [] if isinstance(d, dict) and d.get("issue")]


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


GATEWAY = PayPalGateway()
