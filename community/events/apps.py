from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Group events (Wagtail pages), bookings, the waiting list, paid seats held in escrow."""

    name = "community.events"
    label = "community_events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from wagtail.signals import page_published

        from community.events.ics import booked_events
        from community.events.models import EventPage
        from community.events.signal_handlers import event_published
        from exchanges.ics import register_feed_source

        register_feed_source(booked_events)
        page_published.connect(event_published, sender=EventPage)
        _activity_recount_register()


def _activity_recount_register() -> None:
    """Tell ``manage.py rewards_recount`` how to count hosted events from the events tables."""
    from community.events import selectors
    from rewards.activity import register_recount
    from rewards.models import Counter

    register_recount(Counter.EVENTS_HOSTED, selectors.activity_events_hosted)
