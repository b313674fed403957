"""django-modeltranslation: English and Arabic names and descriptions of the catalogue."""

from modeltranslation.translator import TranslationOptions, register

from marketplace.models import Category, Skill


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Skill)
class SkillTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)
