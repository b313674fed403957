from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    """Swaps and their state machine, scheduling, calendar sync and video calls."""

    name = "exchanges"
    verbose_name = _("Exchanges")

    def ready(self) -> None:
        from accounts import extensions as accounts_extensions
        from exchanges.selectors import swaps_export
        from exchanges.services import swaps_on_user_deleted

        accounts_extensions.on_user_deleted(swaps_on_user_deleted)
        accounts_extensions.register_export_section("swaps", swaps_export)
