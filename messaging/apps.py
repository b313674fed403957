from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Threads, messages, attachments, read receipts and notifications."""

    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from accounts import extensions
        from messaging import services

        # Every app's ``notifications`` module registers the kinds it sends (this app's too).
        autodiscover_modules("notifications")
        extensions.register_export_section("messaging", services.user_messaging_export)
        extensions.on_user_deleted(services.user_messaging_erase)
