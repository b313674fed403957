from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    """Categories, skills, user skills, offers, availability, search and matching."""

    name = "marketplace"
    verbose_name = _("Marketplace")
