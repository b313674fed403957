from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """What sits above every app: the member dashboard, staff analytics, the weekly digest."""

    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from dashboards import digest, member

        member.register()
        digest.register()
