from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    """Swaps and their state machine, scheduling, calendar sync and video calls."""

    name = "exchanges"
    verbose_name = _("Exchanges")
