from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """Wagtail pages, site settings, admin dashboard panels and the public site."""

    name = "cms"
    verbose_name = _("Cms")

    def ready(self) -> None:
        from cms import signal_handlers

        signal_handlers.connect()
