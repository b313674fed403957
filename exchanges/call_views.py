"""The site's video call page (``/<lang>/calls/{id}/``) and the swap page's "Join the call" button.

- ``call_page`` renders the call; ``call.js`` fetches ``GET /api/v1/video-calls/{id}/`` (ICE
  servers, the caller's join token) with a short-lived access JWT the page carries (the REST API
  authenticates with JWTs only), ends the call with ``POST …/end``, and opens
  ``/ws/calls/{id}/`` with the browser's session cookie. Anyone but the call's two participants
  gets a 404.
- ``call_join`` (POST, from ``exchanges/_join_call.html``) opens the swap's call, or reuses the one
  already open, through ``exchanges.services.video_call_create``, then goes to the call page.
- ``call_is_due`` is the button's rule; templates use it through ``{% load calls %}``
  (``exchanges/templatetags/calls.py``): ``{% call_is_due swap user as due %}``.

Mounted by ``config/urls.py`` (``exchanges.call_urls``) in the localized patterns.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework_simplejwt.tokens import AccessToken

from accounts.http import MemberRequest
from core.exceptions import ApplicationError, NotFound
from exchanges import selectors, services
from exchanges.models import Swap


def call_window(swap: Swap) -> tuple[datetime, datetime]:
    """When the swap's call may be joined: ``VIDEO_CALL_JOIN_EARLY_MINUTES`` before its start,
    until its end."""
    early = timedelta(minutes=getattr(settings, "VIDEO_CALL_JOIN_EARLY_MINUTES", 15))
    return swap.scheduled_start - early, swap.scheduled_end


def call_is_due(swap: Swap, user: Any, *, now: datetime | None = None) -> bool:
    """Whether ``user`` may join ``swap``'s call now: a party of an accepted swap, in its window."""
    if swap is None or not getattr(user, "is_authenticated", False) or not swap.is_party(user):
        return False
    if swap.status != Swap.Status.ACCEPTED:
        return False
    opens, closes = call_window(swap)
    return opens <= (now or timezone.now()) < closes


def _swap_page(request: HttpRequest, swap_id: int) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return f"/{get_language()}/me/swaps/{swap_id}/"


@login_required
@require_POST
def call_join(request: MemberRequest, swap_id: int) -> HttpResponse:
    """Open (or reuse) the call of the member's accepted swap and go to it, when it is due."""
    try:
        swap = selectors.swap_get(user=request.user, swap_id=swap_id)
    except NotFound as exc:
        raise Http404 from exc
    if not call_is_due(swap, request.user):
        flash.error(
            request,
            _("The call opens %(minutes)s minutes before the session starts.")
            % {"minutes": getattr(settings, "VIDEO_CALL_JOIN_EARLY_MINUTES", 15)}
            if swap.status == Swap.Status.ACCEPTED and timezone.now() < swap.scheduled_end
            else _("This session has no call to join."),
        )
        return redirect(_swap_page(request, swap.pk))
    try:
        call, _created = services.video_call_create(swap=swap, actor=request.user)
    except ApplicationError as error:
        flash.error(request, str(error.message))
        return redirect(_swap_page(request, swap.pk))
    return redirect("calls:call", call_id=call.pk)


@login_required
@never_cache
def call_page(request: MemberRequest, call_id: int) -> HttpResponse:
    try:
        call = selectors.video_call_get(user=request.user, call_id=call_id)
    except NotFound as exc:
        raise Http404 from exc
    other = call.swap.other_party(request.user)
    context = {
        "call": call,
        "other": other,
        "access_token": str(AccessToken.for_user(request.user)),
        "api_base": "/api/v1",
    }
    return render(request, "exchanges/call.html", context)
