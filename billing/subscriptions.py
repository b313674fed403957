"""Premium subscriptions: start, cancel, the webhook path that keeps their status, and premium.

Writes follow the house rule: the gateway is called outside any row lock (docs/pitfalls.md); the
row is then locked with ``select_for_update(no_key=True)`` and the provider's answer merged in. A
webhook and the API's own answer go through the same merge (``_state_merge``), so whichever of
them arrives first, the later and older one cannot undo the newer:

- a canceled subscription stays canceled (a provider never revives one);
- a state whose period ends before the stored period end is stale and ignored;
- ``incomplete`` never replaces a later status of the same period (the ``created`` event often
  arrives after ``updated``);
- otherwise the newest delivery wins.

Premium (docs/api.md, "Rate limits"): ``active`` and ``trialing`` subscriptions are premium until
their period end plus ``SUBSCRIPTION_GRACE_DAYS`` (a renewal's webhook may come late);
``past_due`` stays premium for ``SUBSCRIPTION_GRACE_DAYS`` after the failed payment was recorded,
while the provider retries the card. ``user_is_premium`` answers from the shared cache (one value
per member: the moment premium ends), deleted on commit whenever a subscription of the member
changes, so the throttle asks the database at most once per member per
``SUBSCRIPTION_PREMIUM_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from billing import gateways
from billing.gateways.base import (
    INVOICE_PAID,
    INVOICE_PAYMENT_FAILED,
    SUBSCRIPTION_DELETED,
    SUBSCRIPTION_UPDATED,
    GatewayError,
    GatewayEvent,
)
from billing.gateways.stripe_billing import (
    CheckoutSubscriptionRequest,
    StripeBilling,
    SubscriptionRequest,
    SubscriptionState,
    billing_gateway,
    status_normalise,
)
from billing.models import Plan, PlanInterval, Subscription, SubscriptionStatus
from core.exceptions import Conflict, ValidationFailed

logger = logging.getLogger(__name__)

# Gateways that sell subscriptions, in the order a client without a choice gets them.
SUBSCRIPTION_GATEWAYS = ("stripe", "sandbox")
PREMIUM_STATUSES = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
)
# A member with one of these may not start a second subscription.
BLOCKING_STATUSES = PREMIUM_STATUSES
# Seed 004 names plans by words, not ids: "premium_monthly", "premium_yearly".
PLAN_ALIASES = {
    "premium_monthly": PlanInterval.MONTH,
    "monthly": PlanInterval.MONTH,
    "month": PlanInterval.MONTH,
    "premium_yearly": PlanInterval.YEAR,
    "premium_annual": PlanInterval.YEAR,
    "yearly": PlanInterval.YEAR,
    "year": PlanInterval.YEAR,
}
PERK_PROFILE_BADGE = "profile_badge"
# How long a start whose gateway call has not answered yet keeps a second start out.
START_WINDOW = dt.timedelta(seconds=90)


def _grace() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "SUBSCRIPTION_GRACE_DAYS", 3))


# --- reads ----------------------------------------------------------------------------------------


def plans_active() -> list[Plan]:
    """The plans on sale, in their sort order."""
    return list(Plan.objects.filter(active=True).order_by("sort_order", "id"))


def plan_get(*, plan_id: Any) -> Plan:
    """The active plan ``plan_id`` names: its id, seed 004's word, or its Stripe price id."""
    raw = str(plan_id).strip()
    plans = Plan.objects.filter(active=True)
    plan: Plan | None = None
    if raw.isdigit() and len(raw) < 12:
        plan = plans.filter(pk=int(raw)).first()
    elif raw.lower() in PLAN_ALIASES:
        plan = plans.filter(interval=PLAN_ALIASES[raw.lower()]).order_by("sort_order", "id").first()
    elif raw:
        plan = plans.filter(stripe_price_id=raw).first()
    if plan is None:
        raise ValidationFailed(fields={"plan_id": [_("No plan on sale has this id.")]})
    return plan


def subscription_current(*, user: User) -> Subscription | None:
    """The member's subscription that matters now: a premium one, else the newest, else None."""
    rows = list(
        Subscription.objects.filter(user=user)
        .select_related("plan")
        .order_by("-created_at", "-id")[:10]
    )
    for row in rows:
        if row.status in PREMIUM_STATUSES:
            return row
    return rows[0] if rows else None


def status_effective(subscription: Subscription | None, *, now: dt.datetime | None = None) -> str:
    """The status to show: a subscription that ends with its period reads canceled after it.

    That is one set to end at its period end, and any sandbox subscription (the sandbox never
    renews). Stripe says so itself with ``customer.subscription.deleted``, but a webhook can be
    late; the sandbox sends none.
    """
    if subscription is None:
        return "none"
    now = now or timezone.now()
    end = subscription.current_period_end
    ends_with_period = subscription.cancel_at_period_end or subscription.gateway == "sandbox"
    if (
        subscription.status in PREMIUM_STATUSES
        and ends_with_period
        and end is not None
        and end <= now
    ):
        return SubscriptionStatus.CANCELED
    return subscription.status


def premium_until(subscription: Subscription) -> dt.datetime | None:
    """When this subscription stops making its member premium (None: it does not)."""
    if subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        if subscription.current_period_end is None:
            return None
        if subscription.cancel_at_period_end:
            return subscription.current_period_end
        return subscription.current_period_end + _grace()
    if subscription.status == SubscriptionStatus.PAST_DUE:
        recorded = subscription.updated_at or subscription.created_at
        return recorded + _grace()
    return None


def _premium_key(user_id: int) -> str:
    return f"billing:subscription-facts:{user_id}"


def subscription_facts(*, user_id: int) -> dict[str, Any]:
    """What profiles and the throttle need of the member's subscriptions, from the cache.

    One query on a miss: the premium end (epoch seconds, 0 for none) and the current
    subscription's fields that ``status_effective`` reads. Every write of a subscription calls
    ``premium_invalidate``, so the cache never outlives a change.
    """
    key = _premium_key(user_id)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    rows = list(
        Subscription.objects.filter(user_id=user_id)
        .order_by("-created_at", "-id")
        .only(
            "status",
            "gateway",
            "current_period_end",
            "cancel_at_period_end",
            "updated_at",
            "created_at",
        )
    )
    premium = [row for row in rows if row.status in PREMIUM_STATUSES]
    ends = [premium_until(row) for row in premium]
    current = premium[0] if premium else (rows[0] if rows else None)
    facts: dict[str, Any] = {
        "until": max((end.timestamp() for end in ends if end is not None), default=0.0),
        "current": None
        if current is None
        else {
            "status": current.status,
            "gateway": current.gateway,
            "current_period_end": current.current_period_end,
            "cancel_at_period_end": current.cancel_at_period_end,
        },
    }
    cache.set(key, facts, timeout=getattr(settings, "SUBSCRIPTION_PREMIUM_CACHE_SECONDS", 300))
    return facts


def premium_until_of(*, user_id: int) -> float:
    """The epoch second at which the member's premium ends (0 for none), from the cache."""
    return float(subscription_facts(user_id=user_id)["until"])


def user_is_premium(user: Any) -> bool:
    """Whether ``user`` has a premium subscription now (no query while the cache holds it)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return premium_until_of(user_id=user.pk) > time.time()


def premium_invalidate(*, user_id: int) -> None:
    """Forget the member's cached premium end now and again once the transaction commits.

    Now, so this transaction's own reads see the change; after the commit, because another
    request may have cached the old value in between.
    """
    key = _premium_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def premium_perks() -> list[str]:
    """The perks premium members get besides the rate limit (setting ``PREMIUM_PERKS``)."""
    return list(getattr(settings, "PREMIUM_PERKS", [PERK_PROFILE_BADGE]))


def premium_profile_section(user: User) -> dict[str, Any]:
    """The ``premium`` section of a profile: the badge perk (docs/api.md, premium)."""
    badge = PERK_PROFILE_BADGE in premium_perks() and user_is_premium(user)
    return {"badge": badge}


def subscription_status_word(user: User) -> str:
    """Seed 004's ``subscription_status`` of a profile: the current one's status, or "none".

    From the same cached facts as the premium check, so a profile costs at most one query for
    both.
    """
    current = subscription_facts(user_id=user.pk)["current"]
    return status_effective(None if current is None else Subscription(**current))


def subscription_gateway_options() -> list[dict[str, Any]]:
    """The gateways that sell subscriptions here, each with whether it can be used now."""
    enabled = gateways.enabled_gateway_names()
    options = []
    for name in SUBSCRIPTION_GATEWAYS:
        billing = billing_gateway(name)
        if name in enabled and billing is not None:
            options.append({"name": name, "available": billing.available()})
    return options


def _gateway_choose(name: str | None) -> str:
    options = subscription_gateway_options()
    if name:
        for option in options:
            if option["name"] == name and option["available"]:
                return name
        raise ValidationFailed(
            fields={"gateway": [_("This payment method is not available on this site.")]}
        )
    for option in options:
        if option["available"]:
            return option["name"]
    raise ValidationFailed(_("Subscriptions are not available on this site."))


# --- writes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionStarted:
    subscription: Subscription
    client_secret: str = ""
    redirect_url: str = ""


def _customer_id_for(*, user: User, gateway_name: str) -> str:
    """The member's customer id at this provider, from an earlier subscription there."""
    return (
        Subscription.objects.filter(user=user, gateway=gateway_name)
        .exclude(provider_customer_id="")
        .order_by("-created_at", "-id")
        .values_list("provider_customer_id", flat=True)
        .first()
        or ""
    )


@transaction.atomic
def _subscription_create_pending(*, user: User, plan: Plan, gateway_name: str) -> Subscription:
    """Record the attempt as ``incomplete``, refusing a member who is premium already.

    Locks the member's row (``FOR NO KEY UPDATE``) so two concurrent starts of one member run one
    after the other and the second sees the first.
    """
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    # An attempt whose gateway call is still running has no provider id yet: a second start now
    # would make a second subscription once both calls return.
    in_flight = Subscription.objects.filter(
        user=user,
        status=SubscriptionStatus.INCOMPLETE,
        provider_subscription_id="",
        created_at__gte=timezone.now() - START_WINDOW,
    )
    if in_flight.exists():
        raise Conflict(
            _("Your subscription is being started. Please wait a moment."),
            code="subscription_starting",
        )
    # Checked after the in-flight attempts, never before: another start's answer is merged by a
    # transaction that does not take the member lock, so an attempt can turn from incomplete to
    # active between two reads here. Read in this order, an attempt is caught either way (by the
    # first read while incomplete, by this one once active).
    blocking = Subscription.objects.filter(user=user, status__in=BLOCKING_STATUSES)
    for row in blocking:
        if status_effective(row) in BLOCKING_STATUSES:
            raise Conflict(_("You already have a premium subscription."), code="already_subscribed")
    started = Subscription.objects.create(
        user=user,
        plan=plan,
        gateway=gateway_name,
        status=SubscriptionStatus.INCOMPLETE,
        provider_customer_id=_customer_id_for(user=user, gateway_name=gateway_name),
    )
    premium_invalidate(user_id=user.pk)
    return started


@transaction.atomic
def _subscription_abandon(*, subscription_id: int) -> None:
    """The provider refused the start: the attempt ends, canceled, unless a webhook moved it."""
    row = Subscription.objects.select_for_update(no_key=True).get(pk=subscription_id)
    if row.status == SubscriptionStatus.INCOMPLETE and not row.provider_subscription_id:
        row.status = SubscriptionStatus.CANCELED
        row.save(update_fields=["status", "updated_at"])
        premium_invalidate(user_id=row.user_id)


def subscription_start(
    *, user: User, plan: Plan, gateway_name: str | None = None, payment_method_id: str = ""
) -> SubscriptionStarted:
    """Start ``plan`` for ``user`` on Stripe Billing or the sandbox.

    Stripe answers an ``incomplete`` subscription and the client secret of its first invoice,
    which the member's client confirms; the webhooks then make it active. The sandbox is active at
    once. The gateway is called with no row lock held; its answer is merged under the row's lock.
    """
    name = _gateway_choose(gateway_name)
    billing = billing_gateway(name)
    if billing is None:  # _gateway_choose answers only subscription gateways
        raise ValidationFailed(_("Subscriptions are not available on this site."))
    if name == "stripe" and not plan.stripe_price_id:
        raise ValidationFailed(
            fields={"plan_id": [_("This plan cannot be bought with this payment method.")]}
        )
    pending = _subscription_create_pending(user=user, plan=plan, gateway_name=name)
    request = SubscriptionRequest(
        reference=f"subscription:{pending.pk}",
        price_id=plan.stripe_price_id,
        interval=plan.interval,
        customer_id=pending.provider_customer_id,
        customer_email=user.email,
        customer_name=user.get_full_name() or user.email,
        idempotency_key=f"subscription:{pending.pk}",
        payment_method_id=payment_method_id,
    )
    try:
        state = billing.subscription_start(request)
    except GatewayError as error:
        _subscription_abandon(subscription_id=pending.pk)
        raise ValidationFailed(str(error), code="gateway_error") from error
    subscription = _state_apply(subscription_id=pending.pk, state=state)
    return SubscriptionStarted(subscription=subscription, client_secret=state.client_secret)


def subscription_checkout_start(
    *, user: User, plan: Plan, success_url: str, cancel_url: str
) -> SubscriptionStarted:
    """Start ``plan`` on Stripe's hosted Checkout (the site's pages): the URL to send the member to.

    The subscription's events carry ``subscription:<id>`` in their metadata, which is how the
    webhook finds this row. ``{subscription_id}`` in the URLs becomes the row's id.
    """
    name = _gateway_choose("stripe")
    billing = billing_gateway(name)
    if billing is None or not plan.stripe_price_id or not isinstance(billing, StripeBilling):
        raise ValidationFailed(_("This plan cannot be bought with this payment method."))
    pending = _subscription_create_pending(user=user, plan=plan, gateway_name=name)
    request = CheckoutSubscriptionRequest(
        reference=f"subscription:{pending.pk}",
        price_id=plan.stripe_price_id,
        customer_id=pending.provider_customer_id,
        customer_email=user.email,
        success_url=success_url.replace("{subscription_id}", str(pending.pk)),
        cancel_url=cancel_url.replace("{subscription_id}", str(pending.pk)),
        idempotency_key=f"subscription:{pending.pk}",
    )
    try:
        url = billing.checkout_start(request)
    except GatewayError as error:
        _subscription_abandon(subscription_id=pending.pk)
        raise ValidationFailed(str(error), code="gateway_error") from error
    return SubscriptionStarted(subscription=pending, redirect_url=url)


def subscription_checkout_abandon(*, user: User, subscription_id: int) -> None:
    """The member came back from Checkout without paying: their attempt ends, canceled.

    Only the member's own attempt that Stripe has not named yet (no subscription was created);
    anything else is left as it is, so the provider's word always wins over the browser's.
    """
    if Subscription.objects.filter(pk=subscription_id, user=user).exists():
        _subscription_abandon(subscription_id=subscription_id)


def subscription_cancel(*, user: User) -> Subscription:
    """Cancel the member's premium subscription at the end of its paid period.

    Asking twice is harmless: an already ending subscription is answered as it is. Stripe is asked
    first (no lock held), then the row is locked and its answer merged.
    """
    current = subscription_current(user=user)
    if current is None or status_effective(current) not in PREMIUM_STATUSES:
        raise Conflict(_("You have no subscription to cancel."), code="no_subscription")
    if current.cancel_at_period_end:
        return current
    billing = billing_gateway(current.gateway)
    state: SubscriptionState | None = None
    if billing is not None and current.provider_subscription_id:
        try:
            state = billing.subscription_cancel(
                provider_subscription_id=current.provider_subscription_id,
                idempotency_key=f"subscription:{current.pk}:cancel",
            )
        except GatewayError as error:
            raise ValidationFailed(str(error), code="gateway_error") from error
    if state is not None:
        return _state_apply(subscription_id=current.pk, state=state)
    with transaction.atomic():
        row = Subscription.objects.select_for_update(no_key=True).get(pk=current.pk)
        if not row.cancel_at_period_end:
            row.cancel_at_period_end = True
            row.save(update_fields=["cancel_at_period_end", "updated_at"])
            premium_invalidate(user_id=row.user_id)
        return row


@transaction.atomic
def _state_apply(*, subscription_id: int, state: SubscriptionState) -> Subscription:
    """Merge the provider's answer into the row, under its lock."""
    row = (
        Subscription.objects.select_for_update(no_key=True)
        .select_related("plan")
        .get(pk=subscription_id)
    )
    _state_merge(
        row,
        provider_subscription_id=state.provider_subscription_id,
        provider_customer_id=state.provider_customer_id,
        status=state.status,
        current_period_end=state.current_period_end,
        cancel_at_period_end=state.cancel_at_period_end,
    )
    return row


def _state_merge(
    row: Subscription,
    *,
    provider_subscription_id: str,
    provider_customer_id: str,
    status: str,
    current_period_end: dt.datetime | None,
    cancel_at_period_end: bool | None,
    terminal: bool = False,
) -> bool:
    """Apply a provider state to the locked ``row`` unless it is older than what is stored.

    ``terminal`` (a deletion) always wins. Saves and invalidates the premium cache when anything
    changed; the answer says whether it did.
    """
    stored_end = row.current_period_end
    if not terminal:
        if row.status == SubscriptionStatus.CANCELED and row.provider_subscription_id:
            return False
        if current_period_end and stored_end and current_period_end < stored_end:
            return False
        same_period = current_period_end is None or current_period_end == stored_end
        if (
            status == SubscriptionStatus.INCOMPLETE
            and row.status != SubscriptionStatus.INCOMPLETE
            and same_period
        ):
            return False
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)

    if provider_subscription_id and not row.provider_subscription_id:
        put("provider_subscription_id", provider_subscription_id)
    if provider_customer_id and not row.provider_customer_id:
        put("provider_customer_id", provider_customer_id)
    put("status", status)
    if current_period_end is not None and (stored_end is None or current_period_end >= stored_end):
        put("current_period_end", current_period_end)
    if cancel_at_period_end is not None:
        put("cancel_at_period_end", cancel_at_period_end)
    if changed:
        row.save(update_fields=[*changed, "updated_at"])
        premium_invalidate(user_id=row.user_id)
    return bool(changed)


def _reference_id(metadata: Any) -> int | None:
    """Our row id from the ``subscription:<id>`` reference in the provider's metadata."""
    reference = ""
    if isinstance(metadata, dict) or hasattr(metadata, "get"):
        reference = str(metadata.get("reference") or "")
    prefix, _sep, raw = reference.partition(":")
    if prefix == "subscription" and raw.isdigit() and len(raw) < 19:
        return int(raw)
    return None


def _subscription_find(*, provider_id: str, metadata: Any) -> int | None:
    """Our row for a provider subscription: by its id, else by the reference it carries."""
    if provider_id:
        found = (
            Subscription.objects.filter(provider_subscription_id=provider_id)
            .values_list("pk", flat=True)
            .first()
        )
        if found is not None:
            return found
    reference_id = _reference_id(metadata)
    if reference_id is None:
        return None
    return (
        Subscription.objects.filter(pk=reference_id)
        .filter(Q(provider_subscription_id="") | Q(provider_subscription_id=provider_id))
        .values_list("pk", flat=True)
        .first()
    )


def _timestamp(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@transaction.atomic
def subscription_event_apply(*, event: GatewayEvent) -> None:
    """Apply one verified subscription or invoice event (idempotent, order-independent).

    ``event.subscription`` carries the provider's subscription id, customer, status,
    current_period_end, cancel_at_period_end, price id and metadata (``billing.gateways``). The
    row is found by the provider id, or by the ``subscription:<id>`` reference in the metadata
    (the ``created`` event can arrive before the API call that created the subscription has
    stored its id), and locked ``FOR NO KEY UPDATE``. Events for subscriptions this site never
    started are logged and ignored. Exactly-once delivery is the caller's (``PaymentEvent``'s
    unique key); applying the same event twice changes nothing anyway.
    """
    data = dict(event.subscription or {})
    provider_id = str(data.get("id") or "")
    found = _subscription_find(provider_id=provider_id, metadata=data.get("metadata") or {})
    if found is None:
        logger.info("billing: %s for unknown subscription %r ignored", event.type, provider_id)
        return
    row = Subscription.objects.select_for_update(no_key=True).get(pk=found)
    period_end = _timestamp(data.get("current_period_end"))
    cancel_flag = data.get("cancel_at_period_end")
    common: dict[str, Any] = {
        "provider_subscription_id": provider_id,
        "provider_customer_id": str(data.get("customer") or ""),
        "current_period_end": period_end,
        "cancel_at_period_end": None if cancel_flag is None else bool(cancel_flag),
    }
    if event.type == SUBSCRIPTION_DELETED:
        _state_merge(row, status=SubscriptionStatus.CANCELED, terminal=True, **common)
    elif event.type == SUBSCRIPTION_UPDATED:
        _state_merge(row, status=status_normalise(str(data.get("status") or "")), **common)
    elif event.type == INVOICE_PAID:
        if row.status in (
            SubscriptionStatus.INCOMPLETE,
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.UNPAID,
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.TRIALING,
        ):
            status = (
                row.status
                if row.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)
                else SubscriptionStatus.ACTIVE
            )
            _state_merge(row, status=status, **common)
    elif event.type == INVOICE_PAYMENT_FAILED:
        if row.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
            _state_merge(row, status=SubscriptionStatus.PAST_DUE, **common)
    else:
        logger.info("billing: event type %s is not a subscription event", event.type)


# --- registration ---------------------------------------------------------------------------------


def hooks_register() -> None:
    """Tell accounts about subscriptions (called from ``BillingConfig.ready``).

    accounts sits below billing (docs/architecture.md): it reaches subscriptions only through
    these registered callables. The throttle's premium check is registered by
    ``billing.api.subscription_views.premium_rate_register`` (only ``api/`` imports config.api).
    """
    from accounts import extensions

    extensions.set_subscription_status_provider(subscription_status_word)
    if PERK_PROFILE_BADGE in premium_perks():
        extensions.register_profile_section("premium", premium_profile_section)
