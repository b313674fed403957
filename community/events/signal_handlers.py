"""Wagtail's ``page_published`` (the one signal Wagtail forces on us; connected in apps.py).

An editor who raises an event's capacity frees seats: the waiting list fills them after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def event_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from community.events import services
    from community.events.models import EventPage

    if not isinstance(instance, EventPage):
        return
    event_id = instance.pk

    def fill() -> None:
        event = EventPage.objects.filter(pk=event_id).first()
        if event is not None:
            services.event_waitlist_fill(event=event)

    transaction.on_commit(fill)
