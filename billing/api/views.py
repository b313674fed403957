"""Thin views of the billing API: validate, call one service or selector, serialize.

Webhooks (``payments/webhooks/{gateway}/``) take the raw body exactly as the provider signed it
(the request's parsers never run), need no sign-in and no CSRF token (the signature is the
authentication), and are not throttled per user: a provider retrying a burst of deliveries must
never be turned away by a rate limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors, services
from billing.api import serializers as s
from billing.models import Package, Payment
from config.api.schema import error_response
from core.exceptions import NotFound, ValidationFailed
from rewards.api.views import IDEMPOTENCY_HEADER, idempotency_key
from rewards.models import Entry
from rewards.selectors import wallet_balance

if TYPE_CHECKING:
    from accounts.models import User

PURCHASE_ERRORS = {
    400: error_response(
        "`validation_error`; `gateway_unavailable` (unknown here, disabled, or no keys "
        "configured); `gateway_error` (the provider refused or could not be reached)."
    ),
    409: error_response(
        "`wallet_max_balance` (the points would take the wallet over its maximum balance; "
        "checked before any money is taken) or `idempotency_key_reused`."
    ),
}


def _member(request: Request) -> User:
    """The signed-in caller (every view here but the webhook and the packages needs one)."""
    return cast("User", request.user)


def _package(package_id: int) -> Package:
    package = Package.objects.filter(pk=package_id, active=True).first()
    if package is None:
        raise ValidationFailed(fields={"package": [_not_on_sale()]})
    return package


def _not_on_sale() -> str:
    from django.utils.translation import gettext

    return gettext("This package is not on sale.")


def _started(started: services.PurchaseStarted) -> Response:
    body = s.PurchaseStartedSerializer(
        {
            "payment": started.payment,
            "redirect_url": started.redirect_url,
            "client_secret": started.client_secret,
        }
    ).data
    headers = {"Idempotent-Replayed": "true"} if started.replayed else {}
    return Response(body, status=status.HTTP_201_CREATED, headers=headers)


@extend_schema(tags=["points"])
class PackageListView(generics.ListAPIView):
    """The packages on sale, each with the gateways and whether each can take a payment now."""

    serializer_class = s.PackageSerializer
    permission_classes = [permissions.AllowAny]
    ordering_fields = ["sort_order", "points", "price"]
    search_fields = ["name", "description"]

    @extend_schema(operation_id="points_packages_list", summary="Points packages on sale")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Package]:
        # Built per request: the names follow the request's language (docs/pitfalls.md).
        return Package.objects.filter(active=True).order_by("sort_order", "id")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "gateways": selectors.gateway_options()}


class PurchaseView(APIView):
    @extend_schema(
        operation_id="points_purchase",
        summary="Buy a points package: a checkout URL, a client secret, or (sandbox) done",
        description=(
            "Creates a pending payment and starts the gateway's checkout. Points are credited "
            "only when the gateway confirms (webhook), exactly once; the sandbox confirms at "
            "once. Seed 002's `points/purchase/`."
        ),
        request=s.PurchaseInputSerializer,
        responses={201: s.PurchaseStartedSerializer, **PURCHASE_ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["points"],
    )
    def post(self, request: Request) -> Response:
        data = s.PurchaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        started = services.purchase_start(
            user=_member(request),
            package=_package(values["package"]),
            gateway_name=values["gateway"],
            success_url=values.get("success_url", ""),
            cancel_url=values.get("cancel_url", ""),
            want_client_secret=values["client_secret"],
            idempotency_key=idempotency_key(request, scope="billing:purchase"),
        )
        return _started(started)


class GatewayPurchaseView(APIView):
    """Seed 002's ``payments/stripe/``, ``payments/paypal/``, ``payments/paymob/``."""

    gateway_name = ""

    def post(self, request: Request) -> Response:
        data = s.GatewayPurchaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        started = services.purchase_start(
            user=_member(request),
            package=_package(values["package"]),
            gateway_name=self.gateway_name,
            success_url=values.get("success_url", ""),
            cancel_url=values.get("cancel_url", ""),
            want_client_secret=values["client_secret"],
            idempotency_key=idempotency_key(request, scope=f"billing:{self.gateway_name}"),
        )
        return _started(started)


def _gateway_view(name: str, label: str) -> type[GatewayPurchaseView]:
    @extend_schema(
        operation_id=f"payments_{name}",
        summary=f"Buy a points package on {label}",
        description=(
            f"Seed 002's `payments/{name}/`: the same as `points/purchase/` with "
            f"`gateway={name}`. A 400 `gateway_unavailable` when {label} is not configured here."
        ),
        request=s.GatewayPurchaseInputSerializer,
        responses={201: s.PurchaseStartedSerializer, **PURCHASE_ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        tags=["payments"],
    )
    def post(self: GatewayPurchaseView, request: Request) -> Response:
        return GatewayPurchaseView.post(self, request)

    return type(
        f"{label}PurchaseView", (GatewayPurchaseView,), {"gateway_name": name, "post": post}
    )


StripePurchaseView = _gateway_view("stripe", "Stripe")
PayPalPurchaseView = _gateway_view("paypal", "PayPal")
PaymobPurchaseView = _gateway_view("paymob", "Paymob")


def _credit_entry(payment: Payment) -> Entry | None:
    if payment.credited_at is None:
        return None
    return (
        Entry.objects.filter(
            transfer__idempotency_key=f"payment:{payment.pk}:credit",
            account__user_id=payment.user_id,
        )
        .select_related("transfer")
        .first()
    )


class CreditsPurchaseView(APIView):
    @extend_schema(
        operation_id="payments_purchase_credits",
        summary="Buy credits (seed 003's purchase_credits)",
        description=(
            "Seed 003's body as it writes it: `payment_method` (a gateway name, or `credit_card` "
            "for this deployment's card gateway), `amount`, `credits_to_purchase`. The amount "
            "must be what those credits cost (an active package of exactly those points and "
            "price, else `BILLING_POINT_PRICE` per point). Answers in seed 003's shape; a "
            "hosted checkout's `redirect_url`/`client_secret` ride in `payment`."
        ),
        request=s.CreditsPurchaseInputSerializer,
        responses={201: s.CreditsPurchaseResultSerializer, **PURCHASE_ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        examples=[
            OpenApiExample(
                "Seed 003",
                value={
                    "payment_method": "credit_card",
                    "amount": "10.00",
                    "credits_to_purchase": 10,
                },
                request_only=True,
            )
        ],
        tags=["payments"],
    )
    def post(self, request: Request) -> Response:
        from django.conf import settings
        from django.utils.translation import gettext

        data = s.CreditsPurchaseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        currency = (values.get("currency") or settings.BILLING_CURRENCY).upper()
        if currency != settings.BILLING_CURRENCY:
            raise ValidationFailed(
                fields={
                    "currency": [
                        gettext("Credits are sold in %(currency)s.")
                        % {"currency": settings.BILLING_CURRENCY}
                    ]
                }
            )
        started = services.credits_purchase(
            user=_member(request),
            payment_method=values["payment_method"],
            amount=values["amount"],
            points=values["credits_to_purchase"],
            success_url=values.get("success_url", ""),
            cancel_url=values.get("cancel_url", ""),
            idempotency_key=idempotency_key(request, scope="billing:credits"),
        )
        payment = started.payment
        entry = _credit_entry(payment)
        transaction = None
        if entry is not None:
            transaction = {
                "id": entry.pk,
                "user": payment.user_id,
                "username": request.user.get_username(),
                "transaction_type": "purchased",
                "amount": entry.amount,
                "description": gettext("Purchased %(points)s credits for %(amount)s %(currency)s")
                % {
                    "points": payment.points,
                    "amount": payment.amount,
                    "currency": payment.currency,
                },
                "related_meeting_id": None,
                "created_at": entry.created_at,
            }
        payment_data = {
            "id": payment.pk,
            "user_id": payment.user_id,
            "payment_method": values["payment_method"],
            "amount": payment.amount,
            "currency": payment.currency,
            "status": payment.status,
            "points": payment.points,
            "transaction_id": payment.transaction_id,
            "redirect_url": started.redirect_url,
            "client_secret": started.client_secret,
            "created_at": payment.created_at,
        }
        body = s.CreditsPurchaseResultSerializer(
            {
                "success": payment.status in ("succeeded", "pending"),
                "payment": payment_data,
                "transaction": transaction,
                "new_balance": wallet_balance(user=_member(request)),
            }
        ).data
        headers = {"Idempotent-Replayed": "true"} if started.replayed else {}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


@extend_schema(tags=["payments"])
class PaymentHistoryView(generics.ListAPIView):
    serializer_class = s.PaymentSerializer
    ordering_fields = ["created_at", "amount", "status"]
    filterset_fields = ["status", "gateway"]

    @extend_schema(operation_id="payments_history", summary="The caller's payments, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Payment]:
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        return selectors.payments_of(user=cast("User", self.request.user))


class WebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []

    @extend_schema(
        operation_id="payments_webhook",
        summary="A payment provider's webhook (signature verified; applied exactly once)",
        description=(
            "The raw body as the provider signed it: Stripe's `Stripe-Signature`, PayPal's "
            "transmission headers (verified with PayPal), Paymob's HMAC, the sandbox's "
            "`X-Sandbox-Signature`. A missing or bad signature is a 400 `signature_invalid` and "
            "changes nothing; a delivery already processed answers 200 with `applied: 0`."
        ),
        parameters=[
            OpenApiParameter(
                "gateway", OpenApiTypes.STR, OpenApiParameter.PATH, enum=s.GATEWAY_NAMES
            )
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: s.WebhookResultSerializer,
            400: error_response("`signature_invalid`: missing, wrong or stale signature."),
            404: error_response("A gateway this deployment does not offer."),
            503: error_response(
                "`gateway_unreachable`: the provider could not be asked to verify the delivery "
                "(PayPal); nothing changed and the provider delivers again."
            ),
        },
        tags=["payments"],
    )
    def post(self, request: Request, gateway: str) -> Response:
        if gateway not in s.GATEWAY_NAMES:
            raise NotFound()
        # The raw bytes, never re-serialised: the signature is over exactly these.
        body = request._request.body
        headers = dict(request._request.headers)
        hmac_query = request._request.GET.get("hmac")
        if gateway == "paymob" and hmac_query:
            # Paymob signs its processed callback with ``?hmac=`` in the URL (gateways/paymob.py).
            headers["X-Paymob-Hmac"] = hmac_query
        applied = services.webhook_receive(gateway_name=gateway, body=body, headers=headers)
        return Response({"received": True, "applied": applied})
