"""Property: whatever JSON a member sends to the swap and points endpoints, the answer is never a
500, and a refusal changes nothing (no swap, no booking, no ledger movement)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchanges.models import SessionBooking, Swap
from rewards.models import Transfer
from tests.exchanges.factories import expert
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db

# Values at the edges: huge, negative, far dates, text with control and bidi characters.
EDGE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.sampled_from(
        [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2030-02-30T10:00:00Z",
            "2030-01-01T10:00:00+14:00",
            "\u202e\x00",
            "",
            "video",
            "points",
        ]
    ),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
)
FIELDS = st.sampled_from(
    [
        "responder_id",
        "responder",
        "requestor",
        "offer_id",
        "kind",
        "points_amount",
        "title",
        "scheduled_start",
        "scheduled_end",
        "scheduled_time",
        "duration_minutes",
        "session_type",
        "mode",
        "to_user_id",
        "meeting_id",
        "amount",
        "note",
        "skill_id",
    ]
)
BODIES = st.dictionaries(FIELDS, EDGE_VALUES, max_size=6)
PATHS = st.sampled_from(
    [
        "/api/v1/swaps/",
        "/api/v1/meetings/",
        "/api/v1/sessions/",
        "/api/v1/points/orders/",
        "/api/v1/points/transfer/",
        "/api/v1/credits/transfer/",
    ]
)


def _state() -> tuple:
    return (
        Swap.objects.count(),
        SessionBooking.objects.count(),
        Transfer.objects.count(),
        balances(),
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=PATHS, body=BODIES)
def test_no_input_is_a_server_error_and_refusals_change_nothing(make_auth_client, path, body):
    # given a funded member (and an expert to ask), fresh for each example
    member = funded_user(20)
    expert()
    before = _state()

    # when
    response = make_auth_client(member).post(path, body, format="json")

    # then
    assert response.status_code < 500, (path, body, response.content)
    if response.status_code >= 400:
        assert _state() == before, (path, body)
        assert set(response.json()["error"]) >= {"code", "message", "fields"}
