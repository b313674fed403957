from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Forums, reviews, events and bookings, reports and moderation."""

    name = "community"
    verbose_name = _("Community")
