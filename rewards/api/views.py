"""Thin views of the rewards API: validate, call one service or selector, serialize."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_response
from core.exceptions import ValidationFailed
from rewards.api.filters import TransactionFilter
from rewards.api.serializers import (
    BalanceSerializer,
    TransactionSerializer,
    TransferInputSerializer,
    TransferResultSerializer,
)
from rewards.models import Reason
from rewards.selectors import balance_summary, transaction_list, wallet_balance
from rewards.services import points_transfer

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


class PointsTransferView(APIView):
    @extend_schema(
        operation_id="points_transfer",
        summary="Give points to another member, optionally for a swap",
        request=TransferInputSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: TransferResultSerializer,
            404: error_response("The swap does not exist or the caller is not a party of it."),
            409: error_response(
                "`insufficient_balance` (nothing moved; `balance` and `requested` in the error) "
                "or `idempotency_key_reused`."
            ),
        },
        tags=["points"],
    )
    def post(self, request: Request) -> Response:
        serializer = TransferInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        transfer = points_transfer(
            source=request.user,
            target=data["target"],
            amount=data["amount"],
            reason=Reason.TIP if data["reference"] else Reason.TRANSFER,
            reference=data["reference"],
            idempotency_key=_idempotency_key(request, scope="points-transfer"),
            note=data["note"],
            initiated_by=request.user,
        )
        amount = data["amount"]
        body = TransferResultSerializer(
            {
                "success": True,
                "message": _("%(count)d point(s) transferred successfully") % {"count": amount},
                "new_balance": wallet_balance(user=request.user),
                "transfer": {
                    "id": transfer.pk,
                    "amount": amount,
                    "reason": transfer.reason,
                    "reference": transfer.reference,
                    "to_user_id": data["target"].pk,
                    "created_at": transfer.created_at,
                },
            }
        ).data
        headers = {"Idempotent-Replayed": "true"} if transfer.replayed else {}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


def _idempotency_key(request: Request, *, scope: str) -> str | None:
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
