"""Demo pages in English and Arabic: the home page's blocks, a help centre with three articles, an
"About" page and a landing page. Arabic pages are translations of the English ones (Wagtail's
``copy_for_translation``, so they share a translation key and the language switch finds them).
Idempotent: pages are keyed by slug under their parent and only created when missing.
"""

from __future__ import annotations

import uuid
from typing import Any

from wagtail.models import Locale, Page

from cms.models import HelpArticlePage, HelpIndexPage, HomePage, LandingPage, StandardPage
from marketplace.models import Category


def _block(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "id": str(uuid.uuid4()), "value": value}


def _text(heading: str, html: str) -> dict[str, Any]:
    return _block("text", {"heading": heading, "text": html})


def _question(question: str, html: str) -> dict[str, Any]:
    return _block("question", {"question": question, "answer": html})


CTA = {
    "en": {
        "heading": "Have a skill to share?",
        "text": "List an offer in two minutes and start swapping sessions this week.",
        "button_label": "Share a skill",
        "button_link": "/en/me/offers/new/",
    },
    "ar": {
        "heading": "لديك مهارة تشاركها؟",
        "text": "انشر عرضك في دقيقتين وابدأ تبادل الجلسات هذا الأسبوع.",
        "button_label": "شارك مهارة",
        "button_link": "/ar/me/offers/new/",
    },
}

# slug → language → (title, summary, body blocks)
ARTICLES: dict[str, dict[str, tuple[str, str, list[dict[str, Any]]]]] = {
    "how-swaps-work": {
        "en": (
            "How swaps work",
            "Request a session, agree on a time, meet, and review each other.",
            [
                _text(
                    "",
                    "<p>Find an offer, press <b>Request a swap</b> and propose a time that fits "
                    "the teacher's availability. When they accept, the session appears in both "
                    "calendars.</p><p>After the session, both of you confirm it and leave a "
                    "review.</p>",
                ),
                _question(
                    "Can I cancel a swap?",
                    "<p>Yes, until the session starts. Points held in escrow come back to you.</p>",
                ),
            ],
        ),
        "ar": (
            "كيف تعمل المقايضات",
            "اطلب جلسة، اتفقا على موعد، التقيا، ثم قيّما بعضكما.",
            [
                _text(
                    "",
                    "<p>ابحث عن عرض، واضغط <b>اطلب مقايضة</b> واقترح موعدًا يناسب أوقات المعلم. "
                    "عندما يقبل، تظهر الجلسة في تقويم كل منكما.</p><p>بعد الجلسة، يؤكد كل "
                    "منكما انتهاءها ويترك تقييمًا.</p>",
                ),
                _question(
                    "هل يمكنني إلغاء المقايضة؟",
                    "<p>نعم، حتى بداية الجلسة. تعود إليك النقاط المحجوزة.</p>",
                ),
            ],
        ),
    },
    "points-and-wallet": {
        "en": (
            "Points and your wallet",
            "Earn points by teaching, spend them to learn.",
            [
                _text(
                    "",
                    "<p>Every member starts with a welcome bonus. Teaching a paid session earns "
                    "its points; learning spends them. Points of an accepted session wait in "
                    "escrow until it is completed.</p>",
                )
            ],
        ),
        "ar": (
            "النقاط ومحفظتك",
            "اكسب النقاط بالتعليم، وأنفقها لتتعلم.",
            [
                _text(
                    "",
                    "<p>يبدأ كل عضو بمكافأة ترحيب. تكسب نقاط الجلسة المدفوعة عندما تعلّمها، "
                    "وتنفقها عندما تتعلم. تبقى نقاط الجلسة المقبولة محجوزة حتى تكتمل.</p>",
                )
            ],
        ),
    },
    "safety-and-reports": {
        "en": (
            "Staying safe and reporting a problem",
            "Meet online first, keep messages on SkillSwap, report anything wrong.",
            [
                _text(
                    "",
                    "<p>Keep your conversations in SkillSwap messages. If a member, an offer or a "
                    "message breaks the rules, use <b>Report</b>: moderators review every report."
                    "</p>",
                )
            ],
        ),
        "ar": (
            "السلامة والإبلاغ عن مشكلة",
            "التقِ عبر الإنترنت أولًا، وأبقِ الرسائل على سكيل سواب، وأبلغ عن أي مخالفة.",
            [
                _text(
                    "",
                    "<p>أبقِ محادثاتك في رسائل سكيل سواب. إذا خالف عضو أو عرض أو رسالة القواعد، "
                    "استخدم <b>إبلاغ</b>: يراجع المشرفون كل بلاغ.</p>",
                )
            ],
        ),
    },
}

HELP_INDEX = {
    "en": ("Help centre", "<p>Answers to the questions members ask most.</p>"),
    "ar": ("مركز المساعدة", "<p>إجابات عن أكثر الأسئلة التي يطرحها الأعضاء.</p>"),
}

ABOUT = {
    "en": (
        "About SkillSwap",
        "A community where people teach what they know and learn what they love.",
        [
            _text(
                "Our idea",
                "<p>Everyone knows something worth teaching. SkillSwap connects people who "
                "trade sessions: an hour of guitar for an hour of Python, or sessions paid in "
                "points.</p>",
            )
        ],
    ),
    "ar": (
        "عن سكيل سواب",
        "مجتمع يعلّم فيه الناس ما يعرفونه ويتعلمون ما يحبونه.",
        [
            _text(
                "فكرتنا",
                "<p>كل شخص يعرف شيئًا يستحق أن يُعلَّم. يجمع سكيل سواب بين أشخاص يتبادلون "
                "الجلسات: ساعة جيتار مقابل ساعة بايثون، أو جلسات مدفوعة بالنقاط.</p>",
            )
        ],
    ),
}

LANDING = {
    "en": (
        "Learn a language",
        [
            _block(
                "hero",
                {
                    "heading": "Learn a language with a native speaker",
                    "text": "Practise Arabic, English or French with members who speak it.",
                    "primary_label": "See language offers",
                    "primary_link": "/en/offers/?category=languages",
                    "secondary_label": "",
                    "secondary_link": "",
                },
            ),
            _block("featured_offers", {"heading": "Language offers", "category": "", "count": 6}),
            _block("call_to_action", CTA["en"]),
        ],
    ),
    "ar": (
        "تعلّم لغة",
        [
            _block(
                "hero",
                {
                    "heading": "تعلّم لغة مع متحدث أصلي",
                    "text": "تدرّب على العربية أو الإنجليزية أو الفرنسية مع أعضاء يتحدثونها.",
                    "primary_label": "عروض اللغات",
                    "primary_link": "/ar/offers/?category=languages",
                    "secondary_label": "",
                    "secondary_link": "",
                },
            ),
            _block("featured_offers", {"heading": "عروض اللغات", "category": "", "count": 6}),
            _block("call_to_action", CTA["ar"]),
        ],
    ),
}


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _child(parent: Page, slug: str) -> Page | None:
    found = Page.objects.child_of(parent).filter(slug=slug).first()
    return found.specific if found else None


def _create(context: Any, parent: Page, page: Page, label: str) -> Page:
    existing = _child(parent, page.slug)
    if existing is not None:
        return existing
    parent.add_child(instance=page)
    _publish(page)
    context.count(label, True)
    return page


def _translate(context: Any, page: Page, locale: Locale, label: str, **fields: Any) -> Page:
    """The page's Arabic translation, created with ``copy_for_translation`` when missing."""
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translated = page.copy_for_translation(locale).specific
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save()
    _publish(translated)
    context.count(label, True)
    return translated


def _home_blocks(home: HomePage, language: str) -> None:
    """Add the call to action the migration's blocks lack (once)."""
    if any(block.block_type == "call_to_action" for block in home.body):
        return
    raw = list(home.body.raw_data)
    raw.append(_block("call_to_action", CTA[language]))
    home.body = raw
    home.save()
    _publish(home)


def _with_category(body: list[dict[str, Any]], category_id: int | None) -> list[dict[str, Any]]:
    """The blocks with their featured offers narrowed to ``category_id`` (when it exists)."""
    if category_id is None:
        return body
    return [
        {**block, "value": {**block["value"], "category": str(category_id)}}
        if block["type"] == "featured_offers"
        else block
        for block in body
    ]


def seed(context: Any) -> None:
    english, _ = Locale.objects.get_or_create(language_code="en")
    arabic, _ = Locale.objects.get_or_create(language_code="ar")
    home_en = HomePage.objects.filter(locale=english).first()
    if home_en is None:
        return
    home_ar = home_en.get_translation_or_none(arabic)
    _home_blocks(home_en, "en")
    if home_ar is not None:
        _home_blocks(home_ar.specific, "ar")

    title, intro = HELP_INDEX["en"]
    help_en = _create(
        context, home_en, HelpIndexPage(title=title, slug="help", intro=intro), "help pages"
    )
    title, intro = HELP_INDEX["ar"]
    _translate(context, help_en, arabic, "help pages", title=title, draft_title=title, intro=intro)
    for slug, texts in ARTICLES.items():
        title, summary, body = texts["en"]
        article = _create(
            context,
            help_en,
            HelpArticlePage(title=title, slug=slug, summary=summary, body=body),
            "help pages",
        )
        title, summary, body = texts["ar"]
        _translate(
            context,
            article,
            arabic,
            "help pages",
            title=title,
            draft_title=title,
            summary=summary,
            body=body,
        )

    title, intro, body = ABOUT["en"]
    about = _create(
        context,
        home_en,
        StandardPage(title=title, slug="about", intro=intro, body=body),
        "standard pages",
    )
    title, intro, body = ABOUT["ar"]
    _translate(
        context,
        about,
        arabic,
        "standard pages",
        title=title,
        draft_title=title,
        intro=intro,
        body=body,
    )

    languages = Category.objects.filter(slug="languages").values_list("pk", flat=True).first()
    title, body = LANDING["en"]
    body = _with_category(body, languages)
    landing = _create(
        context,
        home_en,
        LandingPage(title=title, slug="learn-a-language", body=body),
        "landing pages",
    )
    title, body = LANDING["ar"]
    body = _with_category(body, languages)
    _translate(context, landing, arabic, "landing pages", title=title, draft_title=title, body=body)
