from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Reports of any member content, the moderation queue and its actions, support tickets."""

    name = "community.moderation"
    label = "community_moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from community.moderation.kinds import register_lower_app_kinds

        register_lower_app_kinds()
