"""The member's billing pages: buy points, the return pages, plans and payment history.

Every page is a member page (``accounts.views.member_page``: signed in, the member's time zone).
Payments start through ``billing.services.purchase_start`` and subscriptions through
``billing.subscriptions``; a view only reads the form, calls one service and redirects.

- Buying: the sandbox confirms at once, so its purchase goes straight to the done page; the other
  gateways send the member to their hosted checkout, which comes back to the done page (the
  provider's webhook is what credits the points: the done page shows the status and polls it
  with ``site/static/js/billing.js``; without JavaScript its "Check again" link does the same).
- Plans: the site's Content-Security-Policy allows no external script, so it cannot load Stripe
  Elements; on Stripe a plan is bought on Stripe Checkout in subscription mode, the sandbox
  subscribes at once.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import MemberRequest
from accounts.views import member_page
from billing import selectors, services, subscriptions
from billing.forms import BuyForm, SubscribeForm, gateway_label
from billing.models import PaymentStatus, SubscriptionStatus
from core.exceptions import ApplicationError
from rewards.selectors import balance_summary

PAGE_SIZE = 25
# Statuses after which the done page stops polling.
SETTLED = frozenset(status for status in PaymentStatus.values if status != PaymentStatus.PENDING)


def _available_gateways() -> list[str]:
    return [option["name"] for option in selectors.gateway_options() if option["available"]]


@member_page
@require_http_methods(["GET", "POST"])
def buy(request: MemberRequest) -> HttpResponse:
    """Packages and gateways; POST starts the purchase (sandbox: done at once)."""
    packages = selectors.packages_active()
    gateways = _available_gateways()
    form = BuyForm(
        request.POST if request.method == "POST" else None,
        packages=packages,
        gateways=gateways,
        initial={"idempotency_key": services.payments.new_idempotency_key()},
    )
    if request.method == "POST" and form.is_valid():
        package = form.packages[form.cleaned_data["package"].pk]
        try:
            started = services.purchase_start(
                user=request.user,
                package=package,
                gateway_name=form.cleaned_data["gateway"],
                idempotency_key=f"site:buy:{form.cleaned_data['idempotency_key']}",
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if started.redirect_url and started.payment.status == PaymentStatus.PENDING:
                return HttpResponseRedirect(started.redirect_url)
            return redirect("billing:buy_done", payment_id=started.payment.pk)
    context = {
        "form": form,
        "package_rows": list(zip(form["package"], packages, strict=False)),
        "packages": packages,
        "gateways": gateways,
        "summary": balance_summary(user=request.user),
    }
    return render(request, "billing/buy.html", context)


def _own_payment(request: MemberRequest, payment_id: int) -> Any:
    payment = selectors.payment_of(user=request.user, payment_id=payment_id)
    if payment is None:
        raise Http404
    return payment


@member_page
@require_GET
def buy_done(request: MemberRequest, payment_id: int) -> HttpResponse:
    """The checkout's way back: the payment's status and, once paid, the new balance."""
    payment = _own_payment(request, payment_id)
    context = {
        "payment": payment,
        "settled": payment.status in SETTLED,
        "gateway_name": gateway_label(payment.gateway),
        "summary": balance_summary(user=request.user),
        "status_url": reverse("billing:buy_status", kwargs={"payment_id": payment.pk}),
    }
    return render(request, "billing/buy_done.html", context)


@member_page
@require_GET
def buy_status(request: MemberRequest, payment_id: int) -> JsonResponse:
    """The payment's status for the done page's polling (one query)."""
    payment = _own_payment(request, payment_id)
    return JsonResponse({"status": payment.status, "settled": payment.status in SETTLED})


@member_page
@require_GET
def buy_cancelled(request: MemberRequest) -> HttpResponse:
    """The checkout's cancel return: the member's pending payment is marked cancelled."""
    payment = None
    raw = request.GET.get("payment", "")
    if raw.isdigit() and len(raw) < 19:
        found = selectors.payment_of(user=request.user, payment_id=int(raw))
        if found is not None:
            payment = services.payment_cancel(payment=found, user=request.user)
    return render(request, "billing/buy_cancelled.html", {"payment": payment})


@member_page
@require_GET
def buy_return(request: MemberRequest) -> HttpResponse:
    """``BILLING_SUCCESS_URL``'s default address: on to the done page of ``?payment=``."""
    raw = request.GET.get("payment", "")
    if raw.isdigit() and len(raw) < 19:
        return redirect("billing:buy_done", payment_id=int(raw))
    return redirect("billing:buy")


@member_page
@require_GET
def buy_return_cancel(request: MemberRequest) -> HttpResponse:
    """``BILLING_CANCEL_URL``'s default address: on to the cancelled page."""
    target = reverse("billing:buy_cancelled")
    raw = request.GET.get("payment", "")
    if raw.isdigit() and len(raw) < 19:
        target = f"{target}?payment={raw}"
    return HttpResponseRedirect(target)


def _hourly_rates() -> dict[str, int] | None:
    """The user and premium API rates per hour (``THROTTLE_USER`` / ``THROTTLE_PREMIUM``)."""
    rates = cast(dict[str, Any], settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES") or {})
    found = {}
    for scope in ("user", "premium"):
        count, _sep, period = str(rates.get(scope) or "").partition("/")
        if not count.isdigit() or not period.startswith("h"):
            return None
        found[scope] = int(count)
    return found


def _plan_gateway() -> str | None:
    """How the page sells plans: the sandbox at once, else Stripe Checkout, else not at all."""
    options = {o["name"]: o["available"] for o in subscriptions.subscription_gateway_options()}
    for name in subscriptions.SUBSCRIPTION_GATEWAYS:
        if options.get(name):
            return name
    return None


@member_page
@require_GET
def billing(request: MemberRequest) -> HttpResponse:
    """The member's plan (status, period end, cancel), plans to subscribe, payment history."""
    abandoned = request.GET.get("cancelled", "")
    if abandoned.isdigit() and len(abandoned) < 19:  # back from Stripe Checkout without paying
        subscriptions.subscription_checkout_abandon(
            user=request.user, subscription_id=int(abandoned)
        )
    current = subscriptions.subscription_current(user=request.user)
    status = subscriptions.status_effective(current)
    page = Paginator(selectors.payments_of(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "subscription": current,
        "status": status,
        "status_label": dict(SubscriptionStatus.choices).get(status, ""),
        "is_premium": subscriptions.user_is_premium(request.user),
        "can_cancel": current is not None
        and status in subscriptions.PREMIUM_STATUSES
        and not current.cancel_at_period_end,
        "can_subscribe": status not in subscriptions.PREMIUM_STATUSES,
        "plans": subscriptions.plans_active(),
        "rates": _hourly_rates(),
        "plan_gateway": _plan_gateway(),
        "page": page,
        "rows": [{"payment": p, "gateway": gateway_label(p.gateway)} for p in page],
    }
    return render(request, "billing/billing.html", context)


@member_page
@require_POST
def subscribe(request: MemberRequest) -> HttpResponse:
    """Subscribe to a plan: the sandbox at once, Stripe through its hosted Checkout."""
    form = SubscribeForm(request.POST)
    gateway_name = _plan_gateway()
    if not form.is_valid() or gateway_name is None:
        messages.error(request, _("This plan cannot be bought here now."))
        return redirect("billing:billing")
    plan = form.cleaned_data["plan"]
    try:
        if gateway_name == "stripe":
            back = request.build_absolute_uri(reverse("billing:billing"))
            started = subscriptions.subscription_checkout_start(
                user=request.user,
                plan=plan,
                success_url=f"{back}?subscribed={{subscription_id}}",
                cancel_url=f"{back}?cancelled={{subscription_id}}",
            )
            return HttpResponseRedirect(started.redirect_url)
        subscriptions.subscription_start(user=request.user, plan=plan, gateway_name=gateway_name)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You are now a premium member."))
    return redirect("billing:billing")


@member_page
@require_POST
def cancel(request: MemberRequest) -> HttpResponse:
    """Cancel the plan at the end of the paid period."""
    try:
        row = subscriptions.subscription_cancel(user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your plan ends on %(date)s; you stay premium until then.")
            % {"date": _date(row.current_period_end)},
        )
    return redirect("billing:billing")


def _date(moment: Any) -> str:
    if moment is None:
        return ""
    return date_filter(timezone.localtime(moment), "DATE_FORMAT")
