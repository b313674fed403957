import pytest

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.config.probe_urls")]


def test_default_page_is_twenty_with_links(api_client):
    UserFactory.create_batch(45)

    body = api_client.get("/api/v1/probe/users/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 45
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].endswith("/api/v1/probe/users/?page=2")


def test_page_size_is_capped_at_one_hundred(api_client):
    UserFactory.create_batch(105)

    body = api_client.get("/api/v1/probe/users/?page_size=500").json()

    assert len(body["results"]) == 100


def test_explicit_page_size_and_last_page(api_client):
    UserFactory.create_batch(7)

    body = api_client.get("/api/v1/probe/users/?page_size=5&page=2").json()

    assert len(body["results"]) == 2
    assert body["next"] is None


def test_page_past_the_end_is_404_in_error_shape(api_client):
    UserFactory.create_batch(3)

    response = api_client.get("/api/v1/probe/users/?page=9")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_search_and_ordering_are_defaults(api_client):
    UserFactory(email="zed@example.test")
    UserFactory(email="amy@example.test")
    UserFactory(email="other@elsewhere.test")

    body = api_client.get("/api/v1/probe/users/?search=example.test&ordering=-email").json()

    assert [row["email"] for row in body["results"]] == ["zed@example.test", "amy@example.test"]


def test_optional_slash_router_accepts_both_spellings():
    from django.urls import resolve
    from rest_framework import viewsets

    from config.api.routing import OptionalSlashRouter

    class Things(viewsets.ViewSet):
        def list(self, request):  # pragma: no cover - only resolved
            return None

        def retrieve(self, request, pk=None):  # pragma: no cover - only resolved
            return None

    router = OptionalSlashRouter()
    router.register("things", Things, basename="thing")
    patterns = [pattern.pattern.regex.pattern for pattern in router.urls]

    assert patterns == ["^things/?$", "^things/(?P<pk>[^/.]+)/?$"]
    assert resolve("/api/v1/offers").url_name == resolve("/api/v1/offers/").url_name
