"""The signed-in home page /<lang>/me/ (dashboards:home): what it shows, its buttons, Arabic and
the member's time zone, sign-in landing there, and a query count that does not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchanges import services
from exchanges.models import Swap
from rewards.models import Tier
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.dashboards.factories import (
    badge_award,
    dashboard_filled,
    match_with,
    pending_request,
)
from tests.exchanges.factories import SwapFactory, at, expert
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


def _pending_swap(**fields) -> Swap:
    return services.swap_create(
        requester=fields.pop("requester", None) or UserFactory(),
        responder=fields.pop("responder", None) or expert(),
        scheduled_start=fields.pop("scheduled_start", None) or at(48),
        title=fields.pop("title", "Oud basics"),
        **fields,
    )


@pytest.mark.parametrize("language", ["en", "ar"])
def test_anonymous_visitors_are_sent_to_the_localized_login(client, language):
    # when
    response = client.get(f"/{language}/me/")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/accounts/login/?next=/{language}/me/"


def test_signing_in_lands_on_the_dashboard(client):
    # given a member with a verified address
    me = UserFactory(email="ann@example.test")
    me.emailaddress_set.create(email=me.email, verified=True, primary=True)
    # when they sign in through the form
    response = client.post(
        "/ar/accounts/login/", {"login": "ann@example.test", "password": DEFAULT_PASSWORD}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/ar/me/"


def test_dashboard_shows_what_needs_attention(client):
    # given
    me = expert(first_name="Ann", last_name="Lee")
    incoming = _pending_swap(responder=me, title="They ask me")
    accepted = _pending_swap(responder=me, title="Soon", scheduled_start=at(30))
    services.swap_accept(swap=accepted, actor=me)
    client.force_login(me)
    # when
    response = client.get("/en/me/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, Ann Lee" in html
    assert incoming.title in html
    assert "Soon" in html
    assert "Requests waiting for you (1)" in html
    assert 'aria-current="page">Dashboard</a>' in html


def test_requests_waiting_for_the_member_have_accept_and_reject_buttons(client):
    # given a request waiting for my answer and one of mine waiting for theirs
    me = expert()
    theirs = pending_request(requester=UserFactory(), responder=me, title="Teach me")
    mine = pending_request(requester=me, responder=expert(), title="Teach you")
    client.force_login(me)
    # when
    html = client.get("/en/me/").content.decode()
    # then: buttons post to the swap page's moves, for their request only
    assert f'action="/en/me/swaps/{theirs.pk}/accept/"' in html
    assert f'action="/en/me/swaps/{theirs.pk}/reject/"' in html
    assert f"/me/swaps/{mine.pk}/accept/" not in html


def test_accepting_from_the_dashboard_moves_the_swap(client):
    # given a request waiting for my answer
    me = expert()
    swap = _pending_swap(responder=me)
    client.force_login(me)
    # when I press Accept on the dashboard
    response = client.post(f"/en/me/swaps/{swap.pk}/accept/")
    # then
    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.status == Swap.Status.ACCEPTED


def test_badges_rank_link_and_suggestions_are_shown(client):
    # given a member with a gold badge and a suggested match
    me = UserFactory()
    badge_award(me, slug="mentor", tier=Tier.GOLD)
    friend = UserFactory(first_name="Fay", last_name="Nur")
    match_with(me, friend, score=85)
    client.force_login(me)
    # when
    html = client.get("/ar/me/").content.decode()
    # then
    assert "شارة mentor" in html
    assert 'href="/ar/leaderboard/"' in html
    assert 'href="/ar/badges/"' in html
    assert f'href="/ar/people/{friend.pk}/"' in html
    assert "Fay Nur" in html


def test_dashboard_in_arabic_is_rtl_and_in_the_members_zone(client):
    # given
    me = expert(time_zone="Africa/Cairo")
    start = dt.datetime(2031, 1, 6, 10, 0, tzinfo=dt.UTC)
    swap = SwapFactory(responder=me, scheduled_start=start, title="Zoned")
    client.force_login(me)
    # when
    html = client.get("/ar/me/").content.decode()
    # then: 10:00 UTC is 12:00 in Cairo
    assert 'dir="rtl"' in html
    assert swap.title in html
    assert "2031-01-06T12:00:00+02:00" in html


def test_the_query_count_does_not_grow_in_either_language(client, django_assert_num_queries):
    # given a member with one of everything, whose first visits warmed the caches
    me = funded_user(10)
    dashboard_filled(me, rounds=1, slug_prefix="page")
    client.force_login(me)
    few = {}
    for language in ("en", "ar"):
        assert client.get(f"/{language}/me/").status_code == 200
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/{language}/me/")
        few[language] = len(captured.captured_queries)
    # and then several of everything
    dashboard_filled(me, rounds=4, slug_prefix="page")
    for language in ("en", "ar"):
        # when / then
        with django_assert_num_queries(few[language]):
            response = client.get(f"/{language}/me/")
        assert response.status_code == 200
        assert response.content.decode().count('class="swap-row session-row"') == 5
