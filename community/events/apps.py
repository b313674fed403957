from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Group events (Wagtail pages), bookings, the waiting list, paid seats held in escrow."""

    name = "community.events"
    label = "community_events"
    verbose_name = _("Events")
