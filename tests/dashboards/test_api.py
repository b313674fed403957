"""GET dashboard/ (seed 001's dashboard app): the caller's own dashboard, its shape, the refusal
for anonymous callers, and a query count that does not grow with the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from exchanges.models import Swap
from marketplace.models import Match, MatchStatus
from rewards.activity import activity_record
from rewards.models import Tier
from tests.accounts.factories import UserFactory
from tests.api_fuzz.conftest import changed_tables, fingerprint
from tests.conftest import bearer
from tests.dashboards.factories import (
    badge_award,
    dashboard_filled,
    match_with,
    pending_request,
    unread_message,
    unread_notification,
    upcoming_session,
)
from tests.exchanges.factories import SwapFactory, expert
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"


def _client(user, language: str | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=bearer(user))
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_a_new_member_gets_an_empty_dashboard():
    # given a member with nothing yet
    me = UserFactory()
    # when
    response = _client(me).get(URL)
    # then
    assert response.status_code == 200
    assert response.json() == {
        "upcoming_sessions": [],
        "upcoming_count": 0,
        "pending_requests": {
            "incoming": [],
            "incoming_count": 0,
            "outgoing": [],
            "outgoing_count": 0,
        },
        "completed_swaps": 0,
        "balance": {"balance": 0, "held_in_escrow": 0},
        "rating": {"average": 0.0, "count": 0},
        "recent_badges": [],
        "rank": {"metric": "swaps", "period": "all", "position": None},
        "unread_messages": 0,
        "unread_notifications": 0,
        "suggested_matches": [],
    }


def test_the_dashboard_shows_what_needs_the_callers_attention():
    # given a member with a session tomorrow (its call open), a request on each side, a completed
    # swap, a badge, a suggested match, an unread message and notification, and points
    me = funded_user(40, first_name="Ann", last_name="Lee", rating_average=4.5, rating_count=2)
    teacher = expert(first_name="Tom", last_name="Oud")
    session = upcoming_session(me, hours=30, with_call=True, responder=teacher)
    learner = UserFactory(first_name="Lina", last_name="Said")
    incoming = pending_request(requester=learner, responder=me, title="Teach me chess")
    outgoing = pending_request(requester=me, responder=teacher, title="More oud", hours=72)
    SwapFactory(requester=me, responder=teacher, status=Swap.Status.COMPLETED)
    award = badge_award(me, slug="teacher", tier=Tier.SILVER)
    friend = UserFactory(first_name="Fay", last_name="Nur")
    match = match_with(me, friend, score=85)
    unread_message(me, friend)
    unread_notification(me)

    # when
    body = _client(me).get(URL).json()

    # then: the upcoming session, with the other party, the offer and its call
    call_id = session.video_calls.get().pk
    assert body["upcoming_sessions"] == [
        {
            "id": session.pk,
            "title": session.offer.title,
            "status": "accepted",
            "kind": "swap",
            "points_amount": 0,
            "session_type": "video",
            "mode": "online",
            "role": "requester",
            "other_party": {"id": teacher.pk, "name": "Tom Oud", "avatar": None},
            "offer": {"id": session.offer.pk, "title": session.offer.title},
            "scheduled_start": session.scheduled_start.isoformat().replace("+00:00", "Z"),
            "scheduled_end": session.scheduled_end.isoformat().replace("+00:00", "Z"),
            "url": f"http://testserver/api/v1/swaps/{session.pk}/",
            "video_call": {
                "id": call_id,
                "url": f"http://testserver/api/v1/video-calls/{call_id}/",
                "page_url": f"http://testserver/en/calls/{call_id}/",
            },
        }
    ]
    assert body["upcoming_count"] == 1
    # and the requests on both sides
    requests = body["pending_requests"]
    assert [
        (row["id"], row["role"], row["other_party"]["name"]) for row in requests["incoming"]
    ] == [(incoming.pk, "responder", "Lina Said")]
    assert [(row["id"], row["role"], row["title"]) for row in requests["outgoing"]] == [
        (outgoing.pk, "requester", "More oud")
    ]
    assert (requests["incoming_count"], requests["outgoing_count"]) == (1, 1)
    # and the figures
    assert body["completed_swaps"] == 1
    assert body["balance"] == {"balance": 40, "held_in_escrow": 0}
    assert body["rating"] == {"average": 4.5, "count": 2}
    assert body["unread_messages"] == 1
    # (the unread message notified me too)
    assert body["unread_notifications"] == 2
    # and the badge and the match, as GET matches/ shows it
    assert body["recent_badges"] == [
        {
            "id": award.pk,
            "slug": "teacher",
            "name": "Teacher",
            "description": "About teacher",
            "icon": "medal",
            "tier": "silver",
            "awarded_at": award.awarded_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    [suggested] = body["suggested_matches"]
    assert suggested["id"] == match.pk
    assert suggested["friend"] == {"id": friend.pk, "name": "Fay Nur", "avatar": None}
    assert suggested["compatibility_score"] == 85
    assert [reason["code"] for reason in suggested["reasons"]] == [
        "you_offer_they_want",
        "they_offer_you_want",
        "shared_language",
    ]
    # (the stored reasons are written from user_a's side: Oud is what user_a offers)
    i_offer = "Oud" if me.pk < friend.pk else "Chess"
    assert suggested["reasons"][0]["skills"][0]["name"] == i_offer


def test_suggestions_are_the_best_matches_still_waiting_for_the_caller():
    # given matches: answered by me, declined, with a deactivated or a suspended member, and four
    # open ones
    me = UserFactory()
    answered = match_with(me, UserFactory(), score=99)
    Match.objects.filter(pk=answered.pk).update(
        **{"a_response" if answered.user_a_id == me.pk else "b_response": MatchStatus.ACCEPTED}
    )
    match_with(me, UserFactory(), score=98, status=MatchStatus.DECLINED)
    match_with(me, UserFactory(is_active=False), score=97)
    match_with(me, UserFactory(suspended_at=timezone.now()), score=96)
    low, high, middle, lowest = (
        match_with(me, UserFactory(), score=score) for score in (40, 90, 60, 10)
    )
    match_with(UserFactory(), UserFactory(), score=100)  # not mine
    # when
    body = _client(me).get(URL).json()
    # then the top three open ones, best first
    assert [row["id"] for row in body["suggested_matches"]] == [high.pk, middle.pk, low.pk]


def test_the_upcoming_list_keeps_the_session_in_progress_and_drops_the_rest():
    # given an accepted session that started 30 minutes ago, one tomorrow, a pending one, an
    # accepted one already over, and someone else's
    me = UserFactory()
    in_progress = upcoming_session(me, hours=-0.5)
    tomorrow = upcoming_session(me, hours=24)
    pending_request(requester=me, responder=expert())
    upcoming_session(me, hours=-3)
    upcoming_session(UserFactory(), hours=5)
    # when
    body = _client(me).get(URL).json()
    # then
    assert [row["id"] for row in body["upcoming_sessions"]] == [in_progress.pk, tomorrow.pk]
    assert [row["video_call"] for row in body["upcoming_sessions"]] == [None, None]


def test_anonymous_callers_get_a_401_in_the_error_shape_in_their_language():
    # given
    before = fingerprint()
    # when
    response = APIClient().get(URL, HTTP_ACCEPT_LANGUAGE="ar")
    # then
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] != "Authentication credentials were not provided."
    assert changed_tables(before, fingerprint()) == []


def test_the_seed_path_without_the_slash_is_served_too():
    # when
    response = _client(UserFactory()).get("/api/v1/dashboard")
    # then
    assert response.status_code == 200
    assert response.json()["completed_swaps"] == 0


def test_the_query_count_does_not_grow_with_the_data(django_assert_num_queries):
    # given a member with one of everything, whose first request warmed the caches
    me = funded_user(10)
    dashboard_filled(me, rounds=1, slug_prefix="badge")
    client = _client(me)
    assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    # the user, 10 reads of the selector, what the leaderboard's table reads without Redis
    assert len(few.captured_queries) <= 13
    # and then several of everything
    dashboard_filled(me, rounds=4, slug_prefix="badge")
    # when / then: the same number of queries
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(URL).json()
    assert len(body["upcoming_sessions"]) == 5
    assert len(body["recent_badges"]) == 5
    assert len(body["suggested_matches"]) == 3
    assert body["unread_messages"] == 5


def test_the_rank_is_the_leaderboards_once_the_member_has_swapped(
    settings, django_capture_on_commit_callbacks
):
    # given the leaderboard kept in its table, and two members' completed sessions counted
    settings.LEADERBOARD_BACKEND = "table"
    me, ahead = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(user_id=ahead.pk, counter="sessions_taught", source="test:1", amount=3)
        activity_record(user_id=me.pk, counter="sessions_learned", source="test:2", amount=1)
    # when
    body = _client(me).get(URL).json()
    # then
    assert body["rank"] == {"metric": "swaps", "period": "all", "position": 2}


def test_in_arabic_the_badges_and_reasons_are_arabic():
    # given a member with a badge and a match
    me = UserFactory()
    badge_award(me, slug="mentor")
    match_with(me, UserFactory(), score=70)
    # when
    body = _client(me, language="ar").get(URL).json()
    # then
    assert body["recent_badges"][0]["name"] == "شارة mentor"
    assert body["suggested_matches"][0]["reasons"][0]["label"] == "تقدّم ما يريده"
