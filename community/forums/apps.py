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
        _activity_recount_register()


def _activity_recount_register() -> None:
    """Tell ``manage.py rewards_recount`` how to count accepted answers from the threads table."""
    from community.forums import selectors
    from rewards.activity import register_recount
    from rewards.models import Counter

    register_recount(Counter.ANSWERS_ACCEPTED, selectors.activity_answers_accepted)
