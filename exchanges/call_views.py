"""The site's video call page (``/<lang>/calls/{id}/``): joins ``/ws/calls/{id}/`` with call.js.

The page is for a signed-in browser session; it hands the page a short-lived access JWT for the
API and the socket, as the API clients would have one. Anyone but the call's two participants gets
a 404. Mounted by ``config/urls.py`` including ``exchanges.urls`` in the localized patterns.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework_simplejwt.tokens import AccessToken

from core.exceptions import NotFound
from exchanges import selectors


@login_required
def call_page(request: HttpRequest, call_id: int) -> HttpResponse:
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
