from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    """Categories, skills, user skills, offers, availability, search and matching."""

    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        from accounts import extensions
        from marketplace import selectors, services

        # Languages, location or time zone feed the compatibility score: rescore after commit.
        extensions.on_profile_changed(services.on_profile_changed)
        extensions.on_user_deleted(services.on_user_deleted)
        extensions.register_export_section("marketplace", services.user_export)
        extensions.register_profile_section("skills", selectors.user_skills_profile_section)
        extensions.register_profile_writer(
            "skills", field=_profile_skills_field, apply=services.profile_skills_apply
        )


def _profile_skills_field() -> Any:
    # Imported on use: the API modules load DRF and the models, too early for ready().
    from marketplace.api.serializers import profile_skills_field

    return profile_skills_field()
