"""Site pages of accounts: Google sign-in guards, language redirects, the member's profile.

Every member page of every app goes through ``member_page``: signed in (else the localized
sign-in page), and rendered in the member's own time zone. Pages that read higher apps (the
dashboard, notification preferences) live in ``exchanges.views``: accounts imports none of them
(docs/architecture.md, dependencies point one way).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.google import views as google_views
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import MultipleObjectsReturned
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import ProfileForm, form_errors_apply
from accounts.http import MemberRequest
from core.exceptions import ApplicationError

View = Callable[..., HttpResponse]


# --- helpers for every member page -----------------------------------------------------------


def member_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The member's own time zone (UTC when unset or unknown)."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def member_page(view: View) -> View:
    """Require a signed-in member and render in their time zone."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(member_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


# --- Google sign-in ----------------------------------------------------------------------------


def google_configured(request: HttpRequest) -> bool:
    """Whether a Google client is configured (settings or a SocialApp row) for this site."""
    try:
        app = get_socialaccount_adapter().get_app(request, provider="google")
    except SocialApp.DoesNotExist:
        return False
    except MultipleObjectsReturned:
        return True
    return bool(app.client_id)


def _google_unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "socialaccount/google_unavailable.html", status=404)


def google_login(request: HttpRequest) -> HttpResponse:
    """Start Google's sign-in, or say clearly that it is not available on this site."""
    if not google_configured(request):
        return _google_unavailable(request)
    return google_views.oauth2_login(request)


def google_callback(request: HttpRequest) -> HttpResponse:
    """Google's return address (one, language-neutral, as registered with Google)."""
    if not google_configured(request):
        return _google_unavailable(request)
    return google_views.oauth2_callback(request)


def accounts_localize(request: HttpRequest, rest: str) -> HttpResponse:
    """Send ``/accounts/<rest>`` to the same page in the visitor's language."""
    language = translation.get_language_from_request(request)
    target = f"/{language}/accounts/{quote(rest)}"
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    # 307 keeps a POST a POST (a form posted to the unprefixed address).
    response = HttpResponseRedirect(target)
    response.status_code = 307 if request.method == "POST" else 302
    return response


# --- the member's pages ------------------------------------------------------------------------


@member_page
@require_http_methods(["GET", "POST"])
def profile_edit(request: MemberRequest) -> HttpResponse:
    """Edit the member's profile through ``user_profile_update`` (avatar via the image pipeline)."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            avatar: Any = services.UNSET
            if form.cleaned_data.get("avatar"):
                avatar = form.cleaned_data["avatar"]
            elif form.cleaned_data.get("remove_avatar"):
                avatar = None
            try:
                services.user_profile_update(user=user, data=form.profile_data(), avatar=avatar)
            except ApplicationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("profile_edit")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    return render(request, "accounts/member/profile.html", {"form": form}, status=form_status(form))


def form_status(form: Any) -> int:
    """200 for a fresh form, 400 when a submitted form is shown again with its errors."""
    return 400 if form.is_bound and form.errors else 200
