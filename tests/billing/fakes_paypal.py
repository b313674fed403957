"""A fake PayPal REST API at the httpx transport, answering with PayPal's real JSON shapes.

It checks what we send the way PayPal does (client-credentials token, bearer token, the Orders v2
body, PayPal-Request-Id replays, refund limits) and signs webhook deliveries the way PayPal does:
the transmission signature covers ``<transmission id>|<time>|<webhook id>|<CRC32 of the raw
body>``. PayPal signs with an RSA key behind PAYPAL-CERT-URL; the fake uses an HMAC, and its
``verify-webhook-signature`` recomputes the CRC32 over the event bytes exactly as they reach it,
so a body changed after signing, or re-serialised by us, fails like it does at PayPal.

Use::

    fake = FakePayPal()
    with fake.installed(settings):
        ...
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from billing.gateways import http

BASE = "https://api-m.sandbox.paypal.com"
CLIENT_ID = "AYSq3RDGsmBLJE-otTkBtM-jBRd1TCQwFf9RGfwddNXWz0uFU9ztymylOhRS"
CLIENT_SECRET = "EGnHDxD_qRPdaLdZz8iCr8N7_MzF-YHPTkjs6NKYQvQSBngp4PTTVWkPZRbL"
WEBHOOK_ID = "8PT597110X687430LKGECATA"
CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270"

_ids = itertools.count(1)


def paypal_id(prefix: str = "") -> str:
    """A 17-character upper-case id like PayPal's ("5O190127TN364715T")."""
    return f"{prefix}{next(_ids):0>8}TN{secrets.token_hex(4).upper()}"[:17].ljust(17, "X")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, name: str, message: str, issue: str = "") -> httpx.Response:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": "f0a7c1b2d3e4"}
    if issue:
        body["details"] = [{"issue": issue, "description": message}]
    return httpx.Response(status, json=body)


@dataclass
class FakePayPal:
    """PayPal's sandbox, in memory."""

    webhook_id: str = WEBHOOK_ID
    requests: list[httpx.Request] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    captures: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    replays: dict[str, httpx.Response] = field(default_factory=dict)  # PayPal-Request-Id
    # (method, path prefix) -> list of failures to serve first (an exception or a status code)
    failures: dict[tuple[str, str], list[Exception | int]] = field(default_factory=dict)
    capture_status: str = "COMPLETED"  # what the next capture ends as (DECLINED, PENDING)
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # --- wiring ---

    @contextmanager
    def installed(self, settings: Any) -> Iterator[FakePayPal]:
        """Configure the PayPal settings and route the gateways' client through this fake."""
        from billing.gateways.paypal import GATEWAY

        settings.PAYPAL_CLIENT_ID = CLIENT_ID
        settings.PAYPAL_CLIENT_SECRET = CLIENT_SECRET
        settings.PAYPAL_WEBHOOK_ID = self.webhook_id
        settings.PAYPAL_API_BASE = BASE
        GATEWAY._forget_token()
        backoff, http.BACKOFF_SECONDS = http.BACKOFF_SECONDS, 0
        try:
            with http.use_transport(httpx.MockTransport(self.handler)):
                yield self
        finally:
            http.BACKOFF_SECONDS = backoff
            GATEWAY._forget_token()

    def fail(self, method: str, path: str, *failures: Exception | int) -> None:
        """Serve ``failures`` (exceptions raised, or statuses answered) before real answers."""
        self.failures.setdefault((method, path), []).extend(failures)

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    # --- the API ---

    def handler(self, request: httpx.Request) -> httpx.Response:
        # PayPal applies one request at a time per PayPal-Request-Id; one lock is enough here.
        with self.lock:
            return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for (method, prefix), queue in self.failures.items():
            if request.method == method and request.url.path.startswith(prefix) and queue:
                failure = queue.pop(0)
                if isinstance(failure, Exception):
                    raise failure
                return _error(failure, "INTERNAL_SERVICE_ERROR", "An internal error occurred.")
        path = request.url.path
        if request.method == "POST" and path == "/v1/oauth2/token":
            return self._token(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return httpx.Response(
                401,
                json={
                    "error": "invalid_token",
                    "error_description": "Token signature verification failed",
                },
            )
        request_id = request.headers.get("PayPal-Request-Id", "")
        replay_key = f"{request.method} {path} {request_id}"
        if request_id and replay_key in self.replays:
            return self.replays[replay_key]
        response = self._route(request, path)
        if request_id and response.status_code < 300:
            self.replays[replay_key] = response
        return response

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        if request.method == "POST" and path == "/v2/checkout/orders":
            return self._order_create(request)
        if request.method == "POST" and path == "/v1/notifications/verify-webhook-signature":
            return self._verify(request)
        if match := re.fullmatch(r"/v2/checkout/orders/(\w+)/capture", path):
            return self._capture(request, match.group(1))
        if match := re.fullmatch(r"/v2/checkout/orders/(\w+)", path):
            order = self.orders.get(match.group(1))
            if order is None:
                return _error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
            return httpx.Response(200, json=order)
        if match := re.fullmatch(r"/v2/payments/captures/(\w+)/refund", path):
            return self._refund(request, match.group(1))
        if match := re.fullmatch(r"/v2/payments/captures/(\w+)", path):
            capture = self.captures.get(match.group(1))
            if capture is None:
                return _error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
            return httpx.Response(200, json=capture)
        return _error(404, "NOT_FOUND", "The requested resource was not found.")

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = dict(
            pair.split("=", 1) for pair in request.content.decode().split("&") if "=" in pair
        )
        if request.headers.get("Authorization") != f"Basic {expected}":
            return httpx.Response(
                401,
                json={
                    "error": "invalid_client",
                    "error_description": "Client Authentication failed",
                },
            )
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(
                400,
                json={"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"},
            )
        token = f"A21AA{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        return httpx.Response(
            200,
            json={
                "scope": "https://uri.paypal.com/services/payments/refund "
                "https://uri.paypal.com/services/applications/webhooks",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": 32400,
                "nonce": f"{_now()}{secrets.token_hex(8)}",
            },
        )

    def _order_create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        problems = order_body_problems(body)
        if problems:
            return _error(400, "INVALID_REQUEST", "Request is not well-formed.", problems[0])
        order_id = paypal_id()
        unit = body["purchase_units"][0]
        self.orders[order_id] = {
            "id": order_id,
            "intent": "CAPTURE",
            "status": "PAYER_ACTION_REQUIRED",
            "payment_source": {"paypal": {}},
            "purchase_units": [
                {
                    "reference_id": unit.get("reference_id", "default"),
                    "custom_id": unit.get("custom_id"),
                    "description": unit.get("description"),
                    "amount": unit["amount"],
                    "payee": {
                        "email_address": "sb-skillswap@business.example.com",
                        "merchant_id": "3SQBR4YEWZ4BA",
                    },
                }
            ],
            "create_time": _now(),
            "links": self._order_links(order_id),
        }
        answer = {
            "id": order_id,
            "status": "PAYER_ACTION_REQUIRED",
            "payment_source": {"paypal": {}},
            "links": [
                {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                    "rel": "payer-action",
                    "method": "GET",
                },
            ],
        }
        return httpx.Response(200, json=answer)

    def _order_links(self, order_id: str) -> list[dict[str, str]]:
        return [
            {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"},
            {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "update", "method": "PATCH"},
            {
                "href": f"{BASE}/v2/checkout/orders/{order_id}/capture",
                "rel": "capture",
                "method": "POST",
            },
        ]

    def _capture(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self.orders.get(order_id)
        if order is None:
            return _error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
        if order["status"] == "COMPLETED":
            return _error(
                422,
                "UNPROCESSABLE_ENTITY",
                "The requested action could not be performed.",
                "ORDER_ALREADY_CAPTURED",
            )
        if order["status"] != "APPROVED":
            return _error(
                422,
                "UNPROCESSABLE_ENTITY",
                "The requested action could not be performed.",
                "ORDER_NOT_APPROVED",
            )
        unit = order["purchase_units"][0]
        capture_id = paypal_id()
        capture = {
            "id": capture_id,
            "status": self.capture_status,
            "amount": unit["amount"],
            "final_capture": True,
            "seller_protection": {
                "status": "ELIGIBLE",
                "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
            },
            "seller_receivable_breakdown": {
                "gross_amount": unit["amount"],
                "paypal_fee": {"currency_code": unit["amount"]["currency_code"], "value": "0.73"},
                "net_amount": unit["amount"],
            },
            "custom_id": unit.get("custom_id"),
            "supplementary_data": {"related_ids": {"order_id": order_id}},
            "links": [
                {
                    "href": f"{BASE}/v2/payments/captures/{capture_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{BASE}/v2/payments/captures/{capture_id}/refund",
                    "rel": "refund",
                    "method": "POST",
                },
                {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "up", "method": "GET"},
            ],
            "create_time": _now(),
            "update_time": _now(),
        }
        self.captures[capture_id] = capture
        order["status"] = "COMPLETED"
        unit["payments"] = {"captures": [capture]}
        answer = {
            "id": order_id,
            "status": "COMPLETED",
            "payment_source": {
                "paypal": {
                    "name": {"given_name": "John", "surname": "Doe"},
                    "email_address": "customer@example.com",
                    "account_id": "QYR5Z8XDVJNXQ",
                }
            },
            "purchase_units": [
                {
                    "reference_id": unit["reference_id"],
                    "payments": {
                        "captures": [
                            {k: v for k, v in capture.items() if k != "supplementary_data"}
                        ]
                    },
                }
            ],
            "payer": {
                "name": {"given_name": "John", "surname": "Doe"},
                "email_address": "customer@example.com",
                "payer_id": "QYR5Z8XDVJNXQ",
            },
            "links": [
                {"href": f"{BASE}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"}
            ],
        }
        return httpx.Response(201, json=answer)

    def _refund(self, request: httpx.Request, capture_id: str) -> httpx.Response:
        capture = self.captures.get(capture_id)
        if capture is None:
            return _error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")
        body = json.loads(request.content or b"{}")
        currency = capture["amount"]["currency_code"]
        captured = Decimal(capture["amount"]["value"])
        already = sum(
            (
                Decimal(r["amount"]["value"])
                for r in self.refunds.values()
                if r["_capture"] == capture_id
            ),
            Decimal(0),
        )
        value = Decimal(body.get("amount", {}).get("value", captured - already))
        if body.get("amount", {}).get("currency_code", currency) != currency:
            return _error(
                422, "UNPROCESSABLE_ENTITY", "Currency mismatch.", "REFUND_CURRENCY_MISMATCH"
            )
        if value + already > captured:
            return _error(
                422,
                "UNPROCESSABLE_ENTITY",
                "The refund amount must be less than or equal to the capture amount.",
                "REFUND_AMOUNT_EXCEEDED",
            )
        refund_id = paypal_id()
        total = already + value
        self.refunds[refund_id] = {
            "_capture": capture_id,
            "id": refund_id,
            "amount": {"currency_code": currency, "value": f"{value:.2f}"},
            "custom_id": body.get("custom_id"),
            "seller_payable_breakdown": {
                "gross_amount": {"currency_code": currency, "value": f"{value:.2f}"},
                "paypal_fee": {"currency_code": currency, "value": "0.00"},
                "net_amount": {"currency_code": currency, "value": f"{value:.2f}"},
                "total_refunded_amount": {"currency_code": currency, "value": f"{total:.2f}"},
            },
            "status": "COMPLETED",
            "create_time": _now(),
            "update_time": _now(),
            "links": [
                {"href": f"{BASE}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
                {"href": f"{BASE}/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"},
            ],
        }
        capture["status"] = "REFUNDED" if total == captured else "PARTIALLY_REFUNDED"
        answer = {
            "id": refund_id,
            "status": "COMPLETED",
            "links": self.refunds[refund_id]["links"],
        }
        return httpx.Response(201, json=answer)

    def _verify(self, request: httpx.Request) -> httpx.Response:
        text = request.content.decode()
        try:
            body = json.loads(text)
        except ValueError:
            return _error(
                400, "VALIDATION_ERROR", "Invalid request - see details", "MALFORMED_REQUEST_JSON"
            )
        expected_keys = {
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
            "webhook_event",
        }
        if set(body) != expected_keys:
            return _error(
                400,
                "VALIDATION_ERROR",
                "Invalid request - see details",
                "MISSING_REQUIRED_PARAMETER",
            )
        raw_event = _raw_member(text, "webhook_event")
        signed = (
            f"{body['transmission_id']}|{body['transmission_time']}|{body['webhook_id']}|"
            f"{binascii.crc32(raw_event.encode())}"
        )
        expected = base64.b64encode(
            hmac.new(self.signing_key, signed.encode(), hashlib.sha256).digest()
        ).decode()
        ok = (
            hmac.compare_digest(expected, str(body["transmission_sig"]))
            and body["webhook_id"] == self.webhook_id
            and body["cert_url"] == CERT_URL
            and body["auth_algo"] == "SHA256withRSA"
        )
        return httpx.Response(200, json={"verification_status": "SUCCESS" if ok else "FAILURE"})

    # --- what PayPal would deliver ---

    def sign(self, event: dict[str, Any] | bytes) -> tuple[bytes, dict[str, str]]:
        """The delivery PayPal would POST: the raw body and its transmission headers."""
        body = event if isinstance(event, bytes) else json.dumps(event, indent=1).encode()
        transmission_id = f"{secrets.token_hex(4)}-d67a-11e5-baa3-{secrets.token_hex(6)}"
        transmission_time = _now()
        signed = f"{transmission_id}|{transmission_time}|{self.webhook_id}|{binascii.crc32(body)}"
        signature = base64.b64encode(
            hmac.new(self.signing_key, signed.encode(), hashlib.sha256).digest()
        ).decode()
        headers = {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-CERT-URL": CERT_URL,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }
        return body, headers

    def approve(self, order_id: str) -> dict[str, Any]:
        """The buyer approves: the order turns APPROVED and PayPal sends CHECKOUT.ORDER.APPROVED."""
        order = self.orders[order_id]
        order["status"] = "APPROVED"
        order["payer"] = {
            "name": {"given_name": "John", "surname": "Doe"},
            "email_address": "customer@example.com",
            "payer_id": "QYR5Z8XDVJNXQ",
            "address": {"country_code": "US"},
        }
        resource = json.loads(json.dumps(order))
        return webhook_event(
            "CHECKOUT.ORDER.APPROVED",
            "checkout-order",
            resource,
            "An order has been approved by buyer",
        )

    def capture_completed(self, capture_id: str) -> dict[str, Any]:
        capture = json.loads(json.dumps(self.captures[capture_id]))
        amount = capture["amount"]
        event_type = {
            "COMPLETED": "PAYMENT.CAPTURE.COMPLETED",
            "DECLINED": "PAYMENT.CAPTURE.DENIED",
        }
        return webhook_event(
            event_type.get(capture["status"], "PAYMENT.CAPTURE.PENDING"),
            "capture",
            capture,
            f"Payment completed for {amount['value']} {amount['currency_code']}",
        )

    def refunded(self, refund_id: str) -> dict[str, Any]:
        refund = {k: v for k, v in self.refunds[refund_id].items() if not k.startswith("_")}
        if refund.get("custom_id") is None:
            refund.pop("custom_id")
        amount = refund["amount"]
        return webhook_event(
            "PAYMENT.CAPTURE.REFUNDED",
            "refund",
            refund,
            f"A {amount['value']} {amount['currency_code']} capture payment was refunded",
        )

    def refund_on_dashboard(self, capture_id: str, value: str) -> str:
        """A staff member refunds on PayPal's site (no custom_id on the refund)."""
        request = httpx.Request(
            "POST",
            f"{BASE}/v2/payments/captures/{capture_id}/refund",
            json={
                "amount": {
                    "value": value,
                    "currency_code": self.captures[capture_id]["amount"]["currency_code"],
                }
            },
        )
        response = self._refund(request, capture_id)
        return str(response.json()["id"])

    def dispute_created(self, capture_id: str, value: str) -> dict[str, Any]:
        currency = self.captures[capture_id]["amount"]["currency_code"]
        dispute = {
            "dispute_id": "PP-D-27803",
            "create_time": _now(),
            "update_time": _now(),
            "disputed_transactions": [
                {
                    "seller_transaction_id": capture_id,
                    "seller": {"merchant_id": "RD465XN5VS364", "name": "Test Store"},
                    "items": [],
                    "seller_protection_eligible": True,
                }
            ],
            "reason": "UNAUTHORISED",
            "status": "OPEN",
            "dispute_amount": {"currency_code": currency, "value": value},
            "dispute_life_cycle_stage": "CHARGEBACK",
            "dispute_channel": "EXTERNAL",
            "links": [
                {"href": f"{BASE}/v1/customer/disputes/PP-D-27803", "rel": "self", "method": "GET"}
            ],
        }
        return webhook_event(
            "CUSTOMER.DISPUTE.CREATED",
            "dispute",
            dispute,
            "A new dispute opened with Case # PP-D-27803",
        )


def webhook_event(
    event_type: str, resource_type: str, resource: dict[str, Any], summary: str
) -> dict[str, Any]:
    """A webhook event envelope as PayPal sends it."""
    event_id = f"WH-{secrets.token_hex(8).upper()}-{secrets.token_hex(8).upper()}"
    return {
        "id": event_id,
        "event_version": "1.0",
        "create_time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "resource_type": resource_type,
        "resource_version": "2.0",
        "event_type": event_type,
        "summary": summary,
        "resource": resource,
        "links": [
            {
                "href": f"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/{event_id}",
                "rel": "self",
                "method": "GET",
            },
            {
                "href": f"https://api.sandbox.paypal.com/v1/notifications/webhooks-events/{event_id}/resend",
                "rel": "resend",
                "method": "POST",
            },
        ],
    }


def order_body_problems(body: Any) -> list[str]:
    """What PayPal would refuse in an Orders v2 create body (its ``issue`` names)."""
    if not isinstance(body, dict):
        return ["MALFORMED_REQUEST_JSON"]
    problems = []
    if body.get("intent") != "CAPTURE":
        problems.append("INVALID_PARAMETER_VALUE")
    units = body.get("purchase_units")
    if not isinstance(units, list) or len(units) != 1:
        return [*problems, "MISSING_REQUIRED_PARAMETER"]
    amount = units[0].get("amount") or {}
    if not re.fullmatch(r"[A-Z]{3}", str(amount.get("currency_code", ""))):
        problems.append("INVALID_CURRENCY_CODE")
    value = amount.get("value")
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,10}(\.\d{2})?", value):
        problems.append("DECIMAL_PRECISION")
    if len(str(units[0].get("custom_id", ""))) > 127:
        problems.append("INVALID_STRING_MAX_LENGTH")
    context = ((body.get("payment_source") or {}).get("paypal") or {}).get(
        "experience_context"
    ) or {}
    if not context.get("return_url") or not context.get("cancel_url"):
        problems.append("MISSING_REQUIRED_PARAMETER")
    return problems


def _raw_member(text: str, key: str) -> str:
    """The exact text of ``key``'s value inside the JSON object ``text`` (no re-serialising)."""
    decoder = json.JSONDecoder()
    match = re.search(rf'"{re.escape(key)}"\s*:\s*', text)
    if not match:
        return ""
    _, end = decoder.raw_decode(text, match.end())
    return text[match.end() : end]
