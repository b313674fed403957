"""What a member finds on the seeded demo: search finds the Python and برمجة offers,
gigs answers like offers, and a seeded member has scored matches with reasons."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from marketplace.models import Match, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    call_command("seed_demo", "--users", "12", stdout=StringIO())


def _titles(client, path, query):
    response = client.get(path, {"search": query})
    assert response.status_code == 200
    return [row["title"] for row in response.json()["results"]]


def test_seed_creates_a_bilingual_marketplace_searchable_everywhere(api_client, seeded):
    assert Offer.objects.filter(language="ar").count() >= 8
    assert Offer.objects.filter(language="en").count() >= 8
    assert Match.objects.count() > 0
    # the embedded runtime's normalised match (PostgreSQL below adds typos and stemming)
    assert "دروس برمجة بلغة بايثون للمبتدئين" in _titles(api_client, "/api/v1/offers/", "برمجه")
    assert "Python for beginners: from zero to your first script" in _titles(
        api_client, "/api/v1/gigs/", "python"
    )


@pytest.mark.postgres
def test_acceptance_search_finds_the_seeded_offers(api_client, seeded):
    for query, expected in [
        ("pyhton", "Python for beginners: from zero to your first script"),
        ("برمجه", "دروس برمجة بلغة بايثون للمبتدئين"),
    ]:
        offers = _titles(api_client, "/api/v1/offers/", query)
        gigs = _titles(api_client, "/api/v1/gigs", query)

        assert expected in offers[:3], (query, offers)
        assert gigs == offers


def test_acceptance_a_seeded_member_has_scored_matches_with_reasons(make_auth_client, seeded):
    member = User.objects.get(email="member1@skillswap.test")

    body = make_auth_client(member).get("/api/v1/matches/").json()

    assert body["count"] > 0
    scores = [row["compatibility_score"] for row in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 100 for score in scores)
    for row in body["results"]:
        assert {reason["code"] for reason in row["reasons"]} == {
            "you_offer_they_want",
            "they_offer_you_want",
            "rating",
            "shared_language",
            "availability",
            "distance",
        }
