from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    """Users, profiles, roles, JWT auth, Google sign-in and WebSocket authentication."""

    name = "accounts"
    verbose_name = _("Accounts")
    default = True


class SkillSwapUsersConfig(WagtailUsersAppConfig):
    """Wagtail's users app with SkillSwap's user screens (profile, role, suspension).

    Installed in place of ``wagtail.users`` (see the accounts block of the settings).
    """

    default = False
    user_viewset = "accounts.admin_users.UserViewSet"
