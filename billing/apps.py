from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    """Points packages, payments, gateways, webhooks and subscriptions."""

    name = "billing"
    verbose_name = _("Billing")
