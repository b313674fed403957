"""Create the home page in English and its Arabic translation, and point the site at it.

Replaces Wagtail's default "Welcome" page. Tree paths are written by hand because historical models
have no treebeard methods: the root is "0001", its children "00010001" (en) and "00010002" (ar).
"""

import uuid

from django.db import migrations

HOME = {
    "en": {
        "title": "SkillSwap",
        "hero_title": "Teach what you know. Learn what you love.",
        "hero_text": "Swap skills with people near you or online, session for session or for points.",
        "slug": "home",
    },
    "ar": {
        "title": "سكيل سواب",
        "hero_title": "علّم ما تعرفه، وتعلّم ما تحبه.",
        "hero_text": "تبادل المهارات مع أشخاص قريبين منك أو عبر الإنترنت، جلسة مقابل جلسة أو مقابل نقاط.",
        "slug": "home-ar",
    },
}


def create_home_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    Locale = apps.get_model("wagtailcore.Locale")
    HomePage = apps.get_model("cms.HomePage")

    Page.objects.filter(depth=2, url_path="/home/").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    translation_key = uuid.uuid4()
    pages = {}
    for position, (language, text) in enumerate(HOME.items(), start=1):
        locale, _ = Locale.objects.get_or_create(language_code=language)
        pages[language] = HomePage.objects.create(
            title=text["title"],
            draft_title=text["title"],
            slug=text["slug"],
            hero_title=text["hero_title"],
            hero_text=text["hero_text"],
            content_type=content_type,
            path=f"0001{position:04d}",
            depth=2,
            numchild=0,
            url_path=f"/{text['slug']}/",
            locale=locale,
            translation_key=translation_key,
            live=True,
        )
    Page.objects.filter(depth=1).update(numchild=len(pages))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page_id": pages["en"].pk,
            "site_name": "SkillSwap",
        },
    )


def remove_home_pages(apps, schema_editor):
    Page = apps.get_model("wagtailcore.Page")
    HomePage = apps.get_model("cms.HomePage")
    HomePage.objects.all().delete()
    Page.objects.filter(depth=1).update(numchild=Page.objects.filter(depth=2).count())


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_home_pages, remove_home_pages)]
