"""``{% load calls %}``: the rule of the swap page's "Join the call" button for templates."""

from __future__ import annotations

from typing import Any

from django import template

from exchanges.call_views import call_is_due
from exchanges.models import Swap

register = template.Library()


@register.simple_tag(name="call_is_due")
def call_is_due_tag(swap: Swap, user: Any) -> bool:
    return call_is_due(swap, user)
