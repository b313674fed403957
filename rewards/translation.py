"""django-modeltranslation: English and Arabic names and descriptions of badges."""

from modeltranslation.translator import TranslationOptions, register

from rewards.models import BadgeDefinition


@register(BadgeDefinition)
class BadgeDefinitionTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
