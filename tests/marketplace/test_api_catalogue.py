"""Categories (tree or flat) and the skill catalogue's autocomplete, in the request's language."""

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from marketplace import selectors
from marketplace.api.serializers import CategorySerializer
from tests.marketplace.factories import CategoryFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    programming = CategoryFactory(
        name_en="Programming", name_ar="البرمجة", slug="programming", sort_order=1, icon="code"
    )
    web = CategoryFactory(
        name_en="Web development", name_ar="تطوير الويب", slug="web", parent=programming
    )
    music = CategoryFactory(name_en="Music", name_ar="الموسيقى", slug="music", sort_order=2)
    CategoryFactory(name_en="Hidden", slug="hidden", is_active=False)
    return {
        "programming": programming,
        "web": web,
        "music": music,
        "python": SkillFactory(
            name_en="Python", name_ar="بايثون", slug="python", category=programming, synonyms="py"
        ),
        "pytorch": SkillFactory(
            name_en="PyTorch", name_ar="باي تورش", slug="pytorch", category=programming
        ),
        "react": SkillFactory(
            name_en="React", name_ar="رياكت", slug="react", category=web, synonyms="reactjs"
        ),
        "oud": SkillFactory(name_en="Oud", name_ar="العود", slug="oud", category=music),
    }


def test_categories_tree_in_english(api_client, catalogue):
    response = api_client.get("/api/v1/categories/")

    assert response.status_code == 200
    tree = response.json()
    assert [(node["slug"], node["name"]) for node in tree] == [
        ("programming", "Programming"),
        ("music", "Music"),
    ]
    assert [child["name"] for child in tree[0]["children"]] == ["Web development"]
    assert tree[0]["icon"] == "code"
    assert tree[0]["name_ar"] == "البرمجة"


def test_categories_in_arabic(api_client, catalogue):
    tree = api_client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="ar").json()

    assert [node["name"] for node in tree] == ["البرمجة", "الموسيقى"]
    assert tree[0]["children"][0]["name"] == "تطوير الويب"


def test_categories_flat(api_client, catalogue):
    rows = api_client.get("/api/v1/categories/", {"flat": "true"}).json()

    # sort_order, then id: "web" keeps the default order 0
    assert [(row["slug"], row["parent"]) for row in rows] == [
        ("web", catalogue["programming"].pk),
        ("programming", None),
        ("music", None),
    ]
    assert all(row["children"] == [] for row in rows)


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("params", [{}, {"flat": "true"}])
def test_categories_answer_the_generic_serializers_bytes(api_client, catalogue, params, language):
    # given: a grandchild, an empty Arabic name and a description, so every field has a value
    CategoryFactory(
        name_en="Frontend", name_ar="", slug="frontend", parent=catalogue["web"], description="UI"
    )
    flat = bool(params)

    # when
    response = api_client.get("/api/v1/categories/", params, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        categories = selectors.category_list() if flat else selectors.category_tree()
        generic = JSONRenderer().render(CategorySerializer(categories, many=True).data)

    # then
    assert response.content == generic
    assert b'"children":[{' in generic or flat


def test_categories_take_one_query(api_client, catalogue, django_assert_num_queries):
    with django_assert_num_queries(1):
        api_client.get("/api/v1/categories/")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pyt", ["python", "pytorch"]),
        ("py", ["python", "pytorch"]),
        ("باي", ["python", "pytorch"]),
        ("بايثون", ["python"]),
        ("reactjs", ["react"]),
        ("عود", ["oud"]),
        ("العود", ["oud"]),
        ("nothing", []),
    ],
)
def test_skill_autocomplete(api_client, catalogue, query, expected):
    response = api_client.get("/api/v1/skills/catalogue/", {"search": query})

    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == expected


def test_skill_autocomplete_in_arabic_names_the_skill_in_arabic(api_client, catalogue):
    body = api_client.get(
        "/api/v1/skills/catalogue/", {"search": "oud"}, HTTP_ACCEPT_LANGUAGE="ar"
    ).json()

    assert body["results"][0]["name"] == "العود"
    assert body["results"][0]["category_name"] == "الموسيقى"


def test_skills_of_a_category_include_subcategories(api_client, catalogue):
    body = api_client.get(
        "/api/v1/skills/catalogue/", {"category": catalogue["programming"].pk}
    ).json()

    assert sorted(row["slug"] for row in body["results"]) == ["python", "pytorch", "react"]


def test_skill_detail(api_client, catalogue):
    body = api_client.get(f"/api/v1/skills/catalogue/{catalogue['python'].pk}/").json()

    assert body["name"] == "Python"
    assert body["synonyms"] == ["py"]
    assert body["category"] == catalogue["programming"].pk


@pytest.mark.postgres
def test_skill_autocomplete_tolerates_a_typo_on_postgresql(api_client, catalogue):
    from marketplace import services

    services.search_vocabulary_add(words=["python", "pytorch", "react"])

    body = api_client.get("/api/v1/skills/catalogue/", {"search": "pyhton"}).json()

    assert [row["slug"] for row in body["results"]] == ["python"]
