"""Demo data of forums (demo/management/commands/seed_demo.py).

The forum index and three categories in English and Arabic (Arabic pages are translations, so
both languages share threads), threads in both languages with nested replies, and one thread by a
brand-new demo member waiting in the "Forum approval" workflow. Idempotent: pages are keyed by
slug, threads by title.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from wagtail.models import Locale, Page

from accounts.models import User
from accounts.roles import Role, role_group
from community.forums import services
from community.forums.models import ForumCategoryPage, ForumIndexPage, Thread
from demo.context import DemoContext

NEWCOMER_EMAIL = "newcomer@skillswap.test"
DEMO_PASSWORD = "skillswap-demo-2026"  # noqa: S105 - printed for the demo on purpose

INDEX = {
    "en": ("Forums", "Ask questions, share tips and meet other members."),
    "ar": ("المنتديات", "اطرح أسئلتك وشارك نصائحك وتعرّف على أعضاء آخرين."),
}
CATEGORIES = {
    "getting-started": {
        "en": ("Getting started", "First steps on SkillSwap: profiles, offers, your first swap."),
        "ar": ("البداية", "خطواتك الأولى في سكيل سواب: الملف الشخصي والعروض وأول مقايضة."),
    },
    "languages": {
        "en": ("Languages", "Learning and teaching languages, exchange partners, resources."),
        "ar": ("اللغات", "تعلّم اللغات وتعليمها، وشركاء التبادل، والمصادر."),
    },
    "tech-and-code": {
        "en": ("Tech and code", "Programming, design and everything digital."),
        "ar": ("التقنية والبرمجة", "البرمجة والتصميم وكل ما هو رقمي."),
    },
}
# (category, author index, title, body, [(author index, body, [(author index, body)])])
THREADS: list[tuple[str, int, str, str, list[tuple[int, str, list[tuple[int, str]]]]]] = [
    (
        "getting-started",
        0,
        "How did your first swap go?",
        "I just finished my first **guitar for cooking** swap. What tips do you have for a "
        "first session?",
        [
            (
                1,
                "Agree on a plan before you meet: *what* you will cover in the hour.",
                [
                    (0, "Good idea, I will send an outline next time."),
                ],
            ),
            (2, "Leave a review right after, while you remember the details.", []),
        ],
    ),
    (
        "languages",
        3,
        "أبحث عن شريك لتبادل العربية والفرنسية",
        "أتحدث العربية وأرغب في تعلّم **الفرنسية**. هل من أحد مهتم بجلسة أسبوعية؟",
        [
            (
                4,
                "أنا أتحدث الفرنسية وأتعلم العربية، لنتفق على موعد!",
                [
                    (3, "رائع، أرسلت لك طلب مقايضة."),
                    (5, "هل يمكنني الانضمام أيضًا؟"),
                ],
            ),
        ],
    ),
    (
        "tech-and-code",
        2,
        "Best way to learn Python in a month?",
        "I have four weeks and one hour a day. Where should I start?\n\n- syntax\n- projects\n- "
        "tests",
        [
            (
                5,
                "Build one small project a week; read the official tutorial alongside.",
                [
                    (2, "Thanks! Any project ideas?"),
                ],
            ),
        ],
    ),
]
PENDING = (
    "getting-started",
    "Hello from a new member",
    "Hi everyone, I joined today and would like to swap photography lessons for Arabic.",
)


def _child(parent: Page, slug: str) -> Page | None:
    found = Page.objects.child_of(parent).filter(slug=slug).first()
    return found.specific if found else None


def _create(context: DemoContext, parent: Page, page: Page) -> Page:
    existing = _child(parent, page.slug)
    if existing is not None:
        return existing
    parent.add_child(instance=page)
    page.save_revision().publish()
    context.count("forum pages", True)
    return page


def _translate(context: DemoContext, page: Page, locale: Locale, **fields: Any) -> Page:
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translated = page.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save()
    translated.save_revision().publish()
    context.count("forum pages", True)
    return translated


def _newcomer() -> User:
    user, created = User.objects.get_or_create(
        email=NEWCOMER_EMAIL,
        defaults={
            "first_name": "Nadia",
            "last_name": "Saleh",
            "password": make_password(DEMO_PASSWORD),
        },
    )
    if created:
        user.groups.add(role_group(Role.MEMBER))
    return user


def seed(context: DemoContext) -> None:
    english, _ = Locale.objects.get_or_create(language_code="en")
    arabic, _ = Locale.objects.get_or_create(language_code="ar")
    home = Page.objects.filter(depth=2, locale=english).first()
    members = list(context.objects.get("members") or [])
    if home is None or len(members) < 6:
        return
    title, intro = INDEX["en"]
    index = _create(context, home, ForumIndexPage(title=title, slug="forums", intro=intro))
    title, intro = INDEX["ar"]
    _translate(context, index, arabic, title=title, draft_title=title, intro=intro)
    categories: dict[str, ForumCategoryPage] = {}
    for slug, names in CATEGORIES.items():
        title, description = names["en"]
        page = _create(
            context, index, ForumCategoryPage(title=title, slug=slug, description=description)
        )
        title, description = names["ar"]
        _translate(context, page, arabic, title=title, draft_title=title, description=description)
        categories[slug] = page  # type: ignore[assignment]

    for slug, author, title, body, replies in THREADS:
        if Thread.objects.filter(title=title).exists():
            continue
        thread = services.thread_create(
            author=members[author],
            category=categories[slug],
            title=title,
            body=body,
            trusted=True,
        )
        context.count("forum threads", True)
        for reply_author, reply_body, children in replies:
            top = services.post_create(thread=thread, author=members[reply_author], body=reply_body)
            for child_author, child_body in children:
                services.post_create(
                    thread=thread, author=members[child_author], body=child_body, parent=top
                )
            context.count("forum posts", True)

    slug, title, body = PENDING
    if not Thread.objects.filter(title=title).exists():
        services.thread_create(
            author=_newcomer(), category=categories[slug], title=title, body=body
        )
        context.count("forum threads awaiting approval", True)
        context.credentials.append(("new member (forum approval)", NEWCOMER_EMAIL, DEMO_PASSWORD))
