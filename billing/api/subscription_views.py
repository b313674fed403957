"""Premium plans over the API (seed 004): subscribe, status, cancel at period end.

Seed 004's answers are wrapped in ``{"success": true, "data": ...}``; these endpoints exist only
under its names, so they answer in its shape (docs/api.md, seed aliases).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import subscriptions
from billing.api.subscription_serializers import (
    CancelInputSerializer,
    PremiumStatusResponseSerializer,
    SubscribeInputSerializer,
    SubscribeResponseSerializer,
)
from billing.models import Subscription
from config.api import throttling
from config.api.schema import error_response

if TYPE_CHECKING:
    from accounts.models import User


def premium_rate_register() -> None:
    """Tell the throttle who is premium (called from ``BillingConfig.ready``)."""
    # The throttle reads the cached facts in the same Redis round trip as its count; a miss
    # still asks user_is_premium, which fills the cache (config/api/throttling.py).
    throttling.set_premium_check(
        subscriptions.user_is_premium,
        cached=throttling.PremiumFacts(
            key=subscriptions._premium_key,
            is_premium=lambda facts: float(facts["until"]) > time.time(),
        ),
    )


def subscription_data(row: Subscription) -> dict[str, Any]:
    return {
        "id": row.pk,
        "provider_subscription_id": row.provider_subscription_id,
        "gateway": row.gateway,
        "plan": plan_data(row.plan),
        "status": subscriptions.status_effective(row),
        "current_period_end": row.current_period_end,
        "cancel_at_period_end": row.cancel_at_period_end,
        "created_at": row.created_at,
    }


def plan_data(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.name,
        "description": plan.description,
        "interval": plan.interval,
        "price": plan.price,
        "currency": plan.currency,
    }


def status_data(*, user: Any) -> dict[str, Any]:
    current = subscriptions.subscription_current(user=user)
    premium = subscriptions.user_is_premium(user)
    return {
        "status": subscriptions.status_effective(current),
        "is_premium": premium,
        "perks": subscriptions.premium_perks() if premium else [],
        "plan": plan_data(current.plan) if current else None,
        "current_period_end": current.current_period_end if current else None,
        "cancel_at_period_end": current.cancel_at_period_end if current else False,
        "subscription": subscription_data(current) if current else None,
    }


class SubscribeView(APIView):
    @extend_schema(
        operation_id="payments_subscribe",
        summary="Start a premium plan (seed 004)",
        description=(
            "Starts the plan on Stripe Billing (answers an `incomplete` subscription and the "
            "`client_secret` of its first invoice, to confirm with Stripe.js; the webhooks make "
            "it active) or on the sandbox (active at once, empty `client_secret`). A member who "
            "is premium already gets a 409 `already_subscribed`."
        ),
        request=SubscribeInputSerializer,
        responses={
            201: SubscribeResponseSerializer,
            409: error_response("Already premium (`already_subscribed`)."),
        },
        examples=[
            OpenApiExample(
                "Seed 004",
                value={"plan_id": "premium_monthly", "payment_method_id": "pm_1234567890"},
                request_only=True,
            )
        ],
        tags=["payments"],
    )
    def post(self, request: Request) -> Response:
        given = SubscribeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        plan = subscriptions.plan_get(plan_id=given.validated_data["plan_id"])
        started = subscriptions.subscription_start(
            user=cast("User", request.user),
            plan=plan,
            gateway_name=given.validated_data.get("gateway"),
            payment_method_id=given.validated_data["payment_method_id"],
        )
        body = {
            "success": True,
            "data": {
                "subscription": subscription_data(started.subscription),
                "client_secret": started.client_secret,
            },
        }
        return Response(SubscribeResponseSerializer(body).data, status=status.HTTP_201_CREATED)


class StatusView(APIView):
    @extend_schema(
        operation_id="payments_status",
        summary="The caller's premium plan, status and period end (seed 004)",
        responses={200: PremiumStatusResponseSerializer},
        tags=["payments"],
    )
    def get(self, request: Request) -> Response:
        body = {"success": True, "data": status_data(user=request.user)}
        return Response(PremiumStatusResponseSerializer(body).data)


class CancelView(APIView):
    @extend_schema(
        operation_id="payments_subscription_cancel",
        summary="Cancel the premium plan at the end of the paid period",
        description=(
            "The member stays premium until `current_period_end`. Asking again answers the same "
            "state; without a premium subscription the answer is a 409 `no_subscription`."
        ),
        request=CancelInputSerializer,
        responses={
            200: PremiumStatusResponseSerializer,
            409: error_response("No subscription to cancel (`no_subscription`)."),
        },
        tags=["payments"],
    )
    def post(self, request: Request) -> Response:
        CancelInputSerializer(data=request.data or {}).is_valid(raise_exception=True)
        subscriptions.subscription_cancel(user=cast("User", request.user))
        body = {"success": True, "data": status_data(user=request.user)}
        return Response(PremiumStatusResponseSerializer(body).data)
