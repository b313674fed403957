"""Billing: points packages, premium plans, payments, provider events and subscriptions.

Money is a ``Decimal`` with its ISO 4217 currency everywhere; minor units exist only inside the
gateway modules (docs/architecture.md, "Billing"). A ``Payment`` moves through a small state
machine (``billing.services.webhooks``) under a row lock; every provider event is stored once
under ``UNIQUE(gateway, event_id)``, which is what makes a webhook delivery exactly-once.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Package(models.Model):
    """A bundle of points sold for money (name and description in English and Arabic)."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    points = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("points package")
        verbose_name_plural = _("points packages")
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0), name="billing_package_points_positive"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="billing_package_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.points})"


class PlanInterval(models.TextChoices):
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Yearly")


class Plan(models.Model):
    """A premium plan (monthly or yearly), billed by Stripe Billing or the sandbox."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    interval = models.CharField(
        _("interval"), max_length=5, choices=PlanInterval.choices, default=PlanInterval.MONTH
    )
    price = models.DecimalField(
        _("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("premium plan")
        verbose_name_plural = _("premium plans")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="billing_plan_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_interval_display()})"


class PaymentPurpose(models.TextChoices):
    POINTS = "points", _("Points")
    SUBSCRIPTION = "subscription", _("Subscription")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    CHARGED_BACK = "charged_back", _("Charged back")


# Statuses in which the member was paid for (points credited); refunds move within these.
CAPTURED_STATUSES = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
    PaymentStatus.CHARGED_BACK,
)


class Payment(models.Model):
    """One attempt to collect money from a member, on one gateway."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("member"),
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=PaymentPurpose.choices, default=PaymentPurpose.POINTS
    )
    package = models.ForeignKey(
        Package,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("package"),
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    points = models.PositiveIntegerField(_("points"), default=0)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
        db_index=True,
    )
    # Checkout Session id, PaymentIntent id, PayPal order id, Paymob intention id.
    provider_payment_id = models.CharField(
        _("provider payment id"), max_length=255, blank=True, db_index=True
    )
    # A second provider id the events may name instead (Stripe: the Checkout Session's
    # PaymentIntent, which charges, refunds and disputes refer to).
    provider_intent_id = models.CharField(
        _("provider intent id"), max_length=255, blank=True, db_index=True
    )
    transaction_id = models.CharField(_("transaction id"), max_length=64, blank=True)
    receipt_url = models.URLField(_("receipt URL"), max_length=500, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=255, blank=True)
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    points_reversed = models.PositiveIntegerField(_("points taken back"), default=0)
    # Points a refund or chargeback could not take back because the member had spent them: the
    # member is flagged for staff until someone marks the shortfall resolved.
    shortfall_points = models.PositiveIntegerField(_("shortfall points"), default=0)
    shortfall_resolved_at = models.DateTimeField(_("shortfall resolved at"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)
    # When ``points`` were credited (once, ledger key ``payment:<id>:credit``); refunds and
    # chargebacks take back from that one credit.
    credited_at = models.DateTimeField(_("points credited at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        permissions = [
            ("refund_payment", _("Can refund a payment through its gateway")),
            ("resolve_shortfall", _("Can mark a refund shortfall resolved")),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="billing_payment_user_new"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="billing_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="billing_payment_refund_within_amount",
            ),
            models.UniqueConstraint(
                fields=["user", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="billing_payment_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"payment:{self.pk} {self.gateway} {self.amount} {self.currency} {self.status}"

    @property
    def reference(self) -> str:
        """What the provider echoes back (metadata, custom_id …): ``payment:<id>``."""
        return f"payment:{self.pk}"

    @property
    def shortfall_open(self) -> bool:
        return self.shortfall_points > 0 and self.shortfall_resolved_at is None


class Refund(models.Model):
    """One refund staff asked the gateway for (the webhook's total is reconciled with these)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    provider_refund_id = models.CharField(_("provider refund id"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=20, default="succeeded")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="billing_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"refund:{self.pk} of payment:{self.payment_id} {self.amount}"


class PaymentEvent(models.Model):
    """One verified provider event, stored once: the unique key is the exactly-once guard."""

    gateway = models.CharField(_("gateway"), max_length=20)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=40)
    provider_type = models.CharField(_("provider type"), max_length=100)
    payment = models.ForeignKey(
        Payment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("payment"),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "event_id"], name="billing_paymentevent_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id} {self.provider_type}"


class SubscriptionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Incomplete")
    ACTIVE = "active", _("Active")
    TRIALING = "trialing", _("Trialing")
    PAST_DUE = "past_due", _("Past due")
    CANCELED = "canceled", _("Canceled")
    UNPAID = "unpaid", _("Unpaid")


class Subscription(models.Model):
    """A member's premium plan on one gateway; its status follows the provider's webhooks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subscriptions",
        verbose_name=_("member"),
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("plan")
    )
    gateway = models.CharField(_("gateway"), max_length=20)
    provider_subscription_id = models.CharField(
        _("provider subscription id"), max_length=255, blank=True
    )
    provider_customer_id = models.CharField(_("provider customer id"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.INCOMPLETE,
        db_index=True,
    )
    current_period_end = models.DateTimeField(_("current period end"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancel at period end"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_subscription_id"],
                condition=~Q(provider_subscription_id=""),
                name="billing_subscription_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"subscription:{self.pk} {self.plan_id} {self.status}"
