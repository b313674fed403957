"""GET leaderboard/ (rewards/api/leaderboard_views.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.models import User
from rewards.leaderboard import leaderboard_on_events
from rewards.models import ActivityEvent, Counter, LeaderboardScore

URL = "/api/v1/leaderboard/"
FILTERS = {"metric": ["swaps"], "period": ["week"]}


def query_of(url: str) -> dict[str, list[str]]:
    assert url.startswith("http://testserver/api/v1/leaderboard/?")
    return parse_qs(urlsplit(url).query)


@pytest.fixture(autouse=True)
def _table_board(settings):
    settings.LEADERBOARD_BACKEND = "table"
    settings.LEADERBOARD_RATING_MIN_REVIEWS = 3


def ranked(count: int, *, counter: str = Counter.SESSIONS_TAUGHT) -> list[User]:
    """``count`` members; member i has ``count - i`` sessions (the first ranks first)."""
    User.objects.bulk_create(
        [User(email=f"api{index}@example.test", display_name=f"M{index}") for index in range(count)]
    )
    people = list(User.objects.filter(email__startswith="api").order_by("pk"))
    now = timezone.now()
    events = ActivityEvent.objects.bulk_create(
        [
            ActivityEvent(
                user=person, counter=counter, source=f"s:{i}", amount=count - i, occurred_at=now
            )
            for i, person in enumerate(people)
        ]
    )
    leaderboard_on_events(events)
    return people


def test_anonymous_gets_the_first_page_with_no_own_rank(db, api_client):
    # given
    first, second = ranked(2)

    # when
    response = api_client.get(URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {"rank": 1, "user": {"id": first.pk, "public_name": "M0", "avatar": None}, "score": 2},
            {"rank": 2, "user": {"id": second.pk, "public_name": "M1", "avatar": None}, "score": 1},
        ],
        "me": None,
        "period": "all",
        "metric": "swaps",
    }


def test_own_rank_is_given_when_off_the_page(db, make_auth_client):
    # given 5 ranked members, the caller last
    people = ranked(5)
    client = make_auth_client(people[-1])

    # when
    response = client.get(URL, {"page_size": 2, "page": 2, "metric": "swaps", "period": "week"})

    # then
    body = response.json()
    assert response.status_code == 200
    assert [row["rank"] for row in body["results"]] == [3, 4]
    assert body["me"] == {"rank": 5, "score": 1}
    assert query_of(body["next"]) == {"page": ["3"], "page_size": ["2"], **FILTERS}
    assert query_of(body["previous"]) == {"page_size": ["2"], **FILTERS}


def test_rating_scores_are_averages(db, api_client):
    # given a member with three reviews: 5, 4 and 4 stars
    (person,) = ranked(1, counter=Counter.MINUTES_TAUGHT)
    now = timezone.now()
    events = []
    for index, stars in enumerate((5, 4, 4)):
        events += [
            ActivityEvent.objects.create(
                user=person,
                counter=Counter.REVIEWS_RECEIVED,
                source=f"r:{index}",
                amount=1,
                occurred_at=now,
            ),
            ActivityEvent.objects.create(
                user=person,
                counter=Counter.RATING_POINTS,
                source=f"r:{index}:s",
                amount=stars,
                occurred_at=now,
            ),
        ]
    leaderboard_on_events(events)

    # when
    body = api_client.get(URL, {"metric": "rating", "period": "month"}).json()

    # then
    assert [(row["rank"], row["score"]) for row in body["results"]] == [(1, 4.33)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "year"}, "period"),
        ({"metric": "karma"}, "metric"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page": "١"}, "page"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(db, api_client, params, field):
    # given
    ranked(1)
    before = list(LeaderboardScore.objects.values_list("user_id", "score"))

    # when
    response = api_client.get(URL, params, HTTP_ACCEPT_LANGUAGE="ar")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert list(response.json()["error"]["fields"]) == [field]
    assert list(LeaderboardScore.objects.values_list("user_id", "score")) == before


def test_a_page_past_the_end_is_a_404(db, api_client):
    # given
    ranked(2)

    # when
    response = api_client.get(URL, {"page": 2})

    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_empty_board_is_an_empty_first_page(db, api_client):
    response = api_client.get(URL, {"metric": "points"})

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_the_page(
    db, make_auth_client, django_assert_num_queries, size
):
    # given
    people = ranked(size)
    client = make_auth_client(people[-1])

    # when: the caller and their plan (authentication, throttle), the count, the page, the
    # caller's score and rank, the page's users
    with django_assert_num_queries(7):
        response = client.get(URL, {"page_size": size})

    # then
    assert len(response.json()["results"]) == size


def test_redis_down_is_a_503_in_the_error_shape(db, api_client, settings):
    # given
    settings.LEADERBOARD_BACKEND = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    # when
    response = api_client.get(URL)

    # then
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "leaderboard_unavailable"
