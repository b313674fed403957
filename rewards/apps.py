from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    """The points ledger, escrow, achievements and the leaderboard."""

    name = "rewards"
    verbose_name = _("Rewards")
