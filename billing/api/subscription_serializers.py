"""Input and output of the subscription endpoints (seed 004's payments: subscribe and status)."""

from __future__ import annotations

from rest_framework import serializers

from billing.models import PlanInterval, SubscriptionStatus
from billing.subscriptions import SUBSCRIPTION_GATEWAYS
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer


class SubscribeInputSerializer(InputSerializer):
    plan_id = CleanCharField(
        max_length=255,
        help_text=(
            "The plan: its id, seed 004's `premium_monthly` / `premium_yearly`, or its Stripe "
            "price id."
        ),
    )
    payment_method_id = CleanCharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="A Stripe PaymentMethod id (`pm_…`) to charge; ignored by the sandbox.",
    )
    gateway = serializers.ChoiceField(
        choices=list(SUBSCRIPTION_GATEWAYS),
        required=False,
        help_text="`stripe` or `sandbox`; by default the first one this site offers.",
    )


class CancelInputSerializer(InputSerializer):
    # No body is needed; any key is refused as unknown.
    pass


class PremiumPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    interval = serializers.ChoiceField(choices=PlanInterval.choices)
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


class PremiumSubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider_subscription_id = serializers.CharField(
        help_text="The gateway's id (`sub_…` on Stripe); empty until the gateway answered."
    )
    gateway = serializers.CharField()
    plan = PremiumPlanSerializer()
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices)
    current_period_end = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SubscribeResultSerializer(serializers.Serializer):
    subscription = PremiumSubscriptionSerializer()
    client_secret = serializers.CharField(
        help_text=(
            "Stripe: the client secret of the first invoice's payment, to confirm with Stripe.js "
            "(`stripe.confirmPayment`); empty on the sandbox, which is active at once."
        )
    )


class SubscribeResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    data = SubscribeResultSerializer()  # type: ignore[assignment]  # seed 004's envelope


class PremiumStatusSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text=(
            "The subscription's status (incomplete, active, trialing, past_due, canceled, unpaid) "
            'or "none".'
        )
    )
    is_premium = serializers.BooleanField(
        help_text="Whether the caller has the premium rate limit and perks now."
    )
    perks = serializers.ListField(child=serializers.CharField())
    plan = PremiumPlanSerializer(allow_null=True)
    current_period_end = serializers.DateTimeField(allow_null=True)
    cancel_at_period_end = serializers.BooleanField()
    subscription = PremiumSubscriptionSerializer(allow_null=True)


class PremiumStatusResponseSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    data = PremiumStatusSerializer()  # type: ignore[assignment]  # seed 004's envelope
