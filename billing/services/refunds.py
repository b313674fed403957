"""Staff refunds through the gateway, and the shortfalls they can leave.

``payment_refund`` runs in three steps so that no row lock is held over the provider's HTTP call
(docs/pitfalls.md):

1. lock the payment, check what is still refundable (less refunds already asked for), insert a
   ``requested`` ``Refund``; commit;
2. ask the gateway, with the idempotency key ``billing:refund:<refund id>`` (a retry refunds once);
3. lock the payment again, mark the refund, raise the payment's refunded total and take its share
   of the points back through the ledger (``webhooks.refunded_total_apply``).

The provider's webhook for the same refund then finds the total already recorded and takes
nothing twice (totals only grow).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways.base import GatewayError
from billing.models import Payment, PaymentStatus, Refund
from billing.services.payments import GatewayRefused, gateway_available
from billing.services.webhooks import refunded_total_apply
from core.exceptions import Conflict, Forbidden, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)


def _refundable(payment: Payment) -> Decimal:
    asked = payment.refunds.exclude(status="failed").aggregate(total=Sum("amount"))["total"]
    return payment.amount - max(payment.refunded_amount, asked or Decimal("0"))


@transaction.atomic
def _refund_open(*, payment: Payment, amount: Decimal | None, by: User) -> Refund:
    locked = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk)
    if locked.status not in REFUNDABLE:
        raise Conflict(
            _("Only a succeeded payment can be refunded."),
            code="payment_not_refundable",
            extra={"current_status": locked.status},
        )
    left = _refundable(locked)
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise ValidationFailed(
            fields={
                "amount": [
                    _("Refund more than 0 and at most %(left)s %(currency)s.")
                    % {"left": left, "currency": locked.currency}
                ]
            }
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(fields={"amount": [_("Use at most two decimal places.")]})
    # "requested" until the gateway answers: it counts against what is left to refund, but no
    # point is taken back for it before the provider accepted it.
    return Refund.objects.create(payment=locked, amount=amount, status="requested", created_by=by)


def payment_refund(*, payment: Payment, amount: Decimal | None = None, by: User) -> Refund:
    """Refund ``amount`` (default: all that is left) of ``payment`` through its gateway.

    ``by`` needs ``billing.refund_payment``. The points come back through the ledger; what the
    member already spent becomes the payment's shortfall. Raises ``Forbidden``, ``Conflict`` (not
    a succeeded payment), ``ValidationFailed`` (amount) or ``GatewayRefused``.
    """
    if not (by.is_active and by.has_perm("billing.refund_payment")):
        raise Forbidden(_("You are not allowed to refund payments."))
    found = gateway_available(payment.gateway)
    refund = _refund_open(payment=payment, amount=amount, by=by)
    payment.refresh_from_db()
    try:
        result = found.refund(
            provider_payment_id=payment.provider_intent_id or payment.provider_payment_id,
            amount=refund.amount,
            currency=payment.currency,
            idempotency_key=f"billing:refund:{refund.pk}",
        )
    except GatewayError as exc:
        Refund.objects.filter(pk=refund.pk).update(status="failed")
        raise GatewayRefused(str(exc)) from exc
    with transaction.atomic():
        locked = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk)
        Refund.objects.filter(pk=refund.pk).update(
            status=result.status, provider_refund_id=result.provider_refund_id[:255]
        )
        refunded_total_apply(payment=locked, refunded=Decimal("0"))
    refund.refresh_from_db()
    return refund


@transaction.atomic
def payment_shortfall_resolve(*, payment: Payment, by: User) -> Payment:
    """Mark the payment's refund shortfall handled by staff (it leaves the flagged list).

    ``by`` needs ``billing.resolve_shortfall``. Locks the payment row (``no_key``).
    """
    if not (by.is_active and by.has_perm("billing.resolve_shortfall")):
        raise Forbidden(_("You are not allowed to resolve refund shortfalls."))
    locked = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk)
    if locked.shortfall_points and locked.shortfall_resolved_at is None:
        locked.shortfall_resolved_at = timezone.now()
        locked.save(update_fields=["shortfall_resolved_at", "updated_at"])
    return locked
