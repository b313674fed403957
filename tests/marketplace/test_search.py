"""Offer search: one normalisation for both languages; PostgreSQL full text + trigram typos."""

import pytest

from marketplace import search
from tests.marketplace.factories import CategoryFactory, SkillFactory, make_offer

OFFERS_URL = "/api/v1/offers/"


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


# --- normalisation (no database) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Python Programming", "python programming"),
        ("Café crème", "cafe creme"),
        ("بَرْمَجَة", "برمجه"),
        ("أحمد إسلام آمال ٱلله", "احمد اسلام امال له"),
        ("مستوى", "مستوي"),
        ("البرمجة والتصميم بالعربية", "برمجه تصميم عربيه"),
        ("الـــعـــربـــيـــة", "عربيه"),
        ("٢٠٢٦ دروس", "2026 دروس"),
    ],
)
def test_normalise_unifies_case_accents_diacritics_letter_variants_and_the_article(text, expected):
    assert search.normalise(text) == expected


def test_the_article_is_kept_when_too_little_would_remain():
    assert search.words("ال") == ["ال"]
    assert search.words("الم") == ["الم"]


def test_query_words_drop_stop_words_and_duplicates():
    assert search.query_words("Learn the Python and python") == ["learn", "python"]
    assert search.query_words("دروس في البرمجة") == ["دروس", "برمجه"]
    assert search.query_words("the") == ["the"]


# --- the embedded runtime (SQLite): a normalised match with the same API --------------------------


@pytest.mark.django_db
def test_search_matches_every_word_after_normalisation(api_client):
    # given
    make_offer(title="دروس برمجة للمبتدئين")
    make_offer(title="Python for beginners")
    make_offer(title="Guitar lessons")

    # when / then
    assert _titles(api_client.get(OFFERS_URL, {"search": "برمجه"})) == ["دروس برمجة للمبتدئين"]
    assert _titles(api_client.get(OFFERS_URL, {"search": "البَرمجة"})) == ["دروس برمجة للمبتدئين"]
    assert _titles(api_client.get(OFFERS_URL, {"search": "PYTHON beginners"})) == [
        "Python for beginners"
    ]
    assert _titles(api_client.get(OFFERS_URL, {"search": "python guitar"})) == []


@pytest.mark.django_db
def test_search_covers_skill_names_in_both_languages(api_client):
    # given an English offer whose skill has an Arabic name
    category = CategoryFactory(name_en="Music", name_ar="الموسيقى")
    oud = SkillFactory(name_en="Oud", name_ar="العود", category=category)
    make_offer(title="Learn to play from scratch", offered=[oud], category=category)

    # when
    response = api_client.get(OFFERS_URL, {"search": "عود"})

    # then
    assert _titles(response) == ["Learn to play from scratch"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["c++", "o'reilly", "python:*", "a & b | !c", "(((", "🙂", "\\'", "ـــ", "x" * 500]
)
def test_odd_queries_are_plain_text_not_syntax(api_client, query):
    # on PostgreSQL too: nothing the user types reaches to_tsquery unquoted
    make_offer(title="Python for beginners")

    response = api_client.get(OFFERS_URL, {"search": query})

    assert response.status_code == 200


@pytest.mark.django_db
def test_gigs_search_answers_the_same_as_offers(api_client):
    make_offer(title="Python for beginners")
    make_offer(title="دروس برمجة")

    offers = api_client.get(OFFERS_URL, {"search": "python"}).json()
    gigs = api_client.get("/api/v1/gigs", {"search": "python"}).json()

    assert gigs == offers
    assert [row["title"] for row in gigs["results"]] == ["Python for beginners"]


# --- PostgreSQL: full text with ranking, stemming and typo tolerance ------------------------------


@pytest.fixture
def catalogue(db):
    programming = CategoryFactory(name_en="Programming", name_ar="البرمجة", slug="programming")
    music = CategoryFactory(name_en="Music", name_ar="الموسيقى", slug="music")
    python = SkillFactory(
        name_en="Python", name_ar="بايثون", slug="python", category=programming, synonyms="py"
    )
    guitar = SkillFactory(name_en="Guitar", name_ar="الجيتار", slug="guitar", category=music)
    return {"programming": programming, "music": music, "python": python, "guitar": guitar}


@pytest.fixture
def corpus(catalogue):
    c = catalogue
    make_offer(
        title="Python for beginners",
        description="Variables, loops and functions.",
        category=c["programming"],
        offered=[c["python"]],
    )
    make_offer(
        title="دروس برمجة بلغة بايثون",
        description="تعلّم أساسيات البرمجة خطوة بخطوة مع مبرمجين محترفين.",
        category=c["programming"],
        offered=[c["python"]],
        language="ar",
    )
    make_offer(
        title="Acoustic guitar for adults",
        description="Teaching chords; we also touch on python scripting for tabs.",
        category=c["music"],
        offered=[c["guitar"]],
    )
    make_offer(
        title="عزف الجيتار للمبتدئين",
        description="مستوى أول: الأوتار والإيقاع.",
        category=c["music"],
        offered=[c["guitar"]],
        language="ar",
    )
    make_offer(
        title="Cooking lessons",
        description="Français et anglais: la cuisine du marché.",
        category=c["music"],
        offered=[c["guitar"]],
    )
    return c


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a typo: trigram similarity to the vocabulary word "python"
        (
            "pyhton",
            ["Python for beginners", "دروس برمجة بلغة بايثون", "Acoustic guitar for adults"],
        ),
        ("gitar", ["Acoustic guitar for adults", "Cooking lessons", "عزف الجيتار للمبتدئين"]),
        # ة written as ه, with and without the article, with diacritics; the English offer is
        # in the category "البرمجة" (weight B), so it comes second
        ("برمجه", ["دروس برمجة بلغة بايثون", "Python for beginners"]),
        ("البرمجة", ["دروس برمجة بلغة بايثون", "Python for beginners"]),
        ("بَرْمَجَة", ["دروس برمجة بلغة بايثون", "Python for beginners"]),
        # hamza and alef variants, ى/ي
        ("اساسيات", ["دروس برمجة بلغة بايثون"]),
        ("مستوي", ["عزف الجيتار للمبتدئين"]),
        # stemming: Arabic sound plural and English inflections
        ("المبرمجين", ["دروس برمجة بلغة بايثون"]),
        ("مبرمج", ["دروس برمجة بلغة بايثون"]),
        ("teach", ["Acoustic guitar for adults"]),
        ("lesson", ["Cooking lessons"]),
        # accents
        ("francais", ["Cooking lessons"]),
        # a prefix, as typed in a search box
        ("pyth", ["Python for beginners", "دروس برمجة بلغة بايثون", "Acoustic guitar for adults"]),
    ],
)
def test_postgresql_search_finds_variants_typos_and_stems(api_client, corpus, query, expected):
    response = api_client.get(OFFERS_URL, {"search": query})

    assert _titles(response) == expected


@pytest.mark.postgres
def test_postgresql_ranks_title_matches_above_description_matches(api_client, corpus):
    # "python" is in two titles (and skills) and in one guitar offer's description only
    body = api_client.get(OFFERS_URL, {"search": "python"}).json()

    titles = [row["title"] for row in body["results"]]
    assert titles[-1] == "Acoustic guitar for adults"
    assert set(titles[:2]) == {"Python for beginners", "دروس برمجة بلغة بايثون"}
    ranks = [row["relevance"] for row in body["results"]]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[-1] < ranks[0]


@pytest.mark.postgres
def test_postgresql_arabic_skill_name_finds_the_english_offer(api_client, corpus):
    titles = _titles(api_client.get(OFFERS_URL, {"search": "بايثون"}))

    assert sorted(titles) == sorted(["Python for beginners", "دروس برمجة بلغة بايثون"])


@pytest.mark.postgres
def test_postgresql_every_word_must_match(api_client, corpus):
    assert _titles(api_client.get(OFFERS_URL, {"search": "python beginners"})) == [
        "Python for beginners"
    ]
    assert _titles(api_client.get(OFFERS_URL, {"search": "python cooking"})) == []


@pytest.mark.postgres
def test_postgresql_search_indexes_and_extension_exist(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('marketplace_offer', 'marketplace_searchword', 'marketplace_skill') "
            "AND (indexdef LIKE '%%USING gin%%' OR indexdef LIKE '%%USING gist%%') "
            "ORDER BY indexname"
        )
        indexes = {name: definition.split(" USING ")[1] for name, definition in cursor.fetchall()}
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
        extensions = [row[0] for row in cursor.fetchall()]

    assert indexes == {
        "mkt_offer_search_vector": "gin (search_vector)",
        "mkt_searchword_trgm_gist": "gist (word gist_trgm_ops)",
        "mkt_skill_search_trgm": "gin (search_text gin_trgm_ops)",
    }
    assert extensions == ["pg_trgm"]
