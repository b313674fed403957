"""Template tags that show badges on other apps' pages without those apps importing rewards.

``{% profile_badges member %}`` on the public profile (marketplace's template); ``{% badge_icon
icon %}`` gives the URL of a badge icon.
"""

from __future__ import annotations

from typing import Any

from django import template

from rewards import badges

register = template.Library()


@register.inclusion_tag("rewards/_badge_profile.html")
def profile_badges(member: Any) -> dict[str, Any]:
    """The badges a member holds, each at its highest tier (one query)."""
    return {"member": member, "awards": badges.badges_held(user_id=member.pk)}


@register.simple_tag
def badge_icon(icon: str) -> str:
    return badges.badge_icon_url(icon)
