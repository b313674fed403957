"""The member's offers: list, create, edit, pause/resume, remove, all through
``marketplace.services`` (the same rules and errors as the API)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import form_errors_apply
from accounts.http import MemberRequest
from accounts.views import form_status, member_page
from core.exceptions import ApplicationError
from marketplace import selectors, services
from marketplace.models import Offer, OfferStatus
from marketplace.offer_forms import OfferForm

PAGE_SIZE = 20


def _own_offer(request: HttpRequest, offer_id: int) -> Offer:
    """The member's own offer that is not removed, else 404 (also for other members' offers)."""
    offer = (
        selectors.offer_queryset(viewer=request.user)
        .filter(owner=request.user, pk=offer_id)
        .exclude(status=OfferStatus.REMOVED)
        .first()
    )
    if offer is None:
        raise Http404
    return offer


@member_page
def offer_list(request: MemberRequest) -> HttpResponse:
    """The member's offers, active and paused, newest first."""
    offers = (
        selectors.offer_queryset(viewer=request.user)
        .filter(owner=request.user)
        .exclude(status=OfferStatus.REMOVED)
        .order_by("-created_at", "-id")
    )
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketplace/member/offer_list.html", {"page": page})


@member_page
@require_http_methods(["GET", "POST"])
def offer_new(request: MemberRequest) -> HttpResponse:
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                offer = services.offer_create(owner=request.user, **form.offer_values())
            except ApplicationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(
                    request, _("Your offer “%(title)s” is published.") % {"title": offer.title}
                )
                return redirect("marketplace_member:offer_list")
    else:
        form = OfferForm(initial={"language": getattr(request.user, "language", "en")})
    return render(
        request,
        "marketplace/member/offer_form.html",
        {"form": form, "offer": None},
        status=form_status(form),
    )


@member_page
@require_http_methods(["GET", "POST"])
def offer_edit(request: MemberRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, offer_id)
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                services.offer_update(offer=offer, **form.offer_values())
            except ApplicationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Your offer was saved."))
                return redirect("marketplace_member:offer_list")
    else:
        form = OfferForm(initial=OfferForm.initial_for(offer))
    return render(
        request,
        "marketplace/member/offer_form.html",
        {"form": form, "offer": offer},
        status=form_status(form),
    )


@member_page
@require_POST
def offer_pause(request: MemberRequest, offer_id: int) -> HttpResponse:
    return _set_status(request, offer_id, OfferStatus.PAUSED, _("Your offer is paused."))


@member_page
@require_POST
def offer_resume(request: MemberRequest, offer_id: int) -> HttpResponse:
    return _set_status(request, offer_id, OfferStatus.ACTIVE, _("Your offer is active again."))


def _set_status(request: HttpRequest, offer_id: int, status: str, done: str) -> HttpResponse:
    offer = _own_offer(request, offer_id)
    try:
        services.offer_update(offer=offer, status=status)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("marketplace_member:offer_list")


@member_page
@require_POST
def offer_remove(request: MemberRequest, offer_id: int) -> HttpResponse:
    offer = _own_offer(request, offer_id)
    services.offer_remove(offer=offer, actor=request.user)
    messages.success(request, _("Your offer was removed."))
    return redirect("marketplace_member:offer_list")
