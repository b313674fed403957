"""Forum categories (Wagtail pages), threads and posts, subscriptions, new members' approval."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForumsConfig(AppConfig):
    """Forum categories (Wagtail pages), threads and posts, subscriptions, new members' approval."""

    name = "community.forums"
    label = "community_forums"
    verbose_name = _("Forums")

    def ready(self) -> None:
        from community.forums import signal_handlers, targets

        targets.register_kinds()
        signal_handlers.connect()
