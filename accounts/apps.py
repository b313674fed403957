from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, profiles, roles, JWT auth, Google sign-in and WebSocket authentication."""

    name = "accounts"
    verbose_name = _("Accounts")
