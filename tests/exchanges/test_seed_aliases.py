"""The seeds' names for swaps and points, served over the same services (docs/api.md, seed aliases).

Seed 000: ``POST swaps/`` with ``requestor``/``responder``/``scheduled_time``. Seed 002:
``points/orders/``. Seed 003: ``credits/balance/``, ``credits/transfer/`` (and ``points/transfer/``
with a ``meeting_id``). Every refusal leaves nothing changed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from exchanges import services
from exchanges.models import Swap
from rewards.models import Transfer
from rewards.selectors import wallet_balance
from tests.accounts.factories import UserFactory
from tests.exchanges.conftest import snapshot
from tests.exchanges.factories import OfferFactory, SwapFactory, at, expert
from tests.rewards.factories import balances, funded_user

pytestmark = pytest.mark.django_db

AR = {"HTTP_ACCEPT_LANGUAGE": "ar"}


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- seed 000: swaps/ with requestor, responder, scheduled_time ---------------------------------


def test_seed_000_swap_request_with_its_own_names(make_auth_client):
    # given
    requestor, responder = UserFactory(), expert()
    start = at(30)

    # when
    response = make_auth_client(requestor).post(
        "/api/v1/swaps/",
        {"requestor": requestor.pk, "responder": responder.pk, "scheduled_time": iso(start)},
        format="json",
    )

    # then the swap lasts the default session length and reads back under seed 000's names too
    assert response.status_code == 201, response.json()
    body = response.json()
    end = start + dt.timedelta(minutes=settings.EXCHANGES_DEFAULT_SESSION_MINUTES)
    assert (body["requestor"], body["responder"]["id"], body["status"]) == (
        requestor.pk,
        responder.pk,
        "pending",
    )
    assert (body["scheduled_time"], body["scheduled_start"], body["scheduled_end"]) == (
        iso(start),
        iso(start),
        iso(end),
    )
    swap = Swap.objects.get(pk=body["id"])
    assert (swap.requester, swap.responder, swap.scheduled_end) == (requestor, responder, end)


def test_seed_000_requestor_must_be_the_caller(make_auth_client):
    # given
    caller, someone_else, responder = UserFactory(), UserFactory(), expert()

    # when
    response = make_auth_client(caller).post(
        "/api/v1/swaps/",
        {"requestor": someone_else.pk, "responder": responder.pk, "scheduled_time": iso(at(30))},
        format="json",
        **AR,
    )

    # then
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["requestor"]
    assert Swap.objects.count() == 0


def test_seed_000_responder_and_responder_id_must_agree(make_auth_client):
    caller, one, other = UserFactory(), expert(), expert()

    response = make_auth_client(caller).post(
        "/api/v1/swaps/",
        {"responder": one.pk, "responder_id": other.pk, "scheduled_time": iso(at(30))},
        format="json",
        **AR,
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "responder": ["أرسل responder_id أو responder، وليس كليهما."]
    }
    assert Swap.objects.count() == 0


def test_seed_000_put_with_scheduled_time_proposes_the_new_time(make_auth_client):
    # given
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    new_start = at(40)

    # when
    response = make_auth_client(swap.requester).put(
        f"/api/v1/swaps/{swap.pk}/", {"scheduled_time": iso(new_start)}, format="json"
    )

    # then
    assert response.status_code == 200, response.json()
    assert response.json()["proposed_start"] == iso(new_start)
    swap.refresh_from_db()
    assert swap.proposed_start == new_start


def test_a_swap_request_without_any_start_names_scheduled_start(make_auth_client):
    response = make_auth_client(UserFactory()).post(
        "/api/v1/swaps/", {"responder": expert().pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["scheduled_start"]
    assert Swap.objects.count() == 0


# --- every scheduling field is bounded ----------------------------------------------------------

FAR = "9999-12-31T23:59:59Z"
SOON = "2030-01-01T10:00:00Z"


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/swaps/", {"scheduled_start": FAR}, "scheduled_start"),
        ("/api/v1/swaps/", {"scheduled_time": FAR}, "scheduled_time"),
        (
            "/api/v1/swaps/",
            {"scheduled_start": "2030-01-01T10:00Z", "scheduled_end": FAR},
            "scheduled_end",
        ),
        ("/api/v1/meetings/", {"scheduled_start": FAR}, "scheduled_start"),
        ("/api/v1/sessions/", {"scheduled_at": FAR}, "scheduled_at"),
        ("/api/v1/points/orders/", {"scheduled_start": FAR}, "scheduled_start"),
    ],
)
def test_a_far_future_time_on_a_request_is_a_400_on_the_field(
    make_auth_client, path, payload, field
):
    # given
    responder = expert()
    offer = OfferFactory(owner=responder, price_points=5)
    body = {**payload, "responder_id": responder.pk, "expert_id": responder.pk}
    body = {key: value for key, value in body.items() if _known(path, key)}
    if path.endswith("orders/"):
        body = {**payload, "skill_id": offer.pk}
    if path.endswith("sessions/"):
        body = {**payload, "friend_id": responder.pk}

    # when
    response = make_auth_client(funded_user(50)).post(path, body, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert Swap.objects.count() == 0


def _known(path: str, key: str) -> bool:
    if key == "expert_id":
        return path.endswith("meetings/")
    if key == "responder_id":
        return path.endswith("swaps/")
    return True


@pytest.mark.parametrize(
    ("method", "suffix", "payload", "field"),
    [
        ("post", "reschedule", {"scheduled_start": FAR}, "scheduled_start"),
        ("post", "reschedule", {"proposed_start": FAR}, "proposed_start"),
        ("patch", "", {"scheduled_start": FAR}, "scheduled_start"),
        ("put", "", {"scheduled_time": FAR}, "scheduled_time"),
        ("patch", "", {"proposed_end": FAR}, "proposed_end"),
    ],
)
def test_a_far_future_time_on_a_swap_change_is_a_400_and_changes_nothing(
    make_auth_client, method, suffix, payload, field
):
    # given
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    before = snapshot(swap)
    path = f"/api/v1/swaps/{swap.pk}/{suffix}" if suffix else f"/api/v1/swaps/{swap.pk}/"

    # when
    response = getattr(make_auth_client(swap.requester), method)(path, payload, format="json")

    # then
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert snapshot(swap) == before


def test_a_far_future_time_on_a_session_change_is_a_400(make_auth_client):
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(30))
    before = snapshot(swap)

    response = make_auth_client(swap.requester).patch(
        f"/api/v1/sessions/{swap.pk}/", {"scheduled_at": FAR}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["scheduled_at"]
    assert snapshot(swap) == before


@pytest.mark.parametrize("path", ["/api/v1/swaps/", "/api/v1/meetings/", "/api/v1/sessions/"])
@pytest.mark.parametrize("value", ["9999-12-31", FAR, "0001-01-01"])
@pytest.mark.parametrize("name", ["date_after", "date_before"])
def test_a_date_filter_at_the_edge_of_the_calendar_is_a_400(make_auth_client, path, value, name):
    response = make_auth_client(UserFactory()).get(path, {name: value})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [name]


@pytest.mark.parametrize("name", ["date_after", "date_before"])
def test_a_points_history_filter_at_the_edge_of_the_calendar_is_a_400(make_auth_client, name):
    response = make_auth_client(UserFactory()).get(
        "/api/v1/points/transactions/", {name: "9999-12-31"}
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [name]


# --- unknown fields are refused, never dropped ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/swaps/", {"scheduled_strat": "2030-01-01T10:00:00Z"}),
        ("/api/v1/meetings/", {"scheduled_strat": "2030-01-01T10:00:00Z"}),
        ("/api/v1/sessions/", {"scheduled_strat": "2030-01-01T10:00:00Z"}),
        ("/api/v1/points/orders/", {"scheduled_strat": "2030-01-01T10:00:00Z"}),
        ("/api/v1/points/transfer/", {"scheduled_strat": "x", "amount": 1}),
        ("/api/v1/video-calls/", {"scheduled_strat": "x", "swap_id": 1}),
    ],
)
def test_an_unknown_field_is_a_400_naming_it(make_auth_client, path, payload):
    client = make_auth_client(funded_user(10))
    before = (Swap.objects.count(), balances())

    response = client.post(path, payload, format="json", **AR)

    assert response.status_code == 400
    assert "scheduled_strat" in response.json()["error"]["fields"]
    assert (Swap.objects.count(), balances()) == before


def test_free_text_is_cleaned_on_the_way_in(make_auth_client):
    responder = expert()

    response = make_auth_client(UserFactory()).post(
        "/api/v1/swaps/",
        {
            "responder_id": responder.pk,
            "scheduled_start": iso(at(30)),
            "title": "if a<b and c>d \u202eevil",
        },
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["title"] == "if a<b and c>d evil"


# --- seed 003: credits/balance, credits/transfer, points/transfer for a meeting ----------------


def test_credits_balance_is_the_points_balance_in_seed_003_shape(make_auth_client):
    member = funded_user(5)
    client = make_auth_client(member)

    credits = client.get("/api/v1/credits/balance/")
    points = client.get("/api/v1/points/balance/")

    assert credits.status_code == 200
    assert credits.json() == points.json()
    assert {"id", "user", "balance", "updated_at"} <= set(credits.json())
    assert credits.json()["balance"] == 5


def test_seed_003_credits_transfer_for_a_meeting_pays_the_expert(make_auth_client):
    # given a meeting between the member and an expert
    member, jane = funded_user(5), expert()
    swap = SwapFactory(requester=member, responder=jane)

    # when the member sends seed 003's body
    response = make_auth_client(member).post(
        "/api/v1/credits/transfer/", {"meeting_id": swap.pk, "amount": 1}, format="json"
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["success"], body["message"], body["new_balance"]) == (
        True,
        "1 credit(s) transferred successfully",
        4,
    )
    assert (body["transfer"]["to_user_id"], body["transfer"]["reference"]) == (
        jane.pk,
        f"swap:{swap.pk}",
    )
    assert body["transfer"]["reason"] == "tip"
    assert wallet_balance(user=jane) == 1


def test_points_transfer_with_swap_id_and_the_right_recipient(make_auth_client):
    member, jane = funded_user(5), expert()
    swap = SwapFactory(requester=jane, responder=member)

    response = make_auth_client(member).post(
        "/api/v1/points/transfer/",
        {"swap_id": swap.pk, "to_user_id": jane.pk, "amount": 2},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["message"] == "2 point(s) transferred successfully"
    assert wallet_balance(user=jane) == 2


def test_a_transfer_for_a_meeting_to_someone_else_is_a_400_and_moves_nothing(make_auth_client):
    member, jane, stranger = funded_user(5), expert(), UserFactory()
    swap = SwapFactory(requester=member, responder=jane)
    before, transfers = balances(), Transfer.objects.count()

    response = make_auth_client(member).post(
        "/api/v1/points/transfer/",
        {"meeting_id": swap.pk, "to_user_id": stranger.pk, "amount": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "to_user_id": ["This member is not the other party of the swap."]
    }
    assert (balances(), Transfer.objects.count()) == (before, transfers)


@pytest.mark.parametrize("path", ["/api/v1/points/transfer/", "/api/v1/credits/transfer/"])
def test_a_transfer_for_someone_elses_meeting_is_404_in_arabic(make_auth_client, path):
    # given a swap between two other members
    member = funded_user(5)
    swap = SwapFactory(requester=UserFactory(), responder=expert())
    before, transfers = balances(), Transfer.objects.count()

    # when
    response = make_auth_client(member).post(
        path, {"meeting_id": swap.pk, "amount": 1}, format="json", **AR
    )

    # then
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "لا يوجد تبادل كهذا."
    assert (balances(), Transfer.objects.count()) == (before, transfers)


# --- seed 002: points/orders --------------------------------------------------------------------


def _order_keys() -> set[str]:
    return {
        "id",
        "buyer_id",
        "buyer_name",
        "seller_id",
        "seller_name",
        "skill_id",
        "title",
        "status",
        "price_in_points",
        "scheduled_start",
        "scheduled_end",
        "notes",
        "my_role",
        "allowed_actions",
        "created_at",
        "updated_at",
    }


def test_seed_002_order_flow_request_accept(make_auth_client):
    # given a listing at 20 points and a buyer with 50
    seller = expert()
    listing = OfferFactory(owner=seller, price_points=20)
    buyer = funded_user(50)
    buyer_client, seller_client = make_auth_client(buyer), make_auth_client(seller)

    # when the buyer orders it with seed 002's body (no time: the seller's next free slot)
    created = buyer_client.post("/api/v1/points/orders/", {"skill_id": listing.pk}, format="json")

    # then
    assert created.status_code == 201, created.json()
    order = created.json()
    assert set(order) == _order_keys()
    assert (order["buyer_id"], order["seller_id"], order["skill_id"]) == (
        buyer.pk,
        seller.pk,
        listing.pk,
    )
    assert (order["status"], order["price_in_points"], order["my_role"]) == ("pending", 20, "buyer")
    swap = Swap.objects.get(pk=order["id"])
    assert swap.kind == Swap.Kind.POINTS
    assert swap.scheduled_start > at(1) - dt.timedelta(minutes=1)

    # and both see it in their lists and in its detail
    assert [o["id"] for o in buyer_client.get("/api/v1/points/orders/").json()["results"]] == [
        swap.pk
    ]
    sold = seller_client.get("/api/v1/points/orders/", {"role": "seller"}).json()["results"]
    assert [(o["id"], o["my_role"]) for o in sold] == [(swap.pk, "seller")]
    assert buyer_client.get(f"/api/v1/points/orders/{swap.pk}/").json()["id"] == swap.pk

    # when the seller accepts by status (seed 002's PUT)
    accepted = seller_client.put(
        f"/api/v1/points/orders/{swap.pk}/", {"status": "accepted"}, format="json"
    )

    # then the price is held in escrow
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert wallet_balance(user=buyer) == 30


def test_an_order_move_out_of_turn_is_409_in_arabic_and_changes_nothing(make_auth_client):
    # given a pending order
    seller = expert()
    listing = OfferFactory(owner=seller, price_points=20)
    buyer = funded_user(50)
    order = make_auth_client(buyer).post(
        "/api/v1/points/orders/",
        {"skill": listing.pk, "scheduled_start": iso(at(30))},
        format="json",
    )
    assert order.status_code == 201, order.json()
    swap = Swap.objects.get(pk=order.json()["id"])
    before = snapshot(swap)

    # when the buyer tries to accept their own order
    response = make_auth_client(buyer).put(
        f"/api/v1/points/orders/{swap.pk}/", {"status": "accepted"}, format="json", **AR
    )

    # then
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "هذه الخطوة للمستجيب وحده."
    assert snapshot(swap) == before


def test_an_order_needs_money_and_a_listing(make_auth_client):
    # given a listing the buyer cannot afford
    listing = OfferFactory(owner=expert(), price_points=20)
    poor = funded_user(5)

    no_listing = make_auth_client(poor).post("/api/v1/points/orders/", {}, format="json")
    too_poor = make_auth_client(poor).post(
        "/api/v1/points/orders/", {"skill_id": listing.pk}, format="json"
    )

    assert no_listing.status_code == 400
    assert list(no_listing.json()["error"]["fields"]) == ["skill_id"]
    assert too_poor.status_code == 409
    assert too_poor.json()["error"]["code"] == "insufficient_balance"
    assert Swap.objects.count() == 0


def test_a_skill_for_skill_swap_is_not_an_order(make_auth_client):
    swap = SwapFactory()

    response = make_auth_client(swap.requester).get(f"/api/v1/points/orders/{swap.pk}/")

    assert response.status_code == 404


# --- the schema documents the aliases ---------------------------------------------------------


def test_the_schema_documents_every_alias(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    paths, components = schema["paths"], schema["components"]["schemas"]

    assert {"get", "post"} <= set(paths["/api/v1/points/orders/"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/points/orders/{id}/"])
    assert paths["/api/v1/credits/balance/"]["get"]["operationId"] == "credits_balance"
    assert paths["/api/v1/credits/transfer/"]["post"]["operationId"] == "credits_transfer"
    assert paths["/api/v1/points/transfer/"]["post"]["operationId"] == "points_transfer"
    assert {"requestor", "responder", "scheduled_time"} <= set(
        components["SwapCreateInputRequest"]["properties"]
    )
    assert {"requestor", "scheduled_time"} <= set(components["Swap"]["properties"])
    assert {"skill_id", "skill"} <= set(components["OrderCreateInputRequest"]["properties"])
    assert {"meeting_id", "swap_id", "to_user_id"} <= set(
        components["TransferInputRequest"]["properties"]
    )
