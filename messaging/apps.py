from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Threads, messages, attachments, read receipts and notifications."""

    name = "messaging"
    verbose_name = _("Messaging")
