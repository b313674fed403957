"""The badge gallery (``/en/badges/``, ``/ar/badges/``): every active badge and its tiers, and for
a signed-in member their progress. Two queries for a member (badges, then counters and awards
read once each), one for a visitor, whatever the number of badges.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rewards import badges


def badge_gallery(request: HttpRequest) -> HttpResponse:
    """Every active badge with its tiers; the signed-in member's progress bars."""
    user_id = request.user.pk if request.user.is_authenticated else None
    rows = badges.badges_progress(badges=list(badges.badge_list()), user_id=user_id)
    earned = sum(1 for row in rows if row.earned_at)
    return render(
        request,
        "rewards/badges.html",
        {
            "rows": rows,
            "signed_in": user_id is not None,
            "earned_count": earned,
            "nav_section": "badges",
        },
    )
