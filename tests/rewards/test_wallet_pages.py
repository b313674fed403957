"""The wallet page: balance, escrow and a paginated history, for its owner only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchanges import services as exchanges_services
from rewards.services import points_grant
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert
from tests.rewards.factories import funded_user, granter

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_localized_login(client):
    # when
    response = client.get("/ar/me/wallet/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/ar/accounts/login/?next=/ar/me/wallet/"


def test_wallet_shows_balance_escrow_and_history(client):
    # given: 100 points, 30 of them held for an accepted paid session
    me = funded_user(100)
    swap = exchanges_services.swap_create(
        requester=me, responder=expert(), scheduled_start=at(48), kind="points", points_amount=30
    )
    exchanges_services.swap_accept(swap=swap, actor=swap.responder)
    client.force_login(me)
    # when
    response = client.get("/en/me/wallet/")
    # then
    assert response.status_code == 200
    assert response.context["summary"].balance == 70
    assert response.context["summary"].held_in_escrow == 30
    amounts = [row["entry"].amount for row in response.context["rows"]]
    assert amounts == [-30, 100]


def test_wallet_shows_only_the_owners_entries(client):
    # given
    funded_user(50)
    me = UserFactory()
    client.force_login(me)
    # when
    response = client.get("/en/me/wallet/")
    # then
    assert response.context["rows"] == []
    assert response.context["summary"].balance == 0
    assert "No points have moved yet." in response.content.decode()


def test_wallet_query_count_does_not_grow(client, django_assert_num_queries):
    # given
    me = funded_user(10)
    client.force_login(me)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/me/wallet/")
    staff = granter()
    for _ in range(8):
        points_grant(user=me, amount=5, reason="test funding", granted_by=staff)
    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/en/me/wallet/")
    assert len(response.context["rows"]) == 9


def test_wallet_is_paginated(client):
    # given
    me = funded_user(1)
    staff = granter()
    for _ in range(26):
        points_grant(user=me, amount=1, reason="test funding", granted_by=staff)
    client.force_login(me)
    # when
    first = client.get("/en/me/wallet/")
    second = client.get("/en/me/wallet/?page=2")
    # then
    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 2
    assert 'rel="next"' in first.content.decode()


def test_arabic_wallet_is_rtl(client):
    # given
    client.force_login(funded_user(5))
    # when
    response = client.get("/ar/me/wallet/")
    # then
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
