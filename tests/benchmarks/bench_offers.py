"""Offers list and search at 100,000 offers: GET offers/ against the raw SQL of the same queries.

The first run bulk-creates 100,000 bilingual offers (owners ``…@bench-offers.test``, keyed by a
sequence number so later runs reuse them and only top up what is missing); search documents are
built with the same normalisation as the services, in one set-based UPDATE. Each figure is the
median wall time of the request through Django's test client (middleware, DRF, filters,
serializers), and its floor is the median time of executing exactly the SQL that request sent,
on a bare psycopg cursor, in the same run.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

TARGET = 100_000
OWNERS = 2_000
DOMAIN = "bench-offers.test"
BATCH = 5_000

EN_FORMATS = [
    "{skill} lessons for beginners",
    "{skill} coaching, one to one",
    "Weekend {skill} workshop",
    "{skill} masterclass for professionals",
    "Practice {skill} with a mentor",
    "Learn {skill} step by step",
]
AR_FORMATS = [
    "دروس {skill} للمبتدئين",
    "تعلّم {skill} خطوة بخطوة",
    "ورشة {skill} في عطلة نهاية الأسبوع",
    "جلسات {skill} مع مدرب محترف",
    "أساسيات {skill} عن بعد",
]
AR_PROGRAMMING = ["دروس برمجة بلغة {skill}", "البرمجة بـ{skill} للمحترفين", "مبادئ برمجة {skill}"]
EN_SENTENCES = [
    "Sessions are relaxed and practical, with exercises you keep.",
    "I have taught for years and adapt to your pace.",
    "Bring your questions; we build a small project together.",
    "Suitable for students, career changers and curious minds.",
]
AR_SENTENCES = [
    "الجلسات عملية وممتعة مع تمارين تحتفظ بها.",
    "أدرّس منذ سنوات وأتكيف مع سرعتك في التعلم.",
    "نبني معًا مشروعًا صغيرًا في نهاية كل درس.",
    "مناسب للطلاب ولمن يريد تغيير مساره المهني.",
]
SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "vo", "sha", "dri", "pel", "qua", "zu", "nor"]


def _pseudo_words(count: int) -> list[str]:
    """A vocabulary of made-up words so the typo lookup runs against a realistic vocabulary."""
    rnd = random.Random(7)  # noqa: S311 - benchmark data, not security
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))))
    return sorted(words)


def _catalogue():
    from marketplace import demo
    from marketplace.models import Category, Skill

    categories = {}
    for order, (slug, name_en, name_ar, icon, parent_slug) in enumerate(demo.CATEGORIES):
        categories[slug], _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_en": name_en,
                "name_ar": name_ar,
                "icon": icon,
                "sort_order": order,
                "parent": categories.get(parent_slug) if parent_slug else None,
            },
        )
    skills = []
    for slug, name_en, name_ar, category_slug, synonyms in demo.SKILLS:
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
        skills.append(skill)
    return skills


def _owners() -> list[int]:
    from accounts.models import User

    existing = set(
        User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", flat=True)
    )
    rnd = random.Random(11)  # noqa: S311
    missing = [
        User(
            email=f"owner{i}@{DOMAIN}",
            password="!",  # noqa: S106 - unusable password
            first_name=f"Owner {i}",
            rating_average=Decimal(rnd.randint(0, 50)) / 10,
            rating_count=rnd.randint(0, 40),
            languages=["ar", "en"] if i % 2 else ["en"],
        )
        for i in range(OWNERS)
        if f"owner{i}@{DOMAIN}" not in existing
    ]
    User.objects.bulk_create(missing, batch_size=BATCH)
    return list(
        User.objects.filter(email__endswith=f"@{DOMAIN}")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _ensure_offers(report) -> int:
    """Top the bench offers up to TARGET; returns how many were created now."""
    from django.db import connection, transaction

    from marketplace import search
    from marketplace.models import Offer, OfferMode, SearchWord

    existing = Offer.objects.filter(owner__email__endswith=f"@{DOMAIN}").count()
    if existing >= TARGET:
        return 0
    started = time.perf_counter()
    skills = _catalogue()
    owners = _owners()
    filler = _pseudo_words(20_000)
    now = dt.datetime.now(tz=dt.UTC)
    through = Offer.offered_skills.through
    vocabulary: set[str] = set()

    for first in range(existing, TARGET, BATCH):
        numbers = range(first, min(first + BATCH, TARGET))
        offers, documents, skill_rows = [], [], []
        for n in numbers:
            rnd = random.Random(n)  # noqa: S311 - the same offer for the same number
            skill = rnd.choice(skills)
            arabic = n % 2 == 1
            if arabic and skill.category.slug in {
                "programming",
                "web-development",
                "data-science",
                "mobile-apps",
            }:
                title = rnd.choice(AR_PROGRAMMING).format(skill=skill.name_ar)
            elif arabic:
                title = rnd.choice(AR_FORMATS).format(skill=skill.name_ar)
            else:
                title = rnd.choice(EN_FORMATS).format(skill=skill.name_en)
            sentences = AR_SENTENCES if arabic else EN_SENTENCES
            description = " ".join([*rnd.sample(sentences, 2), *rnd.sample(filler, 12)])
            mode = rnd.choice(
                [OfferMode.ONLINE, OfferMode.ONLINE, OfferMode.OFFLINE, OfferMode.BOTH]
            )
            in_person = mode != OfferMode.ONLINE
            offers.append(
                Offer(
                    owner_id=owners[n % len(owners)],
                    title=title,
                    description=description,
                    category_id=skill.category_id,
                    mode=mode,
                    location="Cairo" if in_person else "",
                    latitude=Decimal("30.04") + Decimal(rnd.randint(-500, 500)) / 1000
                    if in_person
                    else None,
                    longitude=Decimal("31.23") + Decimal(rnd.randint(-500, 500)) / 1000
                    if in_person
                    else None,
                    language="ar" if arabic else "en",
                    price_points=rnd.choice([0, 0, 10, 20, 30, 50, 100]),
                    session_minutes=rnd.choice([45, 60, 90]),
                    created_at=now - dt.timedelta(minutes=n),
                    reviewed_at=now,
                )
            )
            title_n = search.normalise(title)
            skills_n = search.normalise(
                skill.name_en,
                skill.name_ar,
                skill.synonyms.replace(",", " "),
                skill.category.name_en,
                skill.category.name_ar,
            )
            description_n = search.normalise(description)
            documents.append((title_n, skills_n, description_n))
            skill_rows.append(skill.pk)
        with transaction.atomic():
            created = Offer.objects.bulk_create(offers, batch_size=BATCH)
            through.objects.bulk_create(
                [
                    through(offer_id=o.pk, skill_id=s)
                    for o, s in zip(created, skill_rows, strict=True)
                ],
                batch_size=BATCH,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE bench_documents (id bigint, t text, s text, d text)"
                    " ON COMMIT DROP"
                )
                with cursor.cursor.copy("COPY bench_documents (id, t, s, d) FROM STDIN") as copy:
                    for offer, (t, s, d) in zip(created, documents, strict=True):
                        copy.write_row((offer.pk, t, s, d))
                # The same document as services.offer_search_refresh, set-based.
                cursor.execute(
                    """
                    UPDATE marketplace_offer AS o SET
                        search_text = d.t || ' ' || d.s || ' ' || d.d,
                        search_vector =
                            setweight(to_tsvector('simple', d.t) || to_tsvector('english', d.t)
                                      || to_tsvector('arabic', d.t), 'A')
                            || setweight(to_tsvector('simple', d.s)
                                         || to_tsvector('english', d.s)
                                         || to_tsvector('arabic', d.s), 'B')
                            || setweight(to_tsvector('simple', d.d)
                                         || to_tsvector('english', d.d)
                                         || to_tsvector('arabic', d.d), 'C')
                    FROM bench_documents AS d WHERE o.id = d.id
                    """
                )
        for t, s, d in documents:
            vocabulary.update(word for word in f"{t} {s} {d}".split() if len(word) >= 3)
        print(f"  created offers {first + len(numbers):>7}/{TARGET}", flush=True)

    SearchWord.objects.bulk_create(
        [SearchWord(word=word[:64]) for word in sorted(vocabulary)],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        for table in (
            "marketplace_offer",
            "marketplace_offer_offered_skills",
            "marketplace_searchword",
            "accounts_user",
        ):
            cursor.execute(f"ANALYZE {table}")
    report.add(
        "one-off: bulk-create offers with search documents",
        time.perf_counter() - started,
        "s",
        note=f"{TARGET - existing} offers",
    )
    return TARGET - existing


def _raw_floor(statements: list[str]) -> float:
    """Median time of the same SQL on a bare psycopg cursor (no ORM, no DRF)."""
    from django.db import connection

    from tests.benchmarks.report import median_seconds

    connection.ensure_connection()
    raw = connection.connection

    def execute() -> None:
        with raw.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return median_seconds(execute, repeat=15, warmup=3)


def run(report) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marketplace.api import views
    from marketplace.models import Offer
    from tests.benchmarks.report import median_seconds

    _ensure_offers(report)
    total = Offer.objects.filter(status="active").count()
    print(f"  {total} active offers", flush=True)

    # Measure the view, not the rate limiter (100 anonymous requests an hour).
    views.OfferViewSet.throttle_classes = []
    settings.DEBUG = False
    # The anonymous list is cached (marketplace/cache.py): this bench measures the query path.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client = Client()

    cases = [
        ("GET offers/ (first page of 20, newest)", {}),
        ("GET offers/?search=python", {"search": "python"}),
        ("GET offers/?search=pyhton (typo)", {"search": "pyhton"}),
        ("GET offers/?search=برمجه", {"search": "برمجه"}),
        (
            "GET gigs/?search=python&category=programming&ordering=-price",
            {"search": "python", "category": "programming", "ordering": "-price"},
        ),
    ]
    for name, params in cases:
        path = "/api/v1/gigs/" if name.startswith("GET gigs") else "/api/v1/offers/"
        response = client.get(path, params)
        assert response.status_code == 200, response.content[:500]
        count = response.json()["count"]
        with CaptureQueriesContext(connection) as captured:
            client.get(path, params)
        statements = [query["sql"] for query in captured.captured_queries]

        def request(path=path, params=params) -> None:
            client.get(path, params)

        api = median_seconds(request, repeat=15, warmup=3)
        floor = _raw_floor(statements)
        report.add(
            name,
            api * 1000,
            "ms",
            floor=floor * 1000,
            floor_name="raw SQL of the same queries",
            note=f"{count} matches, {len(statements)} queries",
        )
