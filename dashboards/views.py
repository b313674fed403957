"""The signed-in home page ``/<lang>/me/``: the member dashboard, from ``member_dashboard``.

Sign-in lands here (``LOGIN_REDIRECT_URL``). Accepting or rejecting a request posts to the swap
page's own move address (``exchanges:swap_move``), so refusals are shown there, in the visitor's
language, changing nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.http import MemberRequest
from accounts.views import member_page
from dashboards.member import member_dashboard, oriented_reasons

# The labels of a match's reasons (the same words as GET matches/).
REASON_LABELS = {
    "you_offer_they_want": _("You offer what they want"),
    "they_offer_you_want": _("They offer what you want"),
    "rating": _("Ratings"),
    "shared_language": _("A language you both speak"),
    "availability": _("Weekly time you are both available"),
    "distance": _("Distance, for in-person sessions"),
}


def _suggestions(dashboard: dict[str, Any], *, viewer_id: int) -> list[dict[str, Any]]:
    """Each suggested match as the page shows it: the other member, the score, why."""
    rows = []
    for match in dashboard["matches"]:
        friend = match.user_b if match.user_a_id == viewer_id else match.user_a
        reasons = [
            str(REASON_LABELS[reason["code"]])
            for reason in oriented_reasons(match, viewer_id=viewer_id)
            if reason["code"] in REASON_LABELS and (reason.get("points") or 0) > 0
        ]
        rows.append({"match": match, "friend": friend, "reasons": reasons})
    return rows


@member_page
def home(request: MemberRequest) -> HttpResponse:
    """What needs the member's attention, with links to everything (constant queries)."""
    dashboard = member_dashboard(user=request.user)
    context = {
        **dashboard,
        "suggestions": _suggestions(dashboard, viewer_id=request.user.pk),
        "nav_section": "dashboard",
    }
    return render(request, "dashboards/home.html", context)
