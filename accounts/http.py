"""Request types of the site's pages."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class MemberRequest(HttpRequest):
    """A request that ``login_required`` (or ``accounts.views.member_page``) let through: its user
    is a signed-in member, never ``AnonymousUser``. For type checking only."""

    user: User
