"""Input and output serializers of the billing API (points packages, purchases, history).

Seed shapes (docs/api.md, "Billing"): seed 002's ``points/packages/``, ``points/purchase/``,
``payments/<gateway>/`` and ``payments/history/`` (a payment has ``gateway``, ``amount``,
``status``, ``transaction_id``); seed 003's ``payments/purchase_credits/`` (``payment_method``,
``amount``, ``credits_to_purchase`` in; ``success``, ``payment``, ``transaction``, ``new_balance``
out, its payment ``status`` ``completed`` for our ``succeeded``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import Package, Payment, PaymentPurpose, PaymentStatus
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

GATEWAY_NAMES = ["stripe", "paypal", "paymob", "sandbox"]


class GatewayOptionSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=GATEWAY_NAMES)
    available = serializers.BooleanField(
        help_text=_("False when this deployment has no keys for it: a purchase there is a 400.")
    )


class PackageSerializer(serializers.ModelSerializer):
    """A points package on sale, named in the request's language."""

    price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    gateways = serializers.SerializerMethodField(
        help_text=_("The ways to pay here, each with whether it is available now.")
    )

    class Meta:
        model = Package
        fields = ["id", "name", "description", "points", "price", "currency", "gateways"]
        read_only_fields = fields

    @extend_schema_field(GatewayOptionSerializer(many=True))
    def get_gateways(self, package: Package) -> list[dict[str, Any]]:
        return self.context.get("gateways", [])


class PaymentSerializer(serializers.ModelSerializer):
    """One of the member's payments (seed 002's Payment: gateway, amount, status, transaction)."""

    amount = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    refunded_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True
    )
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    purpose = serializers.ChoiceField(choices=PaymentPurpose.choices)
    package: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    succeeded_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "gateway",
            "purpose",
            "package",
            "amount",
            "currency",
            "points",
            "status",
            "transaction_id",
            "receipt_url",
            "failure_reason",
            "refunded_amount",
            "created_at",
            "succeeded_at",
        ]
        read_only_fields = fields


class PurchaseInputSerializer(InputSerializer):
    """Buy a package: ``package`` (id) on ``gateway``."""

    package = serializers.IntegerField(min_value=1, help_text=_("The package's id."))
    gateway = serializers.ChoiceField(choices=GATEWAY_NAMES)
    client_secret = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Stripe only: answer with a PaymentIntent client secret (confirm it with Stripe.js) "
            "instead of a hosted checkout URL."
        ),
    )
    success_url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Where the checkout returns after paying (this site or its apps' origins)."),
    )
    cancel_url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Where the checkout returns when the member gives up."),
    )


class GatewayPurchaseInputSerializer(InputSerializer):
    """Buy a package on the gateway the path names."""

    package = serializers.IntegerField(min_value=1, help_text=_("The package's id."))
    client_secret = serializers.BooleanField(required=False, default=False)
    success_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    cancel_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class PurchaseStartedSerializer(serializers.Serializer):
    """What the client needs to pay: follow ``redirect_url``, or confirm ``client_secret``.

    The sandbox answers with the payment already ``succeeded`` and nothing to follow.
    """

    payment = PaymentSerializer()
    redirect_url = serializers.CharField(allow_blank=True)
    client_secret = serializers.CharField(allow_blank=True)


class CreditsPurchaseInputSerializer(InputSerializer):
    """Seed 003's body, as it writes it."""

    payment_method = CleanCharField(
        max_length=40,
        help_text=_(
            "A gateway name (stripe, paypal, paymob, sandbox) or credit_card/debit_card/card, "
            "which mean the card gateway of this deployment."
        ),
    )
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True
    )
    credits_to_purchase = serializers.IntegerField(min_value=1, max_value=1_000_000)
    currency = CleanCharField(
        required=False,
        max_length=3,
        help_text=_("Optional; must be the deployment's billing currency when given."),
    )
    success_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    cancel_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


CREDITS_STATUSES = ["completed", *[value for value in PaymentStatus.values if value != "succeeded"]]


class CreditsPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    payment_method = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    status = serializers.SerializerMethodField(
        help_text=_("Seed 003's ``completed`` for a succeeded payment; otherwise our status.")
    )
    credits_purchased = serializers.IntegerField(source="points")
    transaction_id = serializers.CharField()
    redirect_url = serializers.CharField(allow_blank=True)
    client_secret = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=CREDITS_STATUSES))
    def get_status(self, payment: dict[str, Any]) -> str:
        status = payment["status"]
        return "completed" if status == PaymentStatus.SUCCEEDED else status


class CreditsTransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text=_("The wallet entry's id (as in points/transactions/).")
    )
    user = serializers.IntegerField()
    username = serializers.CharField()
    transaction_type = serializers.ChoiceField(choices=["purchased"])
    amount = serializers.IntegerField()
    description = serializers.CharField()
    related_meeting_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class CreditsPurchaseResultSerializer(serializers.Serializer):
    success = serializers.BooleanField(
        help_text=_("True when the purchase was accepted; the payment's status says if it is paid.")
    )
    payment = CreditsPaymentSerializer()
    transaction = CreditsTransactionSerializer(
        allow_null=True, help_text=_("The credit, once the payment succeeded; else null.")
    )
    new_balance = serializers.IntegerField()


class WebhookResultSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    applied = serializers.IntegerField(
        help_text=_("Events newly applied; 0 for a delivery already processed.")
    )
