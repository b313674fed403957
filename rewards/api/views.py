"""Thin views of the rewards API: validate, call one service or selector, serialize.

``POST points/transfer/`` (and seed 003's ``credits/transfer/``) is served by the exchanges API:
a transfer may be "for a meeting", and only exchanges knows swaps (docs/architecture.md). It builds
its answer with ``transfer_response`` and reads the client's key with ``idempotency_key`` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ValidationFailed
from rewards.api.filters import TransactionFilter
from rewards.api.serializers import (
    BalanceSerializer,
    TransactionSerializer,
    TransferResultSerializer,
)
from rewards.selectors import balance_summary, transaction_list, wallet_balance

if TYPE_CHECKING:
    from accounts.models import User
    from rewards.models import Transfer

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID) of at most 100 characters. Retrying a request with the same "
        "key returns the first answer and moves the points once (header `Idempotent-Replayed: "
        "true` on a replay); the same key with a different body is a 409."
    ),
)


class PointsBalanceView(APIView):
    @extend_schema(
        operation_id="points_balance",
        summary="The caller's points balance",
        responses={200: BalanceSerializer},
        tags=["points"],
    )
    def get(self, request: Request) -> Response:
        summary = balance_summary(user=request.user)
        return Response(BalanceSerializer(summary).data)


class CreditsBalanceView(PointsBalanceView):
    @extend_schema(
        operation_id="credits_balance",
        summary="The caller's credit balance (seed 003's name for points/balance)",
        description="Seed 003's name for `points/balance/`, in the shape seed 003 documents.",
        responses={200: BalanceSerializer},
        tags=["points"],
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


@extend_schema(
    summary="The caller's points history (credits and debits with running balance)",
    tags=["points"],
)
class PointsTransactionListView(generics.ListAPIView):
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    search_fields = ["transfer__description", "transfer__reference"]
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        return transaction_list(user=self.request.user)


def transfer_response(
    *,
    transfer: Transfer,
    payer: User,
    recipient: User,
    amount: int,
    unit: str = "points",
    new_balance: int | None = None,
) -> Response:
    """The 201 answer to a transfer: seed 003's ``success``/``message``/``new_balance`` plus the
    transfer. ``unit`` is the word of the path the client called (``points`` or ``credits``); a
    replayed transfer carries ``Idempotent-Replayed: true``. ``new_balance``: the payer's balance
    as the ledger statement returned it, when the caller has it (no second read of the wallet)."""
    if unit == "credits":
        message = _("%(count)d credit(s) transferred successfully") % {"count": amount}
    else:
        message = _("%(count)d point(s) transferred successfully") % {"count": amount}
    body = TransferResultSerializer(
        {
            "success": True,
            "message": message,
            "new_balance": wallet_balance(user=payer) if new_balance is None else new_balance,
            "transfer": {
                "id": transfer.pk,
                "amount": amount,
                "reason": transfer.reason,
                "reference": transfer.reference,
                "to_user_id": recipient.pk,
                "created_at": transfer.created_at,
            },
        }
    ).data
    headers = {"Idempotent-Replayed": "true"} if transfer.replayed else {}
    return Response(body, status=status.HTTP_201_CREATED, headers=headers)


def idempotency_key(request: Request, *, scope: str) -> str | None:
    """The client's ``Idempotency-Key``, namespaced by endpoint and caller (keys are global)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    raw = raw.strip()
    if not 1 <= len(raw) <= 100 or not raw.isascii() or not raw.isprintable():
        raise ValidationFailed(
            fields={"Idempotency-Key": [_("Use 1 to 100 printable ASCII characters.")]}
        )
    return f"api:{scope}:{request.user.pk}:{raw}"
