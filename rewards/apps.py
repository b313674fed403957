from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    """The points ledger, escrow, achievements and the leaderboard."""

    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        # accounts sits below rewards (docs/architecture.md): it reaches the ledger only through
        # these registered callables, called explicitly by its services.
        from accounts import extensions
        from rewards import activity, badges, leaderboard, selectors, services

        extensions.set_points_balance_provider(_points_balance)
        extensions.on_user_created(services.wallet_on_user_created)
        extensions.register_export_section("points", selectors.points_export)
        activity.register()
        badges.register()
        leaderboard.register()


def _points_balance(user) -> int:
    from rewards.selectors import wallet_balance

    return wallet_balance(user=user)
