"""POST points/transfer/ reads no more than it needs (docs/benchmarks.md, "Reads and serving"):
the recipient as a reference (its id only), the payer's new balance from the ledger statement's
own answer, not from a second read of the wallet."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import active_member_ref
from rewards.models import LedgerAccount, Transfer
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/points/transfer/"


@pytest.fixture
def member():
    return funded_user(10)


@pytest.fixture
def client(make_auth_client, member):
    return make_auth_client(member)


def _wallet_reads(queries: CaptureQueriesContext) -> list[str]:
    table = LedgerAccount._meta.db_table
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_the_new_balance_comes_from_the_movement_not_a_second_read(client, member):
    # given
    bob = funded_user(0)

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, {"to_user_id": bob.pk, "amount": 3})

    # then
    assert response.status_code == 201
    assert response.json()["new_balance"] == 7 == wallet_balance(user=member)
    user_reads = [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(user_reads) == 2  # the caller (JWT) and the recipient's id
    if connection.vendor == "postgresql":
        assert _wallet_reads(queries) == []  # one ledger statement, no balance re-read


def test_a_replayed_transfer_answers_the_balance_now(client, member):
    # given: a transfer, then the member spends elsewhere
    bob, carol = funded_user(0), funded_user(0)
    first = client.post(URL, {"to_user_id": bob.pk, "amount": 2}, HTTP_IDEMPOTENCY_KEY="k-1")
    client.post(URL, {"to_user_id": carol.pk, "amount": 5})

    # when
    again = client.post(URL, {"to_user_id": bob.pk, "amount": 2}, HTTP_IDEMPOTENCY_KEY="k-1")

    # then
    assert first.json()["new_balance"] == 8
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["new_balance"] == 3 == wallet_balance(user=member)


def test_credits_transfer_says_credits(make_auth_client, member):
    # given
    bob = funded_user(0)

    # when
    response = make_auth_client(member).post(
        "/api/v1/credits/transfer/", {"receiver_id": bob.pk, "amount": 1}
    )

    # then
    assert response.status_code == 201
    assert response.json()["message"] == "1 credit(s) transferred successfully"
    assert response.json()["new_balance"] == 9


@pytest.mark.parametrize("to_user_id", [2**63, 10**30])
def test_a_recipient_id_beyond_the_database_range_is_400_and_moves_nothing(client, to_user_id):
    # given
    before, transfers = balances(), Transfer.objects.count()

    # when
    response = client.post(URL, {"to_user_id": to_user_id, "amount": 1})

    # then
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "to_user_id": ["There is no active member with this id."]
    }
    assert balances() == before
    assert Transfer.objects.count() == transfers


def test_active_member_ref_loads_only_the_id_and_the_rest_on_use():
    # given
    ann = UserFactory(first_name="Ann")

    # when
    ref = active_member_ref(user_id=ann.pk)

    # then
    assert ref is not None
    assert ref.pk == ann.pk
    assert ref.get_deferred_fields() >= {"first_name", "email"}
    assert ref.first_name == "Ann"  # loaded on first use
    assert active_member_ref(user_id=ann.pk + 1000) is None
