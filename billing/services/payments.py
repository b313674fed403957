"""Starting a payment: a pending ``Payment``, then the gateway's checkout, outside any lock.

1. Refuse early what would fail later: an unknown, disabled or keyless gateway (400
   ``gateway_unavailable``), an inactive package, a purchase the wallet's maximum balance would
   refuse (409 ``wallet_max_balance``, asked of ``rewards.selectors.wallet_credit_refusal`` before
   any money is taken: a purchase credit is never refused once the money was taken).
2. Insert the pending Payment (its ``Idempotency-Key``, when the client sent one, is unique per
   member: a retry finds the first payment and resumes it).
3. Call the gateway with no transaction open and no row locked (docs/pitfalls.md): a slow
   provider holds nothing. Its id is stored with a plain conditional UPDATE.
4. The sandbox confirms at once: its confirmation goes through ``event_apply``, the very path of
   a webhook, so points are credited in exactly one place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import base, enabled_gateway_names, gateway
from billing.gateways.base import (
    CheckoutRequest,
    Gateway,
    GatewayError,
    GatewayEvent,
    GatewayUnavailable,
)
from billing.models import Package, Payment, PaymentPurpose, PaymentStatus
from core.exceptions import ApplicationError, Conflict, ValidationFailed

if TYPE_CHECKING:
    from accounts.models import User

# Seed 003's payment_method values that mean "a card": BILLING_CARD_GATEWAY takes them.
CARD_METHODS = frozenset({"credit_card", "debit_card", "card"})
MAX_POINTS_PER_PURCHASE = 1_000_000


class GatewayNotAvailable(ValidationFailed):
    """The gateway is unknown here, disabled, or has no keys configured."""

    code = "gateway_unavailable"

    def __init__(self, name: str, *, field: str = "gateway") -> None:
        message = _("The payment method “%(name)s” is not available.") % {"name": name}
        super().__init__(message, fields={field: [message]})


class GatewayRefused(ApplicationError):
    """The provider refused or could not be reached; the message is safe to show."""

    status_code = 400
    code = "gateway_error"


class WalletWouldOverflow(Conflict):
    code = "wallet_max_balance"


@dataclass(frozen=True)
class PurchaseStarted:
    """What the member needs to pay: a redirect (hosted checkout) or a client secret."""

    payment: Payment
    redirect_url: str = ""
    client_secret: str = ""
    replayed: bool = False


def gateway_available(name: str, *, field: str = "gateway") -> Gateway:
    """The enabled, configured gateway ``name``; ``GatewayNotAvailable`` (400) otherwise."""
    try:
        found = gateway(name)
    except (GatewayUnavailable, ImportError, AttributeError):
        # ImportError: a gateway module not installed in this build (docs/architecture.md).
        raise GatewayNotAvailable(name, field=field) from None
    if not found.available():
        raise GatewayNotAvailable(name, field=field)
    return found


def _return_url_check(given: str, *, field: str) -> None:
    """Refuse a return URL outside this site and its apps' origins (no open redirect)."""
    if not given:
        return
    parts = urlsplit(given)
    origin = f"{parts.scheme}://{parts.netloc}"
    site = urlsplit(settings.BILLING_SUCCESS_URL)
    allowed = {*settings.CORS_ALLOWED_ORIGINS, f"{site.scheme}://{site.netloc}"}
    if parts.scheme not in ("http", "https") or origin not in allowed:
        raise ValidationFailed(fields={field: [_("Use a URL of this site or of its apps.")]})


def _return_url(given: str, default: str, payment: Payment) -> str:
    """The member's way back after paying: the client's (checked) URL, else ours."""
    return given or default.replace("{payment_id}", str(payment.pk))


def _refuse_over_max_balance(*, user: User, points: int) -> None:
    from rewards import selectors as rewards_selectors

    check = getattr(rewards_selectors, "wallet_credit_refusal", None)
    refusal = check(user=user, amount=points) if check else None
    if refusal:
        raise WalletWouldOverflow(refusal, extra={"limit": "max_balance"})


def _payment_create(
    *,
    user: User,
    gateway_name: str,
    package: Package | None,
    amount: Decimal,
    currency: str,
    points: int,
    idempotency_key: str | None,
) -> tuple[Payment, bool]:
    """Insert the pending payment; with a key already used by this member, (that one, True)."""
    fields = {
        "gateway": gateway_name,
        "purpose": PaymentPurpose.POINTS,
        "package": package,
        "amount": amount,
        "currency": currency,
        "points": points,
    }
    if idempotency_key:
        existing = Payment.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    payment = Payment.objects.create(
                        user=user, idempotency_key=idempotency_key, **fields
                    )
                return payment, False
            except IntegrityError:
                existing = Payment.objects.get(user=user, idempotency_key=idempotency_key)
        same = (
            existing.gateway == gateway_name
            and existing.package_id == (package.pk if package else None)
            and existing.amount == amount
            and existing.points == points
        )
        if not same:
            raise Conflict(
                _("This idempotency key was already used for a different payment."),
                code="idempotency_key_reused",
            )
        return existing, True
    return Payment.objects.create(user=user, **fields), False


def _start(
    *,
    user: User,
    gateway_name: str,
    package: Package | None,
    amount: Decimal,
    currency: str,
    points: int,
    description: str,
    success_url: str,
    cancel_url: str,
    want_client_secret: bool,
    idempotency_key: str | None,
    field: str = "gateway",
) -> PurchaseStarted:
    found = gateway_available(gateway_name, field=field)
    _return_url_check(success_url, field="success_url")
    _return_url_check(cancel_url, field="cancel_url")
    known = bool(idempotency_key) and (
        Payment.objects.filter(user=user, idempotency_key=idempotency_key).exists()
    )
    if not known:
        # A replay is answered even when the first purchase filled the wallet to its maximum.
        _refuse_over_max_balance(user=user, points=points)
    payment, replayed = _payment_create(
        user=user,
        gateway_name=gateway_name,
        package=package,
        amount=amount,
        currency=currency,
        points=points,
        idempotency_key=idempotency_key,
    )
    if replayed and payment.status != PaymentStatus.PENDING:
        return PurchaseStarted(payment=payment, replayed=True)
    request = CheckoutRequest(
        reference=payment.reference,
        amount=amount,
        currency=currency,
        description=description,
        customer_email=user.email or "",
        customer_name=str(getattr(user, "display_name", "") or user.get_username()),
        success_url=_return_url(success_url, settings.BILLING_SUCCESS_URL, payment),
        cancel_url=_return_url(cancel_url, settings.BILLING_CANCEL_URL, payment),
        # The same key on a retry: the provider answers with the checkout it already made.
        idempotency_key=f"billing:payment:{payment.pk}:start",
        want_client_secret=want_client_secret,
    )
    try:
        started = found.checkout_start(request)
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, failure_reason=str(exc)[:255]
        )
        raise GatewayRefused(str(exc)) from exc
    Payment.objects.filter(pk=payment.pk, provider_payment_id="").update(
        provider_payment_id=started.provider_payment_id
    )
    if started.confirmed:
        from billing.services.webhooks import event_apply

        event_apply(
            gateway_name=gateway_name,
            event=GatewayEvent(
                event_id=f"{started.provider_payment_id}:confirmed",
                type=base.PAYMENT_SUCCEEDED,
                provider_type=f"{gateway_name}.confirmed",
                provider_payment_id=started.provider_payment_id,
                reference=payment.reference,
                amount=amount,
                currency=currency,
                payload={"_transaction_id": started.provider_payment_id},
            ),
        )
    payment.refresh_from_db()
    return PurchaseStarted(
        payment=payment,
        redirect_url=started.redirect_url,
        client_secret=started.client_secret,
        replayed=replayed,
    )


def purchase_start(
    *,
    user: User,
    package: Package,
    gateway_name: str,
    success_url: str = "",
    cancel_url: str = "",
    want_client_secret: bool = False,
    idempotency_key: str | None = None,
) -> PurchaseStarted:
    """Start buying ``package`` on ``gateway_name``: a pending Payment and the gateway's checkout.

    Takes no lock and holds no transaction while the gateway is called. Raises
    ``GatewayNotAvailable`` (400), ``ValidationFailed`` for an inactive package or a foreign
    return URL, ``WalletWouldOverflow`` (409) over the maximum balance, ``GatewayRefused`` (400)
    when the provider says no. The sandbox's payment comes back already succeeded and credited.
    """
    if not package.active:
        raise ValidationFailed(fields={"package": [_("This package is not on sale.")]})
    return _start(
        user=user,
        gateway_name=gateway_name,
        package=package,
        amount=package.price,
        currency=package.currency.upper(),
        points=package.points,
        description=_("%(points)s SkillSwap points") % {"points": package.points},
        success_url=success_url,
        cancel_url=cancel_url,
        want_client_secret=want_client_secret,
        idempotency_key=idempotency_key,
    )


def credits_gateway_name(payment_method: str) -> str:
    """Seed 003's ``payment_method`` → a gateway name ("credit_card" → BILLING_CARD_GATEWAY)."""
    method = (payment_method or "").strip().lower()
    if method in CARD_METHODS:
        return settings.BILLING_CARD_GATEWAY
    return method


def credits_purchase(
    *,
    user: User,
    payment_method: str,
    amount: Decimal,
    points: int,
    success_url: str = "",
    cancel_url: str = "",
    idempotency_key: str | None = None,
) -> PurchaseStarted:
    """Buy ``points`` for ``amount`` (seed 003's ``purchase_credits``).

    An active package of exactly those points at exactly that price (in ``BILLING_CURRENCY``) is
    bought as that package; otherwise ``amount`` must be ``points × BILLING_POINT_PRICE``.
    """
    if not 1 <= points <= MAX_POINTS_PER_PURCHASE:
        raise ValidationFailed(
            fields={
                "credits_to_purchase": [
                    _("Buy between 1 and %(max)s points.") % {"max": MAX_POINTS_PER_PURCHASE}
                ]
            }
        )
    currency = settings.BILLING_CURRENCY
    gateway_name = credits_gateway_name(payment_method)
    if gateway_name not in enabled_gateway_names():
        raise GatewayNotAvailable(payment_method, field="payment_method")
    package = Package.objects.filter(
        active=True, points=points, price=amount, currency=currency
    ).first()
    if package is not None:
        return purchase_start(
            user=user,
            package=package,
            gateway_name=gateway_name,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=idempotency_key,
        )
    try:
        expected = (Decimal(settings.BILLING_POINT_PRICE) * points).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - a misconfigured price
        raise ValidationFailed(fields={"amount": [_("Points cannot be bought here.")]}) from None
    if amount != expected:
        raise ValidationFailed(
            fields={
                "amount": [
                    _("%(points)s points cost %(expected)s %(currency)s.")
                    % {"points": points, "expected": expected, "currency": currency}
                ]
            }
        )
    return _start(
        user=user,
        gateway_name=gateway_name,
        package=None,
        amount=amount,
        currency=currency,
        points=points,
        description=_("%(points)s SkillSwap points") % {"points": points},
        success_url=success_url,
        cancel_url=cancel_url,
        want_client_secret=False,
        idempotency_key=idempotency_key,
        field="payment_method",
    )


@transaction.atomic
def payment_cancel(*, payment: Payment, user: User) -> Payment:
    """Mark the member's own pending payment cancelled (the checkout's cancel page).

    Locks the payment row (``no_key``). A payment that already moved on is returned as it is:
    the provider's word (a webhook) always wins over the browser's return.
    """
    locked = Payment.objects.select_for_update(no_key=True).get(pk=payment.pk, user=user)
    if locked.status == PaymentStatus.PENDING:
        locked.status = PaymentStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def new_idempotency_key() -> str:
    """A fresh key for callers that want one (the site's forms)."""
    return uuid.uuid4().hex


def payments_stale_cancel(*, older_than: dt.timedelta) -> int:
    """Cancel pending payments started more than ``older_than`` ago; how many were cancelled.

    A hosted checkout expires (Stripe after 24 hours) and some providers never say so. Each
    payment is locked and re-checked on its own (``no_key``), so a confirmation arriving at the
    same moment wins; a confirmation arriving later still credits (cancelled → succeeded).
    """
    cutoff = timezone.now() - older_than
    cancelled = 0
    stale = Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lt=cutoff)
    for payment_id in stale.order_by("pk").values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            updated = (
                Payment.objects.select_for_update(no_key=True)
                .filter(pk=payment_id, status=PaymentStatus.PENDING)
                .first()
            )
            if updated is None:
                continue
            updated.status = PaymentStatus.CANCELLED
            updated.failure_reason = _("The checkout expired before the payment was made.")
            updated.save(update_fields=["status", "failure_reason", "updated_at"])
            cancelled += 1
    return cancelled
