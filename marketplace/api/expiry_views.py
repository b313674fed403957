"""``POST offers/{id}/renew/``: the owner renews an offer (marketplace/services/expiry.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.schema import error_response
from config.api.serializers import InputSerializer
from core.exceptions import NotFound
from marketplace import selectors
from marketplace.api.serializers import OfferSerializer
from marketplace.services.expiry import offer_renew

if TYPE_CHECKING:
    from accounts.models import User

# Path ids past any 64-bit column are a 404 before a query (SQLite overflows on them).
_MAX_ID = 2**63 - 1


# (A comment, not a docstring: the schema would publish a docstring as the description.)
class OfferRenewView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="offers_renew",
        summary="Renew your offer: it stays listed for another OFFER_EXPIRY_DAYS",
        description="Sets a new `expires_at` (from now) and re-arms the reminder. Only the "
        "owner: another member's offer is a 404, as if it did not exist. Answers the offer.",
        request=None,
        responses={
            200: OfferSerializer,
            404: error_response("No offer of the caller has this id."),
            409: error_response("The offer was removed and can no longer be renewed."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        pk = int(pk)
        viewer = cast("User", request.user)  # IsAuthenticated
        offer = (
            selectors.offer_queryset(viewer=viewer).filter(owner_id=viewer.pk, pk=pk).first()
            if pk <= _MAX_ID
            else None
        )
        if offer is None:
            raise NotFound()
        # No body is expected; a key in one is a 400 naming it (docs/api.md, unknown fields).
        InputSerializer(data=request.data if request.data else {}).is_valid(raise_exception=True)
        offer_renew(offer=offer)
        renewed = selectors.offer_get(viewer=viewer, offer_id=offer.pk)
        return Response(OfferSerializer(renewed, context={"request": request}).data)
