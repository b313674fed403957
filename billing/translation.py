"""django-modeltranslation: English and Arabic names and descriptions of packages and plans."""

from modeltranslation.translator import TranslationOptions, register

from billing.models import Package, Plan


@register(Package)
class PackageTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
