"""StreamField blocks of the site's pages: what editors build home and landing pages from.

Blocks that show marketplace data (featured categories and offers) read it live through
``marketplace.selectors`` when the page renders; the anonymous page cache is invalidated when those
data change (``marketplace.cache``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from marketplace import selectors
from marketplace.models import Category

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "hr", "document-link"]


def _category_choices() -> list[tuple[str, str]]:
    return [(str(category.pk), str(category)) for category in selectors.category_list()]


class HeroBlock(blocks.StructBlock):
    """The page's opening: a headline, a lead paragraph and up to two buttons."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=400)
    primary_label = blocks.CharBlock(label=_("Main button label"), required=False, max_length=40)
    primary_link = blocks.CharBlock(
        label=_("Main button link"),
        required=False,
        max_length=200,
        help_text=_("A path on this site such as /en/offers/, or a full address."),
    )
    secondary_label = blocks.CharBlock(
        label=_("Second button label"), required=False, max_length=40
    )
    secondary_link = blocks.CharBlock(label=_("Second button link"), required=False, max_length=200)

    class Meta:
        icon = "pick"
        label = _("Hero")
        template = "cms/blocks/hero.html"


class RichTextSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "doc-full"
        label = _("Text")
        template = "cms/blocks/rich_text.html"


class FeaturedCategoriesBlock(blocks.StructBlock):
    """Categories picked by the editor (or the first top-level ones), linking to their offers."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    categories = blocks.MultipleChoiceBlock(
        label=_("Categories"),
        choices=_category_choices,
        required=False,
        help_text=_("Leave empty to show the first top-level categories."),
    )
    count = blocks.IntegerBlock(label=_("How many"), default=6, min_value=1, max_value=24)

    class Meta:
        icon = "folder-open-inverse"
        label = _("Featured categories")
        template = "cms/blocks/featured_categories.html"

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        chosen = {int(pk) for pk in value.get("categories") or [] if str(pk).isdigit()}
        categories: list[Category] = selectors.category_list()
        if chosen:
            picked = [category for category in categories if category.pk in chosen]
        else:
            picked = [category for category in categories if category.parent_id is None]
        context["categories"] = picked[: value.get("count") or 6]
        return context


class FeaturedOffersBlock(blocks.StructBlock):
    """The newest active offers, optionally of one category, read live from the marketplace."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    category = blocks.ChoiceBlock(label=_("Category"), choices=_category_choices, required=False)
    count = blocks.IntegerBlock(label=_("How many"), default=6, min_value=1, max_value=12)

    class Meta:
        icon = "list-ul"
        label = _("Featured offers")
        template = "cms/blocks/featured_offers.html"

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        offers = selectors.offer_queryset(viewer=None).order_by("-created_at", "-id")
        category = value.get("category")
        if category and str(category).isdigit():
            ids = selectors.category_descendant_ids(category_ids=[int(category)], slugs=[])
            offers = offers.filter(category_id__in=ids)
        context["offers"] = list(offers[: value.get("count") or 6])
        return context


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=400)
    button_label = blocks.CharBlock(label=_("Button label"), max_length=40)
    button_link = blocks.CharBlock(label=_("Button link"), max_length=200)

    class Meta:
        icon = "link"
        label = _("Call to action")
        template = "cms/blocks/call_to_action.html"


class FigureBlock(blocks.StructBlock):
    """An image with its alt text (required unless marked decorative) and an optional caption."""

    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/figure.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("Answer"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "help"
        label = _("Question and answer")
        template = "cms/blocks/question.html"


def content_blocks() -> list[tuple[str, blocks.Block]]:
    """Blocks of articles and standard pages: text, images, questions."""
    return [
        ("text", RichTextSectionBlock()),
        ("image", FigureBlock()),
        ("question", QuestionBlock()),
        ("call_to_action", CallToActionBlock()),
    ]


def section_blocks() -> list[tuple[str, blocks.Block]]:
    """Blocks of the home and landing pages: every content block plus the live marketplace ones."""
    return [
        ("hero", HeroBlock()),
        ("text", RichTextSectionBlock()),
        ("featured_categories", FeaturedCategoriesBlock()),
        ("featured_offers", FeaturedOffersBlock()),
        ("call_to_action", CallToActionBlock()),
        ("image", FigureBlock()),
        ("question", QuestionBlock()),
    ]
