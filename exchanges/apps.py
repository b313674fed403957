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
        _activity_recount_register()


def _activity_recount_register() -> None:
    """Tell ``manage.py rewards_recount`` how to count, from the swaps table, what completing a
    swap records (``services.swaps._activity_on_completed``)."""
    from exchanges import selectors
    from rewards.activity import register_recount
    from rewards.models import Counter

    register_recount(Counter.SESSIONS_TAUGHT, selectors.activity_sessions_taught)
    register_recount(Counter.SESSIONS_LEARNED, selectors.activity_sessions_learned)
    register_recount(Counter.MINUTES_TAUGHT, selectors.activity_minutes_taught)
    register_recount(Counter.POINTS_EARNED, selectors.activity_points_earned)
