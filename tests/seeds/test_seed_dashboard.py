"""Seed 001's dashboard app as its client calls it: ``GET dashboard/`` with the bearer token, with
or without the trailing slash (docs/api.md, seed aliases)."""

from __future__ import annotations

import pytest

from exchanges.models import Swap
from tests.dashboards.factories import pending_request, upcoming_session
from tests.exchanges.factories import expert
from tests.seeds.helpers import body, url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["dashboard/", "dashboard"])
def test_seed_001_reads_the_callers_dashboard(client_for, member, path):
    # given John's session with an expert and a request waiting for him
    teacher = expert(first_name="Jane", last_name="Smith")
    session = upcoming_session(member, hours=26, responder=teacher)
    waiting = pending_request(requester=teacher, responder=member, title="Teach me chess")

    # when his client opens the dashboard
    response = client_for(member).get(url(path))

    # then
    assert response.status_code == 200
    dashboard = body(response)
    assert [(row["id"], row["other_party"]["name"]) for row in dashboard["upcoming_sessions"]] == [
        (session.pk, "Jane Smith")
    ]
    assert [row["id"] for row in dashboard["pending_requests"]["incoming"]] == [waiting.pk]
    assert dashboard["balance"]["balance"] == 0
    assert dashboard["rating"] == {"average": 0.0, "count": 0}
    assert Swap.objects.count() == 2


def test_seed_001_without_a_token_is_refused_in_the_error_shape(client_for):
    # when
    response = client_for(None).get(url("dashboard/"))
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
