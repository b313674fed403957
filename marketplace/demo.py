"""Demo marketplace: a bilingual catalogue, realistic offers in Arabic and English, the members'
skills and weekly availability, and the matches computed from them. Idempotent: every row is keyed
(slugs, owner + title, user + skill + direction) and only created when missing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from marketplace import services
from marketplace.models import (
    AvailabilitySlot,
    Category,
    Direction,
    Match,
    Offer,
    OfferMode,
    Skill,
    UserSkill,
)

# (slug, English, Arabic, icon, parent slug)
CATEGORIES = [
    ("programming", "Programming", "البرمجة", "code", None),
    ("web-development", "Web development", "تطوير الويب", "globe", "programming"),
    ("data-science", "Data science", "علم البيانات", "chart", "programming"),
    ("mobile-apps", "Mobile apps", "تطبيقات الجوال", "mobile", "programming"),
    ("languages", "Languages", "اللغات", "language", None),
    ("music", "Music", "الموسيقى", "music", None),
    ("design", "Design", "التصميم", "palette", None),
    ("graphic-design", "Graphic design", "التصميم الجرافيكي", "image", "design"),
    ("photography", "Photography", "التصوير الفوتوغرافي", "camera", "design"),
    ("cooking", "Cooking", "الطبخ", "utensils", None),
    ("business", "Business and career", "الأعمال والمهن", "briefcase", None),
    ("fitness", "Sports and fitness", "الرياضة واللياقة", "heart", None),
]

# (slug, English, Arabic, category slug, synonyms)
SKILLS = [
    ("python", "Python", "بايثون", "programming", "py, python3, برمجة بايثون"),
    ("javascript", "JavaScript", "جافاسكربت", "web-development", "js, ecmascript"),
    ("react", "React", "رياكت", "web-development", "reactjs, react.js"),
    ("django", "Django", "جانغو", "web-development", ""),
    ("sql", "SQL", "قواعد البيانات", "data-science", "postgresql, mysql, databases"),
    ("machine-learning", "Machine learning", "تعلم الآلة", "data-science", "ml, ai, ذكاء اصطناعي"),
    ("flutter", "Flutter", "فلاتر", "mobile-apps", "dart"),
    ("english", "English", "اللغة الإنجليزية", "languages", "ielts, toefl, انجليزي"),
    ("arabic", "Arabic", "اللغة العربية", "languages", "عربي, fusha, فصحى"),
    ("french", "French", "اللغة الفرنسية", "languages", "français, فرنسي"),
    ("guitar", "Guitar", "الجيتار", "music", "غيتار"),
    ("oud", "Oud", "العود", "music", ""),
    ("piano", "Piano", "البيانو", "music", "keyboard"),
    ("photoshop", "Photoshop", "فوتوشوب", "graphic-design", "adobe photoshop"),
    ("photography", "Photography", "التصوير", "photography", "camera, تصوير"),
    ("calligraphy", "Arabic calligraphy", "الخط العربي", "design", "khat"),
    ("levantine-cooking", "Levantine cooking", "المطبخ الشامي", "cooking", "mezze, مازة"),
    ("baking", "Baking", "الخبز والحلويات", "cooking", "pastry, حلويات"),
    ("public-speaking", "Public speaking", "الخطابة", "business", "presentation, إلقاء"),
    ("excel", "Excel", "إكسل", "business", "spreadsheets, جداول"),
    ("digital-marketing", "Digital marketing", "التسويق الرقمي", "business", "seo, ads"),
    ("yoga", "Yoga", "اليوغا", "fitness", ""),
]

# (title, description, category, offered, desired, mode, language, points, minutes)
OFFERS = [
    (
        "Python for beginners: from zero to your first script",
        "Hands-on Python lessons: variables, loops, functions and a small project you keep. "
        "I have taught programming for six years; bring a laptop and curiosity.",
        "programming",
        ["python"],
        ["english", "guitar"],
        OfferMode.ONLINE,
        "en",
        0,
        60,
    ),
    (
        "دروس برمجة بلغة بايثون للمبتدئين",
        "تعلّم أساسيات البرمجة خطوة بخطوة: المتغيرات والحلقات والدوال، مع مشروع صغير في نهاية "
        "كل درس. مناسب لطلاب الجامعة ومن يريد تغيير مساره المهني.",
        "programming",
        ["python"],
        ["english"],
        OfferMode.BOTH,
        "ar",
        20,
        90,
    ),
    (
        "Modern JavaScript and React, step by step",
        "From ES2023 basics to components, hooks and state. We build a small app together.",
        "web-development",
        ["javascript", "react"],
        ["photography"],
        OfferMode.ONLINE,
        "en",
        30,
        60,
    ),
    (
        "تطوير مواقع الويب باستخدام جانغو",
        "بناء موقع كامل بإطار جانغو: النماذج والواجهات وقواعد البيانات والنشر على خادم حقيقي.",
        "web-development",
        ["django", "python"],
        ["digital-marketing"],
        OfferMode.ONLINE,
        "ar",
        40,
        90,
    ),
    (
        "SQL for analysts: queries that answer real questions",
        "Joins, grouping, window functions and reading query plans, on a realistic sales dataset.",
        "data-science",
        ["sql", "excel"],
        ["french"],
        OfferMode.ONLINE,
        "en",
        25,
        60,
    ),
    (
        "مدخل إلى تعلم الآلة بلغة بايثون",
        "نماذج التصنيف والانحدار بمكتبة scikit-learn، وكيف تقيس جودة النموذج قبل أن تثق به.",
        "data-science",
        ["machine-learning", "python"],
        ["piano"],
        OfferMode.ONLINE,
        "ar",
        50,
        90,
    ),
    (
        "Build your first Flutter app",
        "One codebase for Android and iOS: widgets, navigation and talking to an API.",
        "mobile-apps",
        ["flutter"],
        ["arabic"],
        OfferMode.ONLINE,
        "en",
        0,
        60,
    ),
    (
        "Conversational English practice",
        "Relaxed conversation sessions to build fluency and confidence; IELTS speaking tips too.",
        "languages",
        ["english"],
        ["arabic", "levantine-cooking"],
        OfferMode.BOTH,
        "en",
        0,
        45,
    ),
    (
        "محادثة باللغة العربية الفصحى لغير الناطقين بها",
        "جلسات محادثة ممتعة بالعربية الفصحى مع تصحيح النطق والقواعد بلطف.",
        "languages",
        ["arabic"],
        ["english", "python"],
        OfferMode.ONLINE,
        "ar",
        0,
        60,
    ),
    (
        "Français pour débutants — French for beginners",
        "Pronunciation, everyday phrases and the grammar you need to hold a first conversation.",
        "languages",
        ["french"],
        ["sql"],
        OfferMode.ONLINE,
        "en",
        15,
        60,
    ),
    (
        "Acoustic guitar: your first ten songs",
        "Chords, strumming patterns and changing smoothly; we pick songs you love.",
        "music",
        ["guitar"],
        ["python"],
        OfferMode.OFFLINE,
        "en",
        20,
        60,
    ),
    (
        "تعلّم العزف على العود من الصفر",
        "المقامات الأساسية وتمارين الريشة وأول مقطوعة كاملة. الدروس حضورية في عمّان.",
        "music",
        ["oud"],
        ["photoshop"],
        OfferMode.OFFLINE,
        "ar",
        30,
        60,
    ),
    (
        "Piano basics for adults",
        "Reading music, hand independence and simple pieces; no prior experience needed.",
        "music",
        ["piano"],
        ["machine-learning"],
        OfferMode.BOTH,
        "en",
        25,
        45,
    ),
    (
        "تصميم الإعلانات بالفوتوشوب",
        "الطبقات والأقنعة وتصحيح الألوان وتصميم منشورات احترافية لوسائل التواصل.",
        "graphic-design",
        ["photoshop"],
        ["oud"],
        OfferMode.ONLINE,
        "ar",
        20,
        60,
    ),
    (
        "Street photography walk and critique",
        "A walk through the old city with your camera or phone, then a friendly critique session.",
        "photography",
        ["photography"],
        ["javascript"],
        OfferMode.OFFLINE,
        "en",
        0,
        120,
    ),
    (
        "الخط العربي: خط الرقعة للمبتدئين",
        "أدوات الخط وضبط القلم وكتابة الحروف المفردة ثم الكلمات بخط الرقعة.",
        "design",
        ["calligraphy"],
        ["french"],
        OfferMode.BOTH,
        "ar",
        10,
        60,
    ),
    (
        "طبخ المازة الشامية في البيت",
        "الحمص والمتبل والتبولة وورق العنب، مع أسرار التتبيل التي لا تُكتب في الوصفات.",
        "cooking",
        ["levantine-cooking"],
        ["english"],
        OfferMode.OFFLINE,
        "ar",
        15,
        120,
    ),
    (
        "Sourdough and pastry baking",
        "Starter care, shaping and baking a crusty loaf, plus a simple laminated pastry.",
        "cooking",
        ["baking"],
        ["yoga"],
        OfferMode.OFFLINE,
        "en",
        20,
        120,
    ),
    (
        "Public speaking without the fear",
        "Structure a talk, handle nerves and practise with feedback on voice and body language.",
        "business",
        ["public-speaking"],
        ["calligraphy"],
        OfferMode.ONLINE,
        "en",
        35,
        60,
    ),
    (
        "إكسل للأعمال: من الجداول إلى لوحات المعلومات",
        "الدوال الأساسية والجداول المحورية وإنشاء لوحة معلومات تفاعلية لبيانات شركتك.",
        "business",
        ["excel"],
        ["public-speaking"],
        OfferMode.ONLINE,
        "ar",
        25,
        60,
    ),
    (
        "Digital marketing fundamentals",
        "SEO basics, social media ads and measuring what works, for small businesses.",
        "business",
        ["digital-marketing"],
        ["django"],
        OfferMode.ONLINE,
        "en",
        30,
        60,
    ),
    (
        "يوغا صباحية للمبتدئين",
        "تمارين تنفس وتمدد لطيفة لبداية يوم هادئة، مناسبة لكل الأعمار.",
        "fitness",
        ["yoga"],
        ["baking"],
        OfferMode.BOTH,
        "ar",
        0,
        45,
    ),
]

# (city, latitude, longitude, IANA zone, languages); several members share a city so distance
# matters for in-person offers.
PLACES = [
    ("Cairo", "30.044420", "31.235712", "Africa/Cairo", ["ar", "en"]),
    ("Amman", "31.945368", "35.928371", "Asia/Amman", ["ar", "en"]),
    ("London", "51.507222", "-0.127500", "Europe/London", ["en", "fr"]),
    ("Cairo", "30.057000", "31.228000", "Africa/Cairo", ["ar"]),
    ("Berlin", "52.520008", "13.404954", "Europe/Berlin", ["en", "de"]),
    ("Amman", "31.963158", "35.930359", "Asia/Amman", ["ar", "en"]),
    ("Dubai", "25.204849", "55.270783", "Asia/Dubai", ["en", "hi", "ar"]),
    ("Riyadh", "24.713552", "46.675297", "Asia/Riyadh", ["ar"]),
    ("Paris", "48.856613", "2.352222", "Europe/Paris", ["fr", "en"]),
    ("Casablanca", "33.573110", "-7.589843", "Africa/Casablanca", ["ar", "fr"]),
    ("Tokyo", "35.676200", "139.650300", "Asia/Tokyo", ["ja", "en"]),
    ("Beirut", "33.893791", "35.501778", "Asia/Beirut", ["ar", "fr", "en"]),
]

# Weekly patterns in the member's own time zone: (day, start, end).
AVAILABILITY = [
    [(0, "18:00", "21:00"), (2, "18:00", "21:00"), (5, "10:00", "14:00")],
    [(1, "19:00", "22:00"), (3, "19:00", "22:00"), (5, "09:00", "12:00")],
    [(0, "17:00", "20:00"), (4, "17:00", "20:00"), (6, "10:00", "13:00")],
    [(5, "16:00", "20:00"), (6, "16:00", "20:00")],
    [(1, "07:00", "09:00"), (3, "07:00", "09:00"), (5, "09:00", "12:00")],
    [(2, "20:00", "00:00"), (3, "00:00", "01:00"), (4, "18:00", "21:00")],
]
PROFICIENCY_CYCLE = ["expert", "advanced", "intermediate"]


def _time(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def seed(context: Any) -> None:
    categories = _seed_categories(context)
    skills = _seed_skills(context, categories)
    members = context.objects.get("members") or []
    if not members:
        return
    _seed_profiles(members)
    _seed_offers(context, members, categories, skills)
    _seed_user_skills(context, members, skills)
    _seed_availability(context, members)
    _seed_matches(context, members)


def _seed_categories(context: Any) -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for order, (slug, name_en, name_ar, icon, parent_slug) in enumerate(CATEGORIES):
        category, created = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_ar": name_ar,
                "icon": icon,
                "sort_order": order,
                "parent": categories.get(parent_slug) if parent_slug else None,
            },
        )
        context.count("categories", created)
        categories[slug] = category
    return categories


def _seed_skills(context: Any, categories: dict[str, Category]) -> dict[str, Skill]:
    skills: dict[str, Skill] = {}
    for slug, name_en, name_ar, category_slug, synonyms in SKILLS:
        skill = Skill.objects.filter(slug=slug).first()
        if skill is None:
            skill = Skill(
                slug=slug,
                name_en=name_en,
                name_ar=name_ar,
                category=categories[category_slug],
                synonyms=synonyms,
            )
            skill.save()
            context.count("skills", True)
        skills[slug] = skill
    return skills


def _seed_profiles(members: list) -> None:
    # Only members whose profile is still blank: never overwrite what someone edited.
    for index, member in enumerate(members):
        if member.languages or member.latitude is not None:
            continue
        city, latitude, longitude, zone, languages = PLACES[index % len(PLACES)]
        member.city = member.city or city
        member.latitude = Decimal(latitude)
        member.longitude = Decimal(longitude)
        member.time_zone = zone
        member.languages = languages
        member.save(update_fields=["city", "latitude", "longitude", "time_zone", "languages"])


def _seed_offers(
    context: Any, members: list, categories: dict[str, Category], skills: dict[str, Skill]
) -> None:
    experts = context.objects.get("experts") or []
    for index, row in enumerate(OFFERS):
        title, description, category, offered, desired, mode, language, points, minutes = row
        # Only experts sell paid sessions; without any, the demo offers swaps only.
        if points and not experts:
            points = 0
        owner = experts[index % len(experts)] if points else members[index % len(members)]
        if Offer.objects.filter(owner=owner, title=title).exists():
            continue
        in_person = mode != OfferMode.ONLINE
        services.offer_create(
            owner=owner,
            title=title,
            description=description,
            category=categories[category],
            offered_skills=[skills[slug] for slug in offered],
            desired_skills=[skills[slug] for slug in desired],
            mode=mode,
            location=(owner.city or "Cairo") if in_person else "",
            latitude=owner.latitude if in_person else None,
            longitude=owner.longitude if in_person else None,
            language=language,
            price_points=points,
            session_minutes=minutes,
        )
        context.count("offers", True)


def _seed_user_skills(context: Any, members: list, skills: dict[str, Skill]) -> None:
    # What each member offers and wants follows their offers, so matches are reciprocal.
    for index, row in enumerate(OFFERS):
        owner = members[index % len(members)]
        offered, desired = row[3], row[4]
        for position, slug in enumerate(offered):
            _, created = UserSkill.objects.get_or_create(
                user=owner,
                skill=skills[slug],
                direction=Direction.OFFERED,
                defaults={
                    "proficiency_level": PROFICIENCY_CYCLE[(index + position) % 3],
                    "years_of_experience": 2 + (index + position) % 9,
                },
            )
            context.count("user skills", created)
        for slug in desired:
            _, created = UserSkill.objects.get_or_create(
                user=owner,
                skill=skills[slug],
                direction=Direction.WANTED,
                defaults={"proficiency_level": "beginner"},
            )
            context.count("user skills", created)

    # A few more wishes per member, so most members have several candidates.
    slugs = [row[0] for row in SKILLS]
    for index, member in enumerate(members):
        offered = set(
            UserSkill.objects.filter(user=member, direction=Direction.OFFERED).values_list(
                "skill__slug", flat=True
            )
        )
        for slug in {slugs[(index * 3) % len(slugs)], slugs[(index * 5 + 1) % len(slugs)]}:
            if slug in offered:
                continue
            _, created = UserSkill.objects.get_or_create(
                user=member,
                skill=skills[slug],
                direction=Direction.WANTED,
                defaults={"proficiency_level": "beginner"},
            )
            context.count("user skills", created)


def _seed_availability(context: Any, members: list) -> None:
    for index, member in enumerate(members):
        if AvailabilitySlot.objects.filter(user=member).exists():
            continue
        for day, start, end in AVAILABILITY[index % len(AVAILABILITY)]:
            AvailabilitySlot.objects.create(
                user=member, day_of_week=day, start_time=_time(start), end_time=_time(end)
            )
            context.count("availability slots", True)


def _seed_matches(context: Any, members: list) -> None:
    ids = [member.pk for member in members]
    pairs = Q(user_a_id__in=ids) | Q(user_b_id__in=ids)
    before = Match.objects.filter(pairs).count()
    for member in members:
        services.matches_recompute_for_user(user_id=member.pk)
    created = Match.objects.filter(pairs).count() - before
    for _ in range(max(created, 0)):
        context.count("matches", True)
