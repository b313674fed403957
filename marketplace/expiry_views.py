"""Renewing an offer from the site: the owner's button (``me/offers/<id>/renew/``) and the
one-click link of the reminder e-mail (``me/offers/renew/<token>/``).

The link's page renews only on POST: a GET shows the offer and a confirm button, so a mail
scanner or a link preview that follows the link renews nothing (marketplace/services/expiry.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import MemberRequest
from accounts.views import member_page, member_zone
from core.exceptions import ApplicationError
from marketplace.member_views import _own_offer
from marketplace.services.expiry import offer_from_renew_token, offer_renew


@member_page
@require_POST
def offer_renew_own(request: MemberRequest, offer_id: int) -> HttpResponse:
    """The owner's renew button on their offers list."""
    offer = _own_offer(request, offer_id)
    try:
        offer_renew(offer=offer)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your offer is renewed."))
    return redirect("marketplace_member:offer_list")


@never_cache
@require_http_methods(["GET", "POST"])
def offer_renew_link(request: HttpRequest, token: str) -> HttpResponse:
    """The reminder's link: confirm on GET, renew on POST; a bad or old link is a 404 page."""
    template = "marketplace/expiry/renew_link.html"
    try:
        offer = offer_from_renew_token(token=token)
    except ApplicationError as error:
        return render(request, template, {"error": error.message, "offer": None}, status=404)
    renewed = False
    if request.method == "POST":
        try:
            offer = offer_renew(offer=offer)
        except ApplicationError as error:
            return render(request, template, {"error": error.message, "offer": offer}, status=409)
        renewed = True
    # Dates in the owner's time zone: the link's bearer stands for the owner.
    with timezone.override(member_zone(offer.owner)):
        return render(request, template, {"offer": offer, "renewed": renewed, "error": ""})
