"""The leaderboard page, /en/leaderboard/ and /ar/leaderboard/ (rewards/leaderboard_views.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from accounts.models import User
from rewards import leaderboard_views
from rewards.leaderboard import LeaderboardUnavailable, leaderboard_on_events
from rewards.models import ActivityEvent, Counter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _table_board(settings):
    settings.LEADERBOARD_BACKEND = "table"


def ranked(count: int) -> list[User]:
    User.objects.bulk_create(
        [User(email=f"pg{index}@example.test", display_name=f"M{index}") for index in range(count)]
    )
    people = list(User.objects.filter(email__startswith="pg").order_by("pk"))
    now = timezone.now()
    events = ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                user=person,
                counter=Counter.SESSIONS_TAUGHT,
                source=f"s:{index}",
                amount=count - index,
                occurred_at=now,
            )
            for index, person in enumerate(people)
        ]
    )
    leaderboard_on_events(events)
    return people


def test_anonymous_visitors_see_the_ranking_and_the_tabs(client):
    # given
    ranked(2)

    # when
    response = client.get("/en/leaderboard/?metric=swaps&period=week")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert [row["member"].public_name for row in response.context["rows"]] == ["M0", "M1"]
    assert 'href="?metric=reviews&amp;period=week"' in html
    assert 'href="?metric=swaps&amp;period=week" aria-current="page"' in html
    assert "Sign in to see your own rank." in html
    assert "<script>" not in html.split("</header>")[1]
    assert 'style="' not in html


def test_own_rank_is_pinned_when_off_the_page(client, monkeypatch):
    # given a member ranked third of three, with two rows a page
    monkeypatch.setattr(leaderboard_views, "PAGE_SIZE", 2)
    people = ranked(3)
    client.force_login(people[-1])

    # when
    response = client.get("/en/leaderboard/")

    # then
    assert response.context["me"] == {"rank": 3, "score": 1, "on_page": False}
    assert 'class="lb-me lb-me-pinned"' in response.content.decode()

    # when they open the second page
    response = client.get("/en/leaderboard/?page=2")

    # then their row is highlighted in place
    assert response.context["rows"][0]["is_me"] is True
    assert "lb-me-pinned" not in response.content.decode()


def test_arabic_page_is_right_to_left(client):
    # given
    ranked(1)

    # when
    response = client.get("/ar/leaderboard/?metric=nope&period=nope&page=x")

    # then unknown values show the defaults
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
    assert (response.context["metric"], response.context["period"]) == ("swaps", "all")


@pytest.mark.parametrize("size", [2, 20])
def test_query_count_does_not_grow_with_the_rows(client, django_assert_num_queries, size):
    # given
    ranked(size)

    # when: the count, the page and its members (the anonymous frame adds none of its own)
    with django_assert_num_queries(3):
        response = client.get("/en/leaderboard/")

    # then
    assert len(response.context["rows"]) == size


def test_redis_down_shows_a_notice_not_an_error_page(client, settings):
    # given Redis configured but unreachable
    settings.LEADERBOARD_BACKEND = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    # when
    response = client.get("/ar/leaderboard/")

    # then the frame renders with the reason, in the page's language
    assert response.status_code == 503
    with translation.override("ar"):
        assert response.context["unavailable"] == str(LeaderboardUnavailable.default_message)
    assert 'class="notice notice-error"' in response.content.decode()
