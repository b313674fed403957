from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Points packages, payments, gateways, webhooks and subscriptions."""

    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        # accounts and config.api sit below billing (docs/architecture.md): they learn about
        # subscriptions (profile status, premium badge, premium rate) only through these hooks.
        from billing import subscriptions
        from billing.api import subscription_views

        subscriptions.hooks_register()
        subscription_views.premium_rate_register()
        _activity_recount_register()


def _activity_recount_register() -> None:
    """Tell ``manage.py rewards_recount`` how to count points bought from the payments table."""
    from billing import selectors
    from rewards.activity import register_recount
    from rewards.models import Counter

    register_recount(Counter.POINTS_BOUGHT, selectors.activity_points_bought)
