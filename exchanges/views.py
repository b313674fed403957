"""The member's swap pages and notification preferences (signed in).

The preferences read messaging; they live here, above it, so that accounts imports none of them
(docs/architecture.md, dependencies point one way). The dashboard (``me/``) is in
``dashboards/views.py``. Every move goes through ``exchanges.services`` and its refusals
(``Conflict`` and the rest) are shown on the page in the visitor's language, changing nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import CleanTextField, PreferencesForm, form_errors_apply
from accounts.http import MemberRequest
from accounts.views import form_status, member_page
from core.exceptions import ApplicationError, NotFound
from exchanges import selectors, services, state_machine
from exchanges.models import Swap
from marketplace import selectors as marketplace_selectors
from marketplace.models import Offer
from messaging import selectors as messaging_selectors
from messaging import services as messaging_services

S = Swap.Status
PAGE_SIZE = 20
# Dates a form accepts: a year-9999 value must never reach date arithmetic (docs/pitfalls.md).
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# Moves made by a plain button (reschedule needs a time: its own form).
BUTTON_MOVES = (
    "accept",
    "reject",
    "cancel",
    "complete",
    "dispute",
    "accept_reschedule",
    "decline_reschedule",
)
REASON_MOVES = frozenset({"reject", "cancel", "dispute"})
STATUS_TABS = ("pending", "accepted", "completed", "cancelled", "rejected", "disputed", "refunded")


# --- forms -------------------------------------------------------------------------------------


class BoundedDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read in the member's time zone, within 1900..2200."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.datetime | None:
        moment = super().clean(value)
        if moment is not None and not EARLIEST <= moment < LATEST:
            raise forms.ValidationError(_("Choose a date between 1900 and 2200."))
        return moment


class SwapRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("How you pay"),
        choices=Swap.Kind.choices,
        widget=forms.RadioSelect,
        initial=Swap.Kind.SWAP,
    )
    scheduled_start = BoundedDateTimeField(label=gettext_lazy("Start"))
    session_type = forms.ChoiceField(
        label=gettext_lazy("Session type"), choices=Swap.SessionType.choices, initial="video"
    )
    notes = CleanTextField(
        label=gettext_lazy("Message to the teacher"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offer.price_points:
            self.fields["kind"].choices = [(Swap.Kind.SWAP, Swap.Kind.SWAP.label)]


class RescheduleForm(forms.Form):
    start = BoundedDateTimeField(label=gettext_lazy("New start"))


class ReasonForm(forms.Form):
    reason = CleanTextField(label=gettext_lazy("Reason"), max_length=2000, required=False)


# --- preferences -------------------------------------------------------------------------------


@member_page
@require_http_methods(["GET", "POST"])
def preferences_edit(request: MemberRequest) -> HttpResponse:
    """Choose, per kind of notification, whether it shows in the app and comes by e-mail."""
    user = request.user
    preferences = messaging_selectors.notification_preference_list(user=user)
    if request.method == "POST":
        form = PreferencesForm(request.POST, preferences=preferences)
        if form.is_valid():
            try:
                messaging_services.notification_preferences_update(
                    user=user, preferences=form.preferences()
                )
            except ApplicationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Your notification preferences were saved."))
                return redirect("exchanges:preferences")
    else:
        form = PreferencesForm(preferences=preferences)
    return render(
        request, "accounts/member/preferences.html", {"form": form}, status=form_status(form)
    )


# --- swaps ---------------------------------------------------------------------------------------


@member_page
def swap_list(request: MemberRequest) -> HttpResponse:
    """The member's swaps, as requester or as responder, by status."""
    user = request.user
    role = (
        request.GET.get("role")
        if request.GET.get("role") in {"requester", "responder"}
        else "requester"
    )
    status = request.GET.get("status") if request.GET.get("status") in STATUS_TABS else ""
    swaps = selectors.swap_list(user=user).filter(**{role: user})
    if status:
        swaps = swaps.filter(status=status)
    page = Paginator(swaps.order_by("-scheduled_start", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "role": role,
        "status": status,
        "statuses": [(value, label) for value, label in S.choices if value in STATUS_TABS],
    }
    return render(request, "exchanges/swaps/list.html", context)


def _offer_or_404(request: HttpRequest) -> Offer:
    try:
        offer_id = int(request.GET.get("offer") or request.POST.get("offer") or "")
    except ValueError:
        raise Http404 from None
    offer = marketplace_selectors.offer_get(viewer=request.user, offer_id=offer_id)
    if offer is None:
        raise Http404
    return offer


@member_page
@require_http_methods(["GET", "POST"])
def swap_new(request: MemberRequest) -> HttpResponse:
    """Request a swap from an offer: swap or points, at a time in the member's time zone."""
    offer = _offer_or_404(request)
    if request.method == "POST":
        form = SwapRequestForm(request.POST, offer=offer)
        if form.is_valid():
            data = form.cleaned_data
            try:
                swap = services.swap_create(
                    requester=request.user,
                    offer=offer,
                    kind=data["kind"],
                    scheduled_start=data["scheduled_start"],
                    session_type=data["session_type"],
                    notes=data["notes"],
                )
            except ApplicationError as error:
                form_errors_apply(form, _with_form_names(error))
            else:
                messages.success(request, _("Your request was sent."))
                return redirect("exchanges:swap_detail", swap_id=swap.pk)
    else:
        form = SwapRequestForm(offer=offer)
    return render(
        request,
        "exchanges/swaps/new.html",
        {"form": form, "offer": offer},
        status=form_status(form),
    )


def swap_request_redirect(request: HttpRequest, offer_id: int) -> HttpResponse:
    """``offers/<id>/request/`` → the request form for that offer (signing in first if needed)."""
    return redirect(f"{reverse('exchanges:swap_new')}?offer={offer_id}")


def _with_form_names(error: ApplicationError) -> ApplicationError:
    """Put the service's field names (``points_amount``, ``proposed_start``) on the form's."""
    aliases = {"points_amount": "kind", "proposed_start": "start", "proposed": "start"}
    error.fields = {aliases.get(name, name): value for name, value in error.fields.items()}
    return error


def _swap_or_404(request: HttpRequest, swap_id: int) -> Swap:
    try:
        return selectors.swap_get(user=request.user, swap_id=swap_id)
    except NotFound:
        raise Http404 from None


def _detail(
    request: HttpRequest,
    swap: Swap,
    *,
    reschedule_form: RescheduleForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    allowed = state_machine.allowed_actions(swap=swap, user=request.user, now=timezone.now())
    context = {
        "swap": swap,
        "role": state_machine.role_of(swap, request.user),
        "other": swap.other_party(request.user),
        "moves": [move for move in BUTTON_MOVES if move in allowed],
        "reason_moves": REASON_MOVES,
        "can_reschedule": "reschedule" in allowed,
        "reschedule_form": reschedule_form or RescheduleForm(),
        "error": error,
    }
    return render(request, "exchanges/swaps/detail.html", context, status=status)


@member_page
def swap_detail(request: MemberRequest, swap_id: int) -> HttpResponse:
    return _detail(request, _swap_or_404(request, swap_id))


@member_page
@require_POST
def swap_move(request: MemberRequest, swap_id: int, action: str) -> HttpResponse:
    """Make a named move; a refusal is shown on the swap page and changes nothing."""
    swap = _swap_or_404(request, swap_id)
    if action not in BUTTON_MOVES:
        raise Http404
    reason_form = ReasonForm(request.POST)
    reason = reason_form.cleaned_data["reason"] if reason_form.is_valid() else ""
    try:
        services.swap_move(swap=swap, actor=request.user, action=action, reason=reason)
    except ApplicationError as error:
        message = " ".join(str(m) for messages_ in error.fields.values() for m in messages_)
        return _detail(
            request,
            _swap_or_404(request, swap_id),
            error=message or error.message,
            status=error.status_code,
        )
    messages.success(request, _("Done: the swap was updated."))
    return redirect("exchanges:swap_detail", swap_id=swap.pk)


@member_page
@require_POST
def swap_reschedule(request: MemberRequest, swap_id: int) -> HttpResponse:
    """Propose a new time (the other party accepts or declines it)."""
    swap = _swap_or_404(request, swap_id)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.swap_reschedule(
                swap=swap, actor=request.user, start=form.cleaned_data["start"]
            )
        except ApplicationError as error:
            if error.fields:
                form_errors_apply(form, _with_form_names(error))
                return _detail(request, swap, reschedule_form=form, status=error.status_code)
            return _detail(request, swap, error=error.message, status=error.status_code)
        messages.success(request, _("Your new time was proposed."))
        return redirect("exchanges:swap_detail", swap_id=swap.pk)
    return _detail(request, swap, reschedule_form=form, status=400)
