"""The lists the seed aliases add run a constant number of queries, whatever the page holds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchanges.models import Swap
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import SwapFactory
from tests.marketplace.factories import UserSkillFactory, make_offer
from tests.messaging.factories import pair_thread, send
from tests.seeds.helpers import url

pytestmark = pytest.mark.django_db


def _queries(client, path: str) -> tuple[int, int]:
    """(queries run, rows listed) for one GET of ``path``."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(path))
    assert response.status_code == 200, response.content
    return len(captured), response.json()["count"]


@pytest.mark.parametrize("path", ["skills/", "chat/rooms/", "points/orders/", "user-skills/"])
def test_an_alias_list_costs_the_same_for_two_rows_and_for_six(client_for, member, path):
    # given two rows of each kind, counted once warm
    def add_rows(count: int) -> None:
        for _ in range(count):
            other = UserFactory()
            make_offer(owner=member, offered=None)
            send(pair_thread(member, other), other, "hi")
            SwapFactory(requester=member, kind=Swap.Kind.POINTS, points_amount=5)
            UserSkillFactory(user=member)

    client = client_for(member)
    add_rows(2)
    _queries(client, path)
    two = _queries(client, path)

    # when the page holds three times as many
    add_rows(4)
    six = _queries(client, path)

    # then the queries do not grow with the rows
    assert (six[1], two[1]) == (6, 2)
    assert six[0] == two[0]
