"""A fake Paymob (Egypt) at the httpx transport, answering with Paymob's real JSON shapes.

It checks what we send as Paymob does (``Authorization: Token <secret key>``, the intention body:
integer piasters, known integration ids, items adding up to the amount, billing data, a unique
``special_reference``) and signs transaction callbacks as Paymob does: a lower-case hex SHA-512
HMAC, keyed by the HMAC secret, over the documented fields' values concatenated in the documented
order, sent as the ``hmac`` query parameter (``callback()`` answers it in the header the webhook
view forwards it in).

``SAMPLE_CALLBACK`` is the transaction processed callback of Paymob's HMAC documentation (its
values give the documented concatenated string, ``DOCUMENTED_HMAC_STRING``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from billing.gateways import http

BASE = "https://accept.paymob.com"
SECRET_KEY = "egy_sk_test_1cb4ddc00c87c0c981a9a12dc71c1bac3f9c615d454b169342a4f700039d5993"
PUBLIC_KEY = "egy_pk_test_Qw8yXbNPdTi0jBm2RnCkVa7eLsWfHzUo"
HMAC_SECRET = "4F1A9C2B7E3D8F605A1B2C3D4E5F6A7B"
INTEGRATION_ID = 4097558

# Paymob's documented sample (HMAC Transaction Callback page): these values concatenate to
# DOCUMENTED_HMAC_STRING.
DOCUMENTED_HMAC_STRING = (
    "1000002024-06-13T11:33:44.592345EGPfalsefalse1920364654097558truefalsefalsefalsetruefalse"
    "217503754302852false2346MasterCardcardtrue"
)
SAMPLE_CALLBACK: dict[str, Any] = {
    "type": "TRANSACTION",
    "obj": {
        "id": 192036465,
        "pending": False,
        "amount_cents": 100000,
        "success": True,
        "is_auth": False,
        "is_capture": False,
        "is_standalone_payment": True,
        "is_voided": False,
        "is_refunded": False,
        "is_3d_secure": True,
        "integration_id": 4097558,
        "profile_id": 164295,
        "has_parent_transaction": False,
        "order": {
            "id": 217503754,
            "created_at": "2024-06-13T11:32:09.628623",
            "delivery_needed": False,
            "merchant": {
                "id": 164295,
                "created_at": "2022-03-24T21:13:47.852384",
                "phones": ["+201024710769"],
                "company_emails": ["mohamedabdelsttar97@gmail.com"],
                "company_name": "Parmagly",
                "state": "",
                "country": "EGY",
                "city": "Cairo",
                "postal_code": "",
                "street": "",
            },
            "collector": None,
            "amount_cents": 100000,
            "shipping_data": None,
            "currency": "EGP",
            "is_payment_locked": False,
            "is_return": False,
            "is_cancel": False,
            "is_returned": False,
            "is_canceled": False,
            "merchant_order_id": "payment:1",
            "wallet_notification": None,
            "paid_amount_cents": 100000,
            "notify_user_with_email": False,
            "items": [
                {
                    "name": "Item name 1",
                    "description": "Watch",
                    "amount_cents": 100000,
                    "quantity": 1,
                }
            ],
            "order_url": "NA",
            "commission_fees": 0,
            "delivery_fees_cents": 0,
            "delivery_vat_cents": 0,
            "payment_method": "tbc",
            "merchant_staff_tag": None,
            "api_source": "OTHER",
            "data": {},
            "payment_status": "PAID",
        },
        "created_at": "2024-06-13T11:33:44.592345",
        "transaction_processed_callback_responses": [],
        "currency": "EGP",
        "source_data": {"pan": "2346", "type": "card", "tenure": None, "sub_type": "MasterCard"},
        "api_source": "OTHER",
        "terminal_id": None,
        "merchant_commission": 0,
        "installment": None,
        "discount_details": [],
        "is_void": False,
        "is_refund": False,
        "data": {
            "gateway_integration_pk": 4097558,
            "klass": "MigsPayment",
            "created_at": "2024-06-13T08:34:05.051475",
            "amount": 100000.0,
            "currency": "EGP",
            "migs_order": {"acceptPartialAmount": False, "amount": 1000.0, "currency": "EGP"},
            "merchant": "TESTMERCH_C_25P",
            "migs_result": "SUCCESS",
            "message": "Approved",
            "txn_response_code": "APPROVED",
        },
        "is_hidden": False,
        "payment_key_claims": {
            "extra": {},
            "user_id": 302852,
            "currency": "EGP",
            "order_id": 217503754,
            "amount_cents": 100000,
            "billing_data": {
                "city": "NA",
                "email": "test@example.com",
                "floor": "NA",
                "state": "NA",
                "street": "NA",
                "country": "NA",
                "building": "NA",
                "apartment": "NA",
                "last_name": "Doe",
                "first_name": "John",
                "postal_code": "NA",
                "phone_number": "NA",
                "extra_description": "NA",
            },
            "integration_id": 4097558,
            "lock_order_when_paid": False,
            "single_payment_attempt": False,
        },
        "error_occured": False,
        "is_live": False,
        "other_endpoint_reference": None,
        "refunded_amount_cents": 0,
        "source_id": -1,
        "is_captured": False,
        "captured_amount": 0,
        "merchant_staff_tag": None,
        "updated_at": "2024-06-13T11:34:05.155361",
        "is_settled": False,
        "bill_balanced": False,
        "is_bill": False,
        "owner": 302852,
        "parent_transaction": None,
    },
    "issuer_bank": None,
    "transaction_processed_callback_responses": "",
}

_ids = itertools.count(230000001)


def sign(obj: dict[str, Any], *, secret: str = HMAC_SECRET) -> str:
    """The HMAC Paymob sends with a transaction callback (computed independently of our code)."""

    def value(path: str) -> str:
        current: Any = obj
        for key in path.split("."):
            current = current.get(key) if isinstance(current, dict) else None
        if isinstance(current, bool):
            return "true" if current else "false"
        return "" if current is None else str(current)

    fields = [
        "amount_cents", "created_at", "currency", "error_occured", "has_parent_transaction",
        "id", "integration_id", "is_3d_secure", "is_auth", "is_capture", "is_refunded",
        "is_standalone_payment", "is_voided", "order.id", "owner", "pending",
        "source_data.pan", "source_data.sub_type", "source_data.type", "success",
    ]  # fmt: skip
    message = "".join(value(f) for f in fields)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


@dataclass
class FakePaymob:
    """Paymob's Egypt API, in memory."""

    requests: list[httpx.Request] = field(default_factory=list)
    intentions: dict[int, dict[str, Any]] = field(default_factory=dict)  # by order id
    transactions: dict[int, dict[str, Any]] = field(default_factory=dict)  # by transaction id
    references: set[str] = field(default_factory=set)
    failures: dict[tuple[str, str], list[Exception | int]] = field(default_factory=dict)

    @contextmanager
    def installed(self, settings: Any) -> Iterator[FakePaymob]:
        """Configure the Paymob settings and route the gateways' client through this fake."""
        settings.PAYMOB_SECRET_KEY = SECRET_KEY
        settings.PAYMOB_PUBLIC_KEY = PUBLIC_KEY
        settings.PAYMOB_HMAC_SECRET = HMAC_SECRET
        settings.PAYMOB_INTEGRATION_IDS = [INTEGRATION_ID]
        settings.PAYMOB_API_BASE = BASE
        settings.PAYMOB_CHECKOUT_URL = f"{BASE}/unifiedcheckout/"
        backoff, http.BACKOFF_SECONDS = http.BACKOFF_SECONDS, 0
        try:
            with http.use_transport(httpx.MockTransport(self.handler)):
                yield self
        finally:
            http.BACKOFF_SECONDS = backoff

    def fail(self, method: str, path: str, *failures: Exception | int) -> None:
        self.failures.setdefault((method, path), []).extend(failures)

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    # --- the API ---

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for (method, path), queue in self.failures.items():
            if request.method == method and request.url.path == path and queue:
                failure = queue.pop(0)
                if isinstance(failure, Exception):
                    raise failure
                return httpx.Response(failure, text="<html><body>Server Error (500)</body></html>")
        if request.headers.get("Authorization") != f"Token {SECRET_KEY}":
            return httpx.Response(401, json={"detail": "Invalid token."})
        path = request.url.path
        if request.method == "POST" and path == "/v1/intention/":
            return self._intention(json.loads(request.content))
        if request.method == "POST" and path == "/api/ecommerce/orders/transaction_inquiry":
            return self._inquiry(json.loads(request.content))
        if request.method == "POST" and path == "/api/acceptance/void_refund/refund":
            return self._refund(json.loads(request.content))
        return httpx.Response(404, json={"detail": "Not found."})

    def _intention(self, body: dict[str, Any]) -> httpx.Response:
        problems = intention_body_problems(body)
        if problems:
            return httpx.Response(400, json=problems)
        if body["special_reference"] in self.references:
            return httpx.Response(
                400, json={"detail": "special reference is duplicated, please use a unique one."}
            )
        self.references.add(body["special_reference"])
        order_id = next(_ids)
        intention_id = f"pi_test_{secrets.token_hex(16)}"
        client_secret = f"egy_csk_test_{secrets.token_hex(16)}"
        intention = {
            "payment_keys": [
                {
                    "integration": INTEGRATION_ID,
                    "key": f"ZXlKaGJHY2lPaUpJVXpVeE1p.{secrets.token_hex(12)}",
                    "gateway_type": "MIGS",
                    "iframe_id": None,
                    "order_id": order_id,
                    "redirection_url": body.get("redirection_url", ""),
                    "save_card": False,
                }
            ],
            "intention_order_id": order_id,
            "id": intention_id,
            "intention_detail": {
                "amount": body["amount"],
                "items": body["items"],
                "currency": body["currency"],
                "billing_data": body["billing_data"],
            },
            "client_secret": client_secret,
            "payment_methods": [
                {
                    "integration_id": INTEGRATION_ID,
                    "alias": None,
                    "name": None,
                    "method_type": "card",
                    "currency": "EGP",
                    "live": False,
                    "use_cvc_with_moto": False,
                }
            ],
            "special_reference": body["special_reference"],
            "extras": {"creation_extras": body.get("extras") or {}, "confirmation_extras": None},
            "confirmed": False,
            "status": "intended",
            "created": "2024-06-13T11:32:09.628623",
            "card_detail": None,
            "card_tokens": [],
            "object": "paymentintention",
        }
        self.intentions[order_id] = intention
        return httpx.Response(201, json=intention)

    def _inquiry(self, body: dict[str, Any]) -> httpx.Response:
        order_id = int(body.get("order_id", 0))
        mine = [t for t in self.transactions.values() if t["order"]["id"] == order_id]
        if not mine:
            return httpx.Response(404, json={"detail": "Not found."})
        return httpx.Response(200, json=mine[-1])

    def _refund(self, body: dict[str, Any]) -> httpx.Response:
        parent = self.transactions.get(int(body.get("transaction_id", 0)))
        if parent is None or not parent["success"] or parent["is_refund"]:
            return httpx.Response(404, json={"detail": "Transaction not found."})
        cents = int(body.get("amount_cents", 0))
        if cents <= 0 or parent["refunded_amount_cents"] + cents > parent["amount_cents"]:
            return httpx.Response(
                400, json={"message": "Refund amount exceeds the transaction amount."}
            )
        parent["refunded_amount_cents"] += cents
        parent["is_refunded"] = True
        refund = copy.deepcopy(parent)
        refund.update(
            id=next(_ids),
            amount_cents=cents,
            is_refund=True,
            is_refunded=False,
            has_parent_transaction=True,
            parent_transaction=parent["id"],
            refunded_amount_cents=0,
            is_standalone_payment=False,
            created_at="2024-06-14T09:12:01.123456",
        )
        self.transactions[refund["id"]] = refund
        return httpx.Response(200, json=refund)

    # --- what Paymob would deliver ---

    def pay(self, order_id: int, *, success: bool = True) -> dict[str, Any]:
        """The member pays on the Unified Checkout: the transaction callback Paymob posts."""
        intention = self.intentions[order_id]
        callback = copy.deepcopy(SAMPLE_CALLBACK)
        obj = callback["obj"]
        obj.update(
            id=next(_ids),
            amount_cents=intention["intention_detail"]["amount"],
            success=success,
            currency=intention["intention_detail"]["currency"],
        )
        obj["order"].update(
            id=order_id,
            amount_cents=intention["intention_detail"]["amount"],
            merchant_order_id=intention["special_reference"],
            paid_amount_cents=intention["intention_detail"]["amount"] if success else 0,
        )
        obj["payment_key_claims"]["order_id"] = order_id
        if not success:
            obj["data"].update(message="Declined", txn_response_code="DECLINED")
        self.transactions[obj["id"]] = obj
        return callback

    def transaction_callback(self, transaction_id: int) -> dict[str, Any]:
        """The callback Paymob posts for a transaction as it stands now (after a refund)."""
        return {
            **copy.deepcopy(SAMPLE_CALLBACK),
            "obj": copy.deepcopy(self.transactions[transaction_id]),
        }


def delivery(
    callback: dict[str, Any], *, secret: str = HMAC_SECRET
) -> tuple[bytes, dict[str, str]]:
    """The raw body and the headers the webhook view hands the gateway (hmac forwarded)."""
    body = json.dumps(callback).encode()
    return body, {
        "Content-Type": "application/json",
        "X-Paymob-Hmac": sign(callback["obj"], secret=secret),
    }


def intention_body_problems(body: Any) -> dict[str, Any]:
    """What Paymob would refuse in an intention body, in its error shape."""
    if not isinstance(body, dict):
        return {"detail": "JSON parse error"}
    problems: dict[str, Any] = {}
    amount = body.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        problems["amount"] = ["A valid integer is required."]
    if body.get("currency") != "EGP":
        problems["currency"] = ["Currency is not supported for this integration."]
    methods = body.get("payment_methods")
    if not isinstance(methods, list) or not methods or any(m != INTEGRATION_ID for m in methods):
        problems["payment_methods"] = [
            "Integration ID/Name does not exist in our system . You can find the list of "
            "Integration ID’/Names from Merchant Dashboard under Developers → "
            "Payment Integrations Tab"
        ]
    items = body.get("items")
    if isinstance(items, list) and isinstance(amount, int):
        total = sum(int(i.get("amount", 0)) * int(i.get("quantity", 1)) for i in items)
        if items and total != amount:
            problems["items"] = ["Sum of items amounts is not equal to the intention amount."]
    billing = body.get("billing_data") or {}
    missing = [
        k for k in ("first_name", "last_name", "email", "phone_number") if not billing.get(k)
    ]
    if missing:
        problems["billing_data"] = {k: ["This field is required."] for k in missing}
    if not body.get("special_reference"):
        problems["special_reference"] = ["This field is required."]
    return problems
