"""Provider events, applied exactly once, in whatever order and however often they arrive.

``webhook_receive`` verifies the raw body with the gateway (a bad signature, a stale timestamp or
a body changed after signing is a 400 and writes nothing), then ``event_apply`` each event:

1. INSERT the ``PaymentEvent`` under ``UNIQUE(gateway, event_id)`` inside a savepoint: a replay
   (or a concurrent delivery, which waits on the first one's index entry until it commits) hits
   the constraint and is answered as already processed, changing nothing.
2. Find the payment (our ``payment:<id>`` reference, else the provider's ids) and lock its row
   (``select_for_update(no_key=True)``: no key column changes). Lock order: the advisory locks of
   the provider ids the event names (sorted), the payment row, then the ledger accounts, which
   ``rewards.services`` locks in primary-key order. An event naming a payment only by an id the
   payment does not know yet (a refund naming the PaymentIntent before the session's completion
   taught it) is kept unprocessed and applied by the event that teaches the id (``_ids_lock``).
3. Move it through the state machine below. Points are credited only by ``_credit`` (ledger key
   ``payment:<id>:credit``, ``Payment.credited_at``), so at most once, whatever arrives.

State machine (``status`` before → event → after)::

    pending | failed | cancelled  --succeeded-->  succeeded      (credit the points once)
    pending                       --failed----->  failed | cancelled
    any captured status           --succeeded-->  unchanged      (fills receipt/transaction ids)
    succeeded, partially_refunded --failed----->  unchanged      (a late failure of a retry)
    any                           --refunded--->  partially_refunded | refunded
    any                           --chargeback->  charged_back

A refund or chargeback of a payment not yet seen as succeeded means the money was captured: the
points are credited first (the one credit), then taken back, so every reversal is measured from
that one credit. Taking back never makes a wallet negative: what the member already spent is
recorded as ``shortfall_points`` and the payment is listed for staff (Wagtail admin, "Refund
shortfalls") until someone marks it resolved.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import base, gateway
from billing.gateways.base import (
    GatewayError,
    GatewayEvent,
    GatewayUnavailable,
    SignatureInvalid,
)
from billing.models import Payment, PaymentEvent, PaymentStatus
from core.exceptions import ApplicationError, NotFound, ValidationFailed

logger = logging.getLogger(__name__)

REFERENCE = re.compile(r"^payment:(?P<id>[0-9]{1,18})$")
SUBSCRIPTION_TYPES = frozenset(
    {
        base.SUBSCRIPTION_UPDATED,
        base.SUBSCRIPTION_DELETED,
        base.INVOICE_PAID,
        base.INVOICE_PAYMENT_FAILED,
    }
)
# A payment that is not (yet) known to have been paid for.
UNCAPTURED = (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.CANCELLED)
REVERSE_ATTEMPTS = 3
# How long an event naming no known payment waits for the event that teaches its ids.
PARKED_FOR = dt.timedelta(days=7)


class SignatureRefused(ValidationFailed):
    code = "signature_invalid"


class ProviderUnreachable(ApplicationError):
    """The provider could not be asked to verify a delivery: a 503, so it delivers again."""

    status_code = 503
    code = "gateway_unreachable"


def webhook_receive(*, gateway_name: str, body: bytes, headers: Mapping[str, str]) -> int:
    """Verify and apply one webhook delivery; the number of events newly applied.

    Raises ``NotFound`` for a gateway this deployment does not offer, ``SignatureRefused``
    (400) when the gateway refuses the signature and ``ProviderUnreachable`` (503) when it could
    not verify it; nothing is written then.
    """
    try:
        found = gateway(gateway_name)
    except (GatewayUnavailable, ImportError, AttributeError):
        raise NotFound() from None
    try:
        events = found.webhook_parse(body=body, headers=headers)
    except SignatureInvalid:
        raise SignatureRefused(_("The webhook signature is missing or not valid.")) from None
    except GatewayError as exc:
        # PayPal verifies a delivery by calling PayPal: unreachable, nothing is written and the
        # provider's retry gets another chance.
        raise ProviderUnreachable(str(exc)) from None
    return sum(1 for event in events if event_apply(gateway_name=gateway_name, event=event))


def _jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(payload), cls=DjangoJSONEncoder))


def _payment_id_for(*, gateway_name: str, event: GatewayEvent) -> int | None:
    match = REFERENCE.match(event.reference or "")
    if match:
        found = (
            Payment.objects.filter(pk=int(match["id"]), gateway=gateway_name)
            .values_list("pk", flat=True)
            .first()
        )
        if found:
            return found
    ids = {event.provider_payment_id, str(event.payload.get("_intent_id") or "")} - {""}
    if not ids:
        return None
    return (
        Payment.objects.filter(gateway=gateway_name)
        .filter(Q(provider_payment_id__in=ids) | Q(provider_intent_id__in=ids))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _event_ids(event: GatewayEvent) -> list[str]:
    """The provider ids an event names (besides our reference), sorted: the lock order."""
    return sorted({event.provider_payment_id, str(event.payload.get("_intent_id") or "")} - {""})


def _ids_lock(gateway_name: str, ids: list[str]) -> None:
    """Serialise every event naming one of ``ids`` (PostgreSQL transaction advisory locks).

    An event that names a payment only by an id the payment does not know yet (Stripe's refund
    naming the PaymentIntent before checkout.session.completed taught it) is parked; the event
    that teaches the id holds the same lock while it looks for parked events, so one of the two
    always sees the other. Taken before the payment's row lock, in sorted order. SQLite
    serialises writers by itself.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for provider_id in ids:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"billing:{gateway_name}:{provider_id}"],
            )


@transaction.atomic
def event_apply(*, gateway_name: str, event: GatewayEvent) -> bool:
    """Record ``event`` once and apply it; False when it was already recorded (nothing changes).

    Takes the advisory locks of the provider ids the event names, then the payment's row lock
    (``no_key``), then the ledger accounts it moves. An event for a payment not known by those
    ids yet is kept (``processed_at`` empty) and applied when a later event teaches the ids.
    """
    payload = {
        **_jsonable(event.payload),
        "_event": {
            "provider_payment_id": event.provider_payment_id,
            "reference": event.reference,
            "amount": str(event.amount) if event.amount is not None else "",
            "currency": event.currency,
        },
    }
    try:
        with transaction.atomic():
            record = PaymentEvent.objects.create(
                gateway=gateway_name,
                event_id=event.event_id[:255],
                type=event.type,
                provider_type=event.provider_type[:100],
                payload=payload,
            )
    except IntegrityError:
        return False

    if event.type in SUBSCRIPTION_TYPES:
        try:
            from billing.subscriptions import subscription_event_apply
        except ImportError:
            logger.error(
                "billing: subscription event %s with no subscriptions module", event.event_id
            )
            return True
        subscription_event_apply(event=event)
        record.processed_at = timezone.now()
        record.save(update_fields=["processed_at"])
        return True

    if event.type == base.IGNORED:
        record.processed_at = timezone.now()
        record.save(update_fields=["processed_at"])
        return True

    _ids_lock(gateway_name, _event_ids(event))
    payment_id = _payment_id_for(gateway_name=gateway_name, event=event)
    if payment_id is None:
        logger.warning(
            "billing: %s event %s names no known payment yet: kept for later",
            gateway_name,
            event.event_id,
        )
        return True
    # No select_related: on PostgreSQL it would lock the member's row as well.
    payment = Payment.objects.select_for_update(no_key=True).get(pk=payment_id)
    _transition(payment=payment, event=event)
    record.payment = payment
    record.processed_at = timezone.now()
    record.save(update_fields=["payment", "processed_at"])
    _parked_apply(payment)
    _activity_flush(payment)
    return True


def _parked_apply(payment: Payment) -> None:
    """Apply the kept events that name ``payment`` by an id it now knows, oldest first.

    Expects the payment's row lock and the advisory locks of its ids.
    """
    ids = {payment.provider_payment_id, payment.provider_intent_id} - {""}
    # Narrowed in the database by the ids kept in the payload (JSON key lookups), so events of
    # other products on the same provider account, parked forever, are never read here.
    naming = Q(payload___event__reference=payment.reference)
    if ids:
        naming |= Q(payload___event__provider_payment_id__in=ids) | Q(payload___intent_id__in=ids)
    parked = (
        PaymentEvent.objects.filter(
            gateway=payment.gateway,
            payment__isnull=True,
            processed_at__isnull=True,
            received_at__gte=timezone.now() - PARKED_FOR,
        )
        .filter(naming)
        .order_by("pk")
    )
    for record in parked:
        if record.type in SUBSCRIPTION_TYPES or record.type == base.IGNORED:
            continue
        saved = record.payload.get("_event") or {}
        named = {
            str(saved.get("provider_payment_id") or ""),
            str(record.payload.get("_intent_id") or ""),
        }
        if not (named & ids or saved.get("reference") == payment.reference):
            continue
        amount = saved.get("amount")
        _transition(
            payment=payment,
            event=GatewayEvent(
                event_id=record.event_id,
                type=record.type,
                provider_type=record.provider_type,
                provider_payment_id=str(saved.get("provider_payment_id") or ""),
                reference=str(saved.get("reference") or ""),
                amount=Decimal(amount) if amount else None,
                currency=str(saved.get("currency") or ""),
                payload=record.payload,
            ),
        )
        record.payment = payment
        record.processed_at = timezone.now()
        record.save(update_fields=["payment", "processed_at"])


def _fill_ids(payment: Payment, payload: Mapping[str, Any], changed: set[str]) -> None:
    for field, key, limit in (
        ("provider_intent_id", "_intent_id", 255),
        ("transaction_id", "_transaction_id", 64),
        ("receipt_url", "_receipt_url", 500),
    ):
        value = str(payload.get(key) or "")[:limit]
        if value and not getattr(payment, field):
            setattr(payment, field, value)
            changed.add(field)


def _transition(*, payment: Payment, event: GatewayEvent) -> None:
    """Apply one event to ``payment``. Expects the payment's row lock."""
    changed: set[str] = set()
    _fill_ids(payment, event.payload, changed)

    # Points credited by this event count as bought after its ledger movements (a refund arriving
    # first credits, then takes back); ``_activity_flush`` records them after every event applied.
    credited = False
    if event.type == base.PAYMENT_SUCCEEDED:
        if payment.status in UNCAPTURED:
            credited = _capture(payment, changed, notify=True)
    elif event.type == base.PAYMENT_FAILED:
        if payment.status == PaymentStatus.PENDING:
            cancelled = event.payload.get("_outcome") == "cancelled"
            payment.status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.FAILED
            payment.failure_reason = str(event.payload.get("_failure_reason") or "")[:255]
            changed |= {"status", "failure_reason"}
            if not cancelled:
                _notify_failed(payment)
    elif event.type == base.PAYMENT_REFUNDED:
        if payment.status in UNCAPTURED:
            credited = _capture(payment, changed, notify=False)
        refunded = max(
            payment.refunded_amount, _refunds_total(payment), event.amount or Decimal("0")
        )
        _refunded_set(payment, min(refunded, payment.amount), changed)
    elif event.type == base.PAYMENT_CHARGEBACK:
        if payment.status in UNCAPTURED:
            credited = _capture(payment, changed, notify=False)
        if payment.status != PaymentStatus.CHARGED_BACK:
            payment.status = PaymentStatus.CHARGED_BACK
            changed.add("status")
            reversed_before = payment.points_reversed
            _reverse_to(payment, payment.points, changed)
            _notify_refunded(
                payment,
                amount=payment.amount - payment.refunded_amount,
                points=payment.points_reversed - reversed_before,
            )
        else:
            _reverse_to(payment, payment.points, changed)

    if credited:
        _activity_points_bought(payment, payment.points, source=payment.reference)
    if changed:
        payment.save(update_fields=[*sorted(changed), "updated_at"])


def _capture(payment: Payment, changed: set[str], *, notify: bool) -> bool:
    """Mark ``payment`` succeeded and credit its points once; True when this call credited them.

    Expects its row lock."""
    credited = False
    payment.status = PaymentStatus.SUCCEEDED
    payment.failure_reason = ""
    payment.succeeded_at = payment.succeeded_at or timezone.now()
    changed |= {"status", "failure_reason", "succeeded_at"}
    if payment.credited_at is None and payment.points > 0:
        from rewards.services import points_purchase_credit

        points_purchase_credit(
            user=payment.user,
            amount=payment.points,
            reference=payment.reference,
            idempotency_key=f"payment:{payment.pk}:credit",
        )
        payment.credited_at = timezone.now()
        changed.add("credited_at")
        credited = True
    if notify:
        _notify_succeeded(payment)
    return credited


def _refunds_total(payment: Payment) -> Decimal:
    """What staff refunds the provider accepted add up to (not those still being asked for)."""
    return payment.refunds.exclude(status__in=("failed", "requested")).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")


def _refunded_set(payment: Payment, refunded: Decimal, changed: set[str]) -> None:
    """Record that ``refunded`` has been refunded in all; take back its share of the points.

    Expects the payment's row lock. Totals only grow, so a webhook confirming a refund staff
    already made (or a replayed one) takes nothing twice.
    """
    grown = refunded - payment.refunded_amount
    reversed_before = payment.points_reversed
    if grown > 0:
        payment.refunded_amount = refunded
        changed.add("refunded_amount")
    if payment.refunded_amount <= 0:
        return
    if payment.status != PaymentStatus.CHARGED_BACK:
        full = payment.refunded_amount >= payment.amount
        status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        if payment.status != status:
            payment.status = status
            changed.add("status")
    share = (Decimal(payment.points) * payment.refunded_amount / payment.amount).to_integral_value(
        ROUND_FLOOR
    )
    _reverse_to(payment, int(share), changed)
    if grown > 0 and payment.status != PaymentStatus.CHARGED_BACK:
        # Every outcome tells the member, once per refund (totals only grow); a refund of money
        # already charged back was told with the chargeback.
        _notify_refunded(payment, amount=grown, points=payment.points_reversed - reversed_before)


def _reverse_to(payment: Payment, target: int, changed: set[str]) -> None:
    """Take back points until ``target`` of the credited points are accounted for.

    Takes what the wallet holds; the rest becomes ``shortfall_points`` (the member is flagged for
    staff). Expects the payment's row lock; the ledger locks the wallet and the refunds sink.
    """
    from rewards.selectors import wallet_balance
    from rewards.services import InsufficientBalance, points_purchase_refund

    if payment.credited_at is None:
        return
    target = min(target, payment.points)
    accounted = payment.points_reversed + payment.shortfall_points
    due = target - accounted
    if due <= 0:
        return
    taken = 0
    for _attempt in range(REVERSE_ATTEMPTS):
        take = min(due, max(wallet_balance(user=payment.user), 0))
        if take <= 0:
            break
        try:
            with transaction.atomic():
                points_purchase_refund(
                    user=payment.user,
                    amount=take,
                    reference=payment.reference,
                    idempotency_key=f"payment:{payment.pk}:reverse:{payment.points_reversed}",
                )
        except InsufficientBalance:
            continue  # the member spent meanwhile: read the balance again
        taken = take
        break
    if taken:
        payment.points_reversed += taken
        changed.add("points_reversed")
    if due - taken:
        payment.shortfall_points += due - taken
        payment.shortfall_resolved_at = None
        changed |= {"shortfall_points", "shortfall_resolved_at"}
        logger.warning(
            "billing: payment %s refund shortfall of %s points (member %s)",
            payment.pk,
            due - taken,
            payment.user_id,
        )
    # A refunded share was not bought, whether it came back from the wallet or the member spent
    # it already (the shortfall): ``points_bought`` drops by all of it, once per step.
    _activity_points_bought(payment, -due, source=f"{payment.reference}:reversed:{accounted}")


def _activity_points_bought(payment: Payment, amount: int, *, source: str) -> None:
    """Note points the member bought (or that a refund took back) for ``_activity_flush``.

    Kept on the payment until every ledger movement of the request is done (an event may apply
    parked ones after it, each moving points): the activity counters lock last.
    """
    from rewards.activity import ActivityRecord
    from rewards.models import Counter

    pending = payment.__dict__.setdefault("_activity_pending", [])
    pending.append(ActivityRecord(payment.user_id, Counter.POINTS_BOUGHT, source, amount))


def _activity_flush(payment: Payment) -> None:
    """Record the points bought noted on ``payment``, in one call, after its ledger movements.
    Expects the payment's row lock."""
    from rewards.activity import activity_record_many

    pending = payment.__dict__.pop("_activity_pending", [])
    if pending:
        activity_record_many(pending)


def _money(payment: Payment) -> str:
    return f"{payment.amount} {payment.currency}"


def _notify_succeeded(payment: Payment) -> None:
    from messaging.services.notifications import notification_send

    notification_send(
        recipient=payment.user,
        kind="payment_succeeded",
        context={"amount": _money(payment), "points": payment.points},
        related_type="payment",
        related_id=payment.pk,
    )


def _notify_failed(payment: Payment) -> None:
    from messaging.services.notifications import notification_send

    notification_send(
        recipient=payment.user,
        kind="payment_failed",
        context={
            "amount": _money(payment),
            "points": payment.points,
            "reason": payment.failure_reason or _("The payment did not go through."),
        },
        related_type="payment",
        related_id=payment.pk,
    )


def _notify_refunded(payment: Payment, *, amount: Decimal, points: int) -> None:
    from messaging.services.notifications import notification_send

    notification_send(
        recipient=payment.user,
        kind="payment_refunded",
        context={"amount": f"{amount} {payment.currency}", "points": points},
        related_type="payment",
        related_id=payment.pk,
    )


def refunded_total_apply(*, payment: Payment, refunded: Decimal) -> Payment:
    """Record a refund total the services learned outside a webhook (a staff refund).

    Expects the caller's transaction and the payment's row lock.
    """
    changed: set[str] = set()
    total = max(payment.refunded_amount, _refunds_total(payment), refunded)
    _refunded_set(payment, min(total, payment.amount), changed)
    if changed:
        payment.save(update_fields=[*sorted(changed), "updated_at"])
    _activity_flush(payment)
    return payment
