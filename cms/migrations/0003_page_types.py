"""Page types for editors (standard, help index and article, landing) and a home page built
from blocks: the home page's hero title, hero text and rich-text body become its first blocks."""

import uuid

import django.db.models.deletion
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

import cms.blocks

OFFERS_PATH = {"en": "/en/offers/", "ar": "/ar/offers/"}
DEFAULT_SECTIONS = {
    "en": {
        "browse": "Browse offers",
        "categories": "Popular categories",
        "offers": "New offers",
    },
    "ar": {
        "browse": "تصفح العروض",
        "categories": "فئات شائعة",
        "offers": "أحدث العروض",
    },
}


def home_body_to_blocks(apps, schema_editor):
    HomePage = apps.get_model("cms", "HomePage")
    for page in HomePage.objects.select_related("locale"):
        language = page.locale.language_code if page.locale_id else "en"
        texts = DEFAULT_SECTIONS.get(language, DEFAULT_SECTIONS["en"])
        blocks = [
            {
                "type": "hero",
                "id": str(uuid.uuid4()),
                "value": {
                    "heading": page.hero_title or page.title,
                    "text": page.hero_text,
                    "primary_label": texts["browse"],
                    "primary_link": OFFERS_PATH.get(language, "/en/offers/"),
                    "secondary_label": "",
                    "secondary_link": "",
                },
            }
        ]
        if page.body:
            blocks.append(
                {
                    "type": "text",
                    "id": str(uuid.uuid4()),
                    "value": {"heading": "", "text": page.body},
                }
            )
        blocks.append(
            {
                "type": "featured_categories",
                "id": str(uuid.uuid4()),
                "value": {"heading": texts["categories"], "categories": [], "count": 6},
            }
        )
        blocks.append(
            {
                "type": "featured_offers",
                "id": str(uuid.uuid4()),
                "value": {"heading": texts["offers"], "category": "", "count": 6},
            }
        )
        page.sections = blocks
        page.save(update_fields=["sections"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_home_pages"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="HelpArticlePage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                ("summary", models.TextField(blank=True, max_length=300, verbose_name="summary")),
                (
                    "body",
                    wagtail.fields.StreamField(
                        [("text", 2), ("image", 5), ("question", 8), ("call_to_action", 13)],
                        blank=True,
                        block_lookup={
                            0: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120, "required": False},
                            ),
                            1: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Text",
                                },
                            ),
                            2: ("wagtail.blocks.StructBlock", [[("heading", 0), ("text", 1)]], {}),
                            3: ("wagtail.images.blocks.ImageBlock", [], {"label": "Image"}),
                            4: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Caption", "max_length": 250, "required": False},
                            ),
                            5: ("wagtail.blocks.StructBlock", [[("image", 3), ("caption", 4)]], {}),
                            6: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Question", "max_length": 200},
                            ),
                            7: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Answer",
                                },
                            ),
                            8: (
                                "wagtail.blocks.StructBlock",
                                [[("question", 6), ("answer", 7)]],
                                {},
                            ),
                            9: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120},
                            ),
                            10: (
                                "wagtail.blocks.TextBlock",
                                (),
                                {"label": "Text", "max_length": 400, "required": False},
                            ),
                            11: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button label", "max_length": 40},
                            ),
                            12: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button link", "max_length": 200},
                            ),
                            13: (
                                "wagtail.blocks.StructBlock",
                                [
                                    [
                                        ("heading", 9),
                                        ("text", 10),
                                        ("button_label", 11),
                                        ("button_link", 12),
                                    ]
                                ],
                                {},
                            ),
                        },
                        verbose_name="body",
                    ),
                ),
            ],
            options={
                "verbose_name": "help article",
                "verbose_name_plural": "help articles",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="HelpIndexPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                ("intro", wagtail.fields.RichTextField(blank=True, verbose_name="introduction")),
            ],
            options={
                "verbose_name": "help index",
                "verbose_name_plural": "help indexes",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="LandingPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "body",
                    wagtail.fields.StreamField(
                        [
                            ("hero", 6),
                            ("text", 9),
                            ("featured_categories", 12),
                            ("featured_offers", 15),
                            ("call_to_action", 18),
                            ("image", 21),
                            ("question", 24),
                        ],
                        blank=True,
                        block_lookup={
                            0: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120},
                            ),
                            1: (
                                "wagtail.blocks.TextBlock",
                                (),
                                {"label": "Text", "max_length": 400, "required": False},
                            ),
                            2: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Main button label", "max_length": 40, "required": False},
                            ),
                            3: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {
                                    "help_text": "A path on this site such as /en/offers/, or a full address.",
                                    "label": "Main button link",
                                    "max_length": 200,
                                    "required": False,
                                },
                            ),
                            4: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {
                                    "label": "Second button label",
                                    "max_length": 40,
                                    "required": False,
                                },
                            ),
                            5: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {
                                    "label": "Second button link",
                                    "max_length": 200,
                                    "required": False,
                                },
                            ),
                            6: (
                                "wagtail.blocks.StructBlock",
                                [
                                    [
                                        ("heading", 0),
                                        ("text", 1),
                                        ("primary_label", 2),
                                        ("primary_link", 3),
                                        ("secondary_label", 4),
                                        ("secondary_link", 5),
                                    ]
                                ],
                                {},
                            ),
                            7: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120, "required": False},
                            ),
                            8: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Text",
                                },
                            ),
                            9: ("wagtail.blocks.StructBlock", [[("heading", 7), ("text", 8)]], {}),
                            10: (
                                "wagtail.blocks.MultipleChoiceBlock",
                                [],
                                {
                                    "choices": cms.blocks._category_choices,
                                    "help_text": "Leave empty to show the first top-level categories.",
                                    "label": "Categories",
                                    "required": False,
                                },
                            ),
                            11: (
                                "wagtail.blocks.IntegerBlock",
                                (),
                                {
                                    "default": 6,
                                    "label": "How many",
                                    "max_value": 24,
                                    "min_value": 1,
                                },
                            ),
                            12: (
                                "wagtail.blocks.StructBlock",
                                [[("heading", 0), ("categories", 10), ("count", 11)]],
                                {},
                            ),
                            13: (
                                "wagtail.blocks.ChoiceBlock",
                                [],
                                {
                                    "choices": cms.blocks._category_choices,
                                    "label": "Category",
                                    "required": False,
                                },
                            ),
                            14: (
                                "wagtail.blocks.IntegerBlock",
                                (),
                                {
                                    "default": 6,
                                    "label": "How many",
                                    "max_value": 12,
                                    "min_value": 1,
                                },
                            ),
                            15: (
                                "wagtail.blocks.StructBlock",
                                [[("heading", 0), ("category", 13), ("count", 14)]],
                                {},
                            ),
                            16: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button label", "max_length": 40},
                            ),
                            17: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button link", "max_length": 200},
                            ),
                            18: (
                                "wagtail.blocks.StructBlock",
                                [
                                    [
                                        ("heading", 0),
                                        ("text", 1),
                                        ("button_label", 16),
                                        ("button_link", 17),
                                    ]
                                ],
                                {},
                            ),
                            19: ("wagtail.images.blocks.ImageBlock", [], {"label": "Image"}),
                            20: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Caption", "max_length": 250, "required": False},
                            ),
                            21: (
                                "wagtail.blocks.StructBlock",
                                [[("image", 19), ("caption", 20)]],
                                {},
                            ),
                            22: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Question", "max_length": 200},
                            ),
                            23: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Answer",
                                },
                            ),
                            24: (
                                "wagtail.blocks.StructBlock",
                                [[("question", 22), ("answer", 23)]],
                                {},
                            ),
                        },
                        verbose_name="body",
                    ),
                ),
            ],
            options={
                "verbose_name": "landing page",
                "verbose_name_plural": "landing pages",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="StandardPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "intro",
                    models.TextField(blank=True, max_length=500, verbose_name="introduction"),
                ),
                (
                    "body",
                    wagtail.fields.StreamField(
                        [("text", 2), ("image", 5), ("question", 8), ("call_to_action", 13)],
                        blank=True,
                        block_lookup={
                            0: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120, "required": False},
                            ),
                            1: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Text",
                                },
                            ),
                            2: ("wagtail.blocks.StructBlock", [[("heading", 0), ("text", 1)]], {}),
                            3: ("wagtail.images.blocks.ImageBlock", [], {"label": "Image"}),
                            4: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Caption", "max_length": 250, "required": False},
                            ),
                            5: ("wagtail.blocks.StructBlock", [[("image", 3), ("caption", 4)]], {}),
                            6: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Question", "max_length": 200},
                            ),
                            7: (
                                "wagtail.blocks.RichTextBlock",
                                (),
                                {
                                    "features": [
                                        "h2",
                                        "h3",
                                        "bold",
                                        "italic",
                                        "link",
                                        "ol",
                                        "ul",
                                        "hr",
                                        "document-link",
                                    ],
                                    "label": "Answer",
                                },
                            ),
                            8: (
                                "wagtail.blocks.StructBlock",
                                [[("question", 6), ("answer", 7)]],
                                {},
                            ),
                            9: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Heading", "max_length": 120},
                            ),
                            10: (
                                "wagtail.blocks.TextBlock",
                                (),
                                {"label": "Text", "max_length": 400, "required": False},
                            ),
                            11: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button label", "max_length": 40},
                            ),
                            12: (
                                "wagtail.blocks.CharBlock",
                                (),
                                {"label": "Button link", "max_length": 200},
                            ),
                            13: (
                                "wagtail.blocks.StructBlock",
                                [
                                    [
                                        ("heading", 9),
                                        ("text", 10),
                                        ("button_label", 11),
                                        ("button_link", 12),
                                    ]
                                ],
                                {},
                            ),
                        },
                        verbose_name="body",
                    ),
                ),
            ],
            options={
                "verbose_name": "standard page",
                "verbose_name_plural": "standard pages",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.AddField(
            model_name="homepage",
            name="sections",
            field=wagtail.fields.StreamField(
                [
                    ("hero", 6),
                    ("text", 9),
                    ("featured_categories", 12),
                    ("featured_offers", 15),
                    ("call_to_action", 18),
                    ("image", 21),
                    ("question", 24),
                ],
                blank=True,
                block_lookup={
                    0: ("wagtail.blocks.CharBlock", (), {"label": "Heading", "max_length": 120}),
                    1: (
                        "wagtail.blocks.TextBlock",
                        (),
                        {"label": "Text", "max_length": 400, "required": False},
                    ),
                    2: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Main button label", "max_length": 40, "required": False},
                    ),
                    3: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {
                            "help_text": "A path on this site such as /en/offers/, or a full address.",
                            "label": "Main button link",
                            "max_length": 200,
                            "required": False,
                        },
                    ),
                    4: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Second button label", "max_length": 40, "required": False},
                    ),
                    5: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Second button link", "max_length": 200, "required": False},
                    ),
                    6: (
                        "wagtail.blocks.StructBlock",
                        [
                            [
                                ("heading", 0),
                                ("text", 1),
                                ("primary_label", 2),
                                ("primary_link", 3),
                                ("secondary_label", 4),
                                ("secondary_link", 5),
                            ]
                        ],
                        {},
                    ),
                    7: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Heading", "max_length": 120, "required": False},
                    ),
                    8: (
                        "wagtail.blocks.RichTextBlock",
                        (),
                        {
                            "features": [
                                "h2",
                                "h3",
                                "bold",
                                "italic",
                                "link",
                                "ol",
                                "ul",
                                "hr",
                                "document-link",
                            ],
                            "label": "Text",
                        },
                    ),
                    9: ("wagtail.blocks.StructBlock", [[("heading", 7), ("text", 8)]], {}),
                    10: (
                        "wagtail.blocks.MultipleChoiceBlock",
                        [],
                        {
                            "choices": cms.blocks._category_choices,
                            "help_text": "Leave empty to show the first top-level categories.",
                            "label": "Categories",
                            "required": False,
                        },
                    ),
                    11: (
                        "wagtail.blocks.IntegerBlock",
                        (),
                        {"default": 6, "label": "How many", "max_value": 24, "min_value": 1},
                    ),
                    12: (
                        "wagtail.blocks.StructBlock",
                        [[("heading", 0), ("categories", 10), ("count", 11)]],
                        {},
                    ),
                    13: (
                        "wagtail.blocks.ChoiceBlock",
                        [],
                        {
                            "choices": cms.blocks._category_choices,
                            "label": "Category",
                            "required": False,
                        },
                    ),
                    14: (
                        "wagtail.blocks.IntegerBlock",
                        (),
                        {"default": 6, "label": "How many", "max_value": 12, "min_value": 1},
                    ),
                    15: (
                        "wagtail.blocks.StructBlock",
                        [[("heading", 0), ("category", 13), ("count", 14)]],
                        {},
                    ),
                    16: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Button label", "max_length": 40},
                    ),
                    17: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Button link", "max_length": 200},
                    ),
                    18: (
                        "wagtail.blocks.StructBlock",
                        [[("heading", 0), ("text", 1), ("button_label", 16), ("button_link", 17)]],
                        {},
                    ),
                    19: ("wagtail.images.blocks.ImageBlock", [], {"label": "Image"}),
                    20: (
                        "wagtail.blocks.CharBlock",
                        (),
                        {"label": "Caption", "max_length": 250, "required": False},
                    ),
                    21: ("wagtail.blocks.StructBlock", [[("image", 19), ("caption", 20)]], {}),
                    22: ("wagtail.blocks.CharBlock", (), {"label": "Question", "max_length": 200}),
                    23: (
                        "wagtail.blocks.RichTextBlock",
                        (),
                        {
                            "features": [
                                "h2",
                                "h3",
                                "bold",
                                "italic",
                                "link",
                                "ol",
                                "ul",
                                "hr",
                                "document-link",
                            ],
                            "label": "Answer",
                        },
                    ),
                    24: ("wagtail.blocks.StructBlock", [[("question", 22), ("answer", 23)]], {}),
                },
                verbose_name="body",
            ),
        ),
        migrations.RunPython(home_body_to_blocks, migrations.RunPython.noop),
        migrations.RemoveField(model_name="homepage", name="hero_text"),
        migrations.RemoveField(model_name="homepage", name="hero_title"),
        migrations.RemoveField(model_name="homepage", name="body"),
        migrations.RenameField(model_name="homepage", old_name="sections", new_name="body"),
    ]
