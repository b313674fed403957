"""Points of a swap: escrow on accept, payment on completion, refunds, and tips for a swap.

The only exchanges code that calls the ledger (``rewards.services``). Every movement carries the
reference ``swap:{id}`` and a deterministic idempotency key, so a retried request never moves
points twice. rewards knows nothing of swaps: the swap's meaning stays here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, ValidationFailed
from exchanges.models import Swap
from rewards import selectors as rewards_selectors
from rewards import services as rewards_services
from rewards.models import Reason

if TYPE_CHECKING:
    from accounts.models import User
    from rewards.models import Transfer

S = Swap.Status


def _hold_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:hold"


def _release_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:release"


def _refund_key(swap: Swap) -> str:
    return f"swap:{swap.pk}:refund"


def _ensure_can_pay(requester: User, amount: int) -> None:
    """A 409 now when the requester could not pay ``amount`` on accept (nothing is held yet)."""
    if rewards_selectors.wallet_balance(user=requester) < amount:
        raise Conflict(
            _("You do not have enough points for this session."),
            code="insufficient_balance",
            extra={"required": amount},
        )


def _hold_price(swap: Swap) -> None:
    """Move the swap's price from the requester's wallet into its escrow (on accept)."""
    rewards_services.escrow_hold(
        user=swap.requester,
        amount=swap.points_amount,
        reference=swap.reference,
        idempotency_key=_hold_key(swap),
        reason="swap_escrow",
    )


def _pay_responder(swap: Swap, amount: int) -> None:
    if amount <= 0:
        return
    rewards_services.escrow_release(
        user=swap.responder,
        amount=amount,
        reference=swap.reference,
        idempotency_key=_release_key(swap),
        reason="swap_payment",
    )
    swap.paid_points = amount


def _refund_requester(swap: Swap, amount: int) -> None:
    if amount <= 0:
        return
    rewards_services.escrow_refund(
        user=swap.requester,
        amount=amount,
        reference=swap.reference,
        idempotency_key=_refund_key(swap),
        reason="swap_refund",
    )
    swap.refunded_points = amount


def _settle_split(swap: Swap, *, refund: int, payout: int) -> None:
    # One ledger transfer for both sides: a release then a refund would lock the two wallets in
    # call order and could deadlock against a transfer between the same members.
    rewards_services.escrow_settle(
        reference=swap.reference,
        payee=swap.responder,
        payee_amount=payout,
        payer=swap.requester,
        payer_amount=refund,
        idempotency_key=f"swap:{swap.pk}:settle",
    )
    swap.paid_points = payout
    swap.refunded_points = refund


def cancellation_split(*, swap: Swap, actor: User, now: datetime) -> tuple[int, int]:
    """``(refund to the requester, payment to the responder)`` for cancelling ``swap`` now.

    CANCELLATION_POLICY: a full refund until ``full_refund_hours`` before the start; later, the
    requester gets ``late_refund_percent`` back and the responder the rest. A responder who
    cancels never earns from it: the requester always gets everything back then.
    """
    if swap.kind != Swap.Kind.POINTS or swap.status != S.ACCEPTED:
        return 0, 0
    amount = swap.points_amount
    policy = settings.CANCELLATION_POLICY
    if actor.pk == swap.responder_id:
        return amount, 0
    if now <= swap.scheduled_start - timedelta(hours=policy["full_refund_hours"]):
        return amount, 0
    payout = amount * (100 - policy["late_refund_percent"]) // 100
    return amount - payout, payout


@transaction.atomic
def swap_points_transfer(
    *,
    swap_id: int,
    payer: User,
    amount: int,
    recipient: User | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> tuple[Transfer, User]:
    """Give ``amount`` points to the other party of swap ``swap_id`` (a tip, seed 003's
    ``credits/transfer`` with a ``meeting_id``); return the transfer and who received it.

    The swap's own price moves through escrow (accept, complete); this is on top of it, recorded
    with the swap's reference. A 404 when ``payer`` is not a party of the swap (or it does not
    exist); a 400 on ``to_user_id`` when ``recipient`` is given and is not the other party.
    Takes no lock on the swap; ``points_transfer`` locks both wallets in primary-key order.
    """
    swap = (
        Swap.objects.filter(Q(requester=payer) | Q(responder=payer), pk=swap_id)
        .select_related("requester", "responder")
        .first()
    )
    if swap is None:
        raise NotFound(_("No such swap."))
    other = swap.other_party(payer)
    if recipient is not None and recipient.pk != other.pk:
        raise ValidationFailed(
            fields={"to_user_id": [_("This member is not the other party of the swap.")]}
        )
    transfer = rewards_services.points_transfer(
        source=payer,
        target=other,
        amount=amount,
        reason=Reason.TIP,
        reference=swap.reference,
        idempotency_key=idempotency_key,
        note=note,
        initiated_by=payer,
    )
    return transfer, other
