"""swaps/, meetings/ and sessions/: one set of swaps, three vocabularies, the same rules."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from exchanges import services
from exchanges.models import SessionBooking, Swap
from rewards.models import Transfer
from rewards.selectors import escrow_held, wallet_balance
from tests.accounts.factories import UserFactory
from tests.exchanges.conftest import ledger_ok, snapshot
from tests.exchanges.factories import CategoryFactory, OfferFactory, SwapFactory, at, expert
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db

S = Swap.Status


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def pending(requester=None, responder=None, **fields) -> Swap:
    return services.swap_create(
        requester=requester or UserFactory(),
        responder=responder or expert(),
        scheduled_start=fields.pop("scheduled_start", at(30)),
        **fields,
    )


def accepted(requester=None, responder=None, **fields) -> Swap:
    swap = pending(requester, responder, **fields)
    return services.swap_accept(swap=swap, actor=swap.responder)


# --- swaps/ ----------------------------------------------------------------------------------


def test_request_a_paid_swap_from_an_offer(make_auth_client):
    # given
    offer = OfferFactory(price_points=30, session_minutes=45)
    requester = funded_user(100)
    client = make_auth_client(requester)
    start = at(30)

    # when
    response = client.post(
        "/api/v1/swaps/",
        {"offer_id": offer.pk, "scheduled_start": iso(start), "session_type": "voice"},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    assert body["kind"] == "points"
    assert body["points_amount"] == 30
    assert body["requester"] == {"id": requester.pk, "name": requester.public_name}
    assert body["responder"]["id"] == offer.owner_id
    assert body["offer_id"] == offer.pk
    assert body["category"] == {"id": offer.category_id, "name": offer.category.name}
    assert body["session_type"] == "voice"
    assert body["scheduled_start"] == iso(start)
    assert body["scheduled_end"] == iso(start + dt.timedelta(minutes=45))
    assert body["duration_minutes"] == 45
    assert body["my_role"] == "requester"
    assert body["allowed_actions"] == ["cancel", "reschedule"]


def test_request_outside_availability_is_a_400_with_the_field(auth_client):
    response = auth_client.post(
        "/api/v1/swaps/",
        {"responder_id": UserFactory().pk, "scheduled_start": iso(at(30))},
        format="json",
    )

    assert response.status_code == 400
    assert "scheduled_start" in response.json()["error"]["fields"]
    assert Swap.objects.count() == 0


def test_request_needs_a_responder_or_an_offer(auth_client):
    response = auth_client.post("/api/v1/swaps/", {"scheduled_start": iso(at(30))}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["responder_id"]


def test_swaps_are_private_to_their_parties(make_auth_client):
    swap = pending()

    outsider = make_auth_client(UserFactory())

    assert outsider.get(f"/api/v1/swaps/{swap.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/swaps/{swap.pk}/accept").status_code == 404
    assert (
        outsider.patch(f"/api/v1/swaps/{swap.pk}/", {"notes": "x"}, format="json").status_code
        == 404
    )
    assert outsider.get("/api/v1/swaps/").json()["count"] == 0
    assert Swap.objects.get(pk=swap.pk).notes == ""


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/swaps/").status_code == 401


def test_accept_by_the_responder_and_409_for_anyone_else(make_auth_client):
    # given
    swap = pending()
    before = snapshot(swap)

    # when the requester tries to accept their own request
    refused = make_auth_client(swap.requester).post(f"/api/v1/swaps/{swap.pk}/accept")

    # then
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["current_status"] == "pending"
    assert error["allowed_actions"] == ["cancel", "reschedule"]
    assert snapshot(swap) == before

    # when the responder accepts (without a trailing slash)
    response = make_auth_client(swap.responder).post(f"/api/v1/swaps/{swap.pk}/accept")

    # then
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["allowed_actions"] == ["cancel", "reschedule"]


@pytest.mark.parametrize("action", ["reject", "cancel"])
def test_reject_and_cancel_take_a_reason(make_auth_client, action):
    swap = pending()
    actor = swap.responder if action == "reject" else swap.requester

    response = make_auth_client(actor).post(
        f"/api/v1/swaps/{swap.pk}/{action}/", {"reason": "Busy week"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == {"reject": "rejected", "cancel": "cancelled"}[action]
    assert response.json()["cancellation_reason"] == "Busy week"


def test_reschedule_then_accept_reschedule(make_auth_client):
    swap = accepted()
    new_start = at(90)

    proposed = make_auth_client(swap.requester).post(
        f"/api/v1/swaps/{swap.pk}/reschedule", {"scheduled_start": iso(new_start)}, format="json"
    )
    assert proposed.status_code == 200
    assert proposed.json()["proposed_start"] == iso(new_start)
    assert proposed.json()["proposed_by_id"] == swap.requester_id

    responder = make_auth_client(swap.responder)
    assert (
        "accept_reschedule" in responder.get(f"/api/v1/swaps/{swap.pk}/").json()["allowed_actions"]
    )
    moved = responder.post(f"/api/v1/swaps/{swap.pk}/accept-reschedule")

    assert moved.status_code == 200
    assert moved.json()["scheduled_start"] == iso(new_start)
    assert moved.json()["proposed_start"] is None


def test_decline_reschedule(make_auth_client):
    swap = accepted()
    services.swap_reschedule(swap=swap, actor=swap.responder, start=at(90))

    response = make_auth_client(swap.requester).post(f"/api/v1/swaps/{swap.pk}/decline-reschedule")

    assert response.status_code == 200
    assert response.json()["proposed_start"] is None
    assert response.json()["scheduled_start"] == iso(swap.scheduled_start)


def test_dispute_needs_a_reason(make_auth_client):
    swap = accepted()
    Swap.objects.filter(pk=swap.pk).update(scheduled_start=at(-2), scheduled_end=at(-1))

    response = make_auth_client(swap.requester).post(
        f"/api/v1/swaps/{swap.pk}/dispute", {}, format="json"
    )

    assert response.status_code == 400
    assert Swap.objects.get(pk=swap.pk).status == S.ACCEPTED


def test_put_with_status_goes_through_the_state_machine(make_auth_client):
    # given seed 000/001 clients that PUT the status
    swap = pending()

    # when the requester PUTs accepted
    refused = make_auth_client(swap.requester).put(
        f"/api/v1/swaps/{swap.pk}/", {"status": "accepted"}, format="json"
    )

    # then it is the same 409 as the named action
    assert refused.status_code == 409
    assert refused.json()["error"]["current_status"] == "pending"

    # when the responder PUTs accepted
    response = make_auth_client(swap.responder).put(
        f"/api/v1/swaps/{swap.pk}/", {"status": "accepted", "notes": "See you"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["notes"] == "See you"
    assert SessionBooking.objects.filter(swap=swap).count() == 2


def test_patch_rejected(make_auth_client):
    swap = pending()

    response = make_auth_client(swap.responder).patch(
        f"/api/v1/swaps/{swap.pk}/", {"status": "rejected"}, format="json"
    )

    assert response.status_code == 200
    assert Swap.objects.get(pk=swap.pk).status == S.REJECTED


def test_patch_scheduled_start_proposes_a_reschedule(make_auth_client):
    swap = pending()
    new_start = at(70)

    response = make_auth_client(swap.requester).patch(
        f"/api/v1/swaps/{swap.pk}/", {"scheduled_start": iso(new_start)}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["scheduled_start"] == iso(swap.scheduled_start)
    assert body["proposed_start"] == iso(new_start)
    assert body["proposed_end"] == iso(new_start + dt.timedelta(hours=1))


def test_patch_unknown_status_is_400(make_auth_client):
    swap = pending()

    response = make_auth_client(swap.responder).patch(
        f"/api/v1/swaps/{swap.pk}/", {"status": "teleported"}, format="json"
    )

    assert response.status_code == 400
    assert Swap.objects.get(pk=swap.pk).status == S.PENDING


def test_a_points_swap_walked_through_by_http_moves_the_points_once(make_auth_client):
    # given
    requester = funded_user(100)
    offer = OfferFactory(price_points=35)
    alice, bob = make_auth_client(requester), make_auth_client(offer.owner)
    swap_id = alice.post(
        "/api/v1/swaps/", {"offer_id": offer.pk, "scheduled_start": iso(at(30))}, format="json"
    ).json()["id"]

    # when accepted (twice: a retried request)
    assert bob.post(f"/api/v1/swaps/{swap_id}/accept").status_code == 200
    assert bob.post(f"/api/v1/swaps/{swap_id}/accept").status_code == 409

    # then the price is in escrow once
    assert wallet_balance(user=requester) == 65
    assert escrow_held(reference=f"swap:{swap_id}") == 35
    ledger_ok()

    # when the session has happened and both mark it complete (and retry)
    Swap.objects.filter(pk=swap_id).update(scheduled_start=at(-2), scheduled_end=at(-1))
    assert bob.post(f"/api/v1/swaps/{swap_id}/complete").status_code == 200
    assert alice.post(f"/api/v1/swaps/{swap_id}/complete").status_code == 200
    assert alice.post(f"/api/v1/swaps/{swap_id}/complete").status_code == 409
    assert bob.post(f"/api/v1/swaps/{swap_id}/complete").status_code == 409

    # then the responder was paid exactly once
    assert wallet_balance(user=offer.owner) == 35
    assert wallet_balance(user=requester) == 65
    assert escrow_held(reference=f"swap:{swap_id}") == 0
    assert Transfer.objects.filter(reference=f"swap:{swap_id}").count() == 2
    ledger_ok()


# --- filters, search, ordering ---------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_swap_filters(make_auth_client):
    me = UserFactory()
    from tests.exchanges.factories import always_available

    always_available(me)
    mine_requested = pending(requester=me, scheduled_start=at(30), session_type="video")
    mine_received = pending(
        responder=me, scheduled_start=at(60), session_type="text", title="Arabic calligraphy"
    )
    done = SwapFactory(
        requester=me, status=S.COMPLETED, scheduled_start=at(-48), scheduled_end=at(-47)
    )
    pending()  # someone else's
    client = make_auth_client(me)

    assert sorted(_ids(client.get("/api/v1/swaps/"))) == sorted(
        [mine_requested.pk, mine_received.pk, done.pk]
    )
    assert _ids(client.get("/api/v1/swaps/?role=responder")) == [mine_received.pk]
    assert sorted(_ids(client.get("/api/v1/swaps/?role=requester"))) == sorted(
        [mine_requested.pk, done.pk]
    )
    assert _ids(client.get("/api/v1/swaps/?status=completed")) == [done.pk]
    assert sorted(_ids(client.get("/api/v1/swaps/?status=pending,completed"))) == sorted(
        [mine_requested.pk, mine_received.pk, done.pk]
    )
    assert _ids(client.get("/api/v1/swaps/?type=text")) == [mine_received.pk]
    day = at(60).date().isoformat()
    assert _ids(client.get(f"/api/v1/swaps/?date_after={day}&date_before={day}")) == [
        mine_received.pk
    ]
    assert _ids(client.get(f"/api/v1/swaps/?date_before={iso(at(-1))}")) == [done.pk]
    assert _ids(client.get("/api/v1/swaps/?ordering=scheduled_start")) == [
        done.pk,
        mine_requested.pk,
        mine_received.pk,
    ]
    assert _ids(client.get("/api/v1/swaps/?search=calligraphy")) == [mine_received.pk]
    assert client.get("/api/v1/swaps/?status=nonsense").status_code == 400
    assert client.get("/api/v1/swaps/?date_after=yesterday").status_code == 400


def test_swap_list_query_count_is_constant(make_auth_client, django_assert_max_num_queries):
    me = UserFactory()
    category = CategoryFactory()
    for _ in range(12):
        SwapFactory(requester=me, category=category)
    client = make_auth_client(me)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/swaps/?page_size=50")
    assert response.json()["count"] == 12


# --- meetings/ (seed 003) --------------------------------------------------------------------


def test_meetings_speak_seed_003(make_auth_client):
    # given
    category = CategoryFactory(name_en="Software Development")
    requester = UserFactory(first_name="John", last_name="Doe")
    jane = expert(first_name="Jane", last_name="Smith")
    client = make_auth_client(requester)
    start = at(30)

    # when
    created = client.post(
        "/api/v1/meetings/",
        {
            "title": "Python Debugging Session",
            "description": "Need help with a complex debugging issue",
            "expert_id": jane.pk,
            "category_id": category.pk,
            "scheduled_start": iso(start),
            "scheduled_end": iso(start + dt.timedelta(hours=1)),
        },
        format="json",
    )

    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {
        key: body[key]
        for key in (
            "title",
            "requester_id",
            "requester_name",
            "expert_id",
            "expert_name",
            "status",
            "category_id",
            "category_name",
            "scheduled_start",
            "scheduled_end",
        )
    } == {
        "title": "Python Debugging Session",
        "requester_id": requester.pk,
        "requester_name": "John Doe",
        "expert_id": jane.pk,
        "expert_name": "Jane Smith",
        "status": "pending",
        "category_id": category.pk,
        "category_name": "Software Development",
        "scheduled_start": iso(start),
        "scheduled_end": iso(start + dt.timedelta(hours=1)),
    }
    assert "created_at" in body

    # when the expert confirms it through update_status
    meeting_id = body["id"]
    confirmed = make_auth_client(jane).patch(
        f"/api/v1/meetings/{meeting_id}/update_status/", {"status": "confirmed"}, format="json"
    )

    # then
    assert confirmed.status_code == 200
    assert set(confirmed.json()) == {"id", "status", "updated_at"}
    assert confirmed.json()["status"] == "confirmed"
    assert Swap.objects.get(pk=meeting_id).status == S.ACCEPTED
    detail = client.get(f"/api/v1/meetings/{meeting_id}/").json()
    assert detail["status"] == "confirmed"
    assert detail["reviews"] == []


def test_meeting_update_status_by_the_wrong_party_is_409(make_auth_client):
    swap = pending()
    before = snapshot(swap)

    response = make_auth_client(swap.requester).patch(
        f"/api/v1/meetings/{swap.pk}/update_status/", {"status": "confirmed"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["current_status"] == "pending"
    assert snapshot(swap) == before


def test_meeting_filters_status_and_role(make_auth_client):
    me = expert()
    asked_me = accepted(responder=me, scheduled_start=at(30))
    from tests.exchanges.factories import always_available  # noqa: F401

    i_asked = pending(requester=me, scheduled_start=at(60))
    client = make_auth_client(me)

    assert _ids(client.get("/api/v1/meetings/?status=confirmed")) == [asked_me.pk]
    assert _ids(client.get("/api/v1/meetings/?role=expert")) == [asked_me.pk]
    assert _ids(client.get("/api/v1/meetings/?role=requester")) == [i_asked.pk]
    assert _ids(client.get("/api/v1/meetings/?status=pending&role=requester")) == [i_asked.pk]
    rows = client.get("/api/v1/meetings/?status=confirmed").json()["results"]
    assert rows[0]["status"] == "confirmed"


# --- sessions/ (seed 004) --------------------------------------------------------------------


def test_sessions_speak_seed_004(make_auth_client):
    # given
    sarah = expert(first_name="Sarah", last_name="")
    me = funded_user(100)
    client = make_auth_client(me)
    start = at(30)

    # when
    created = client.post(
        "/api/v1/sessions/",
        {
            "friend_id": sarah.pk,
            "type": "video",
            "scheduled_at": iso(start),
            "duration_minutes": 60,
            "notes": "Looking forward to our chat!",
            "points_amount": 30,
        },
        format="json",
    )

    # then
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["friend"] == {"id": sarah.pk, "name": "Sarah"}
    assert body["type"] == "video"
    assert body["status"] == "upcoming"
    assert body["scheduled_at"] == iso(start)
    assert body["duration_minutes"] == 60
    assert body["price"] == "30"
    assert body["notes"] == "Looking forward to our chat!"


def test_sessions_filters(make_auth_client):
    me = UserFactory()
    video = pending(requester=me, session_type="video", scheduled_start=at(30))
    text = pending(requester=me, session_type="text", scheduled_start=at(80))
    done = SwapFactory(
        requester=me, status=S.COMPLETED, scheduled_start=at(-30), scheduled_end=at(-29)
    )
    gone = SwapFactory(requester=me, status=S.REJECTED)
    client = make_auth_client(me)

    assert _ids(client.get("/api/v1/sessions/?type=video&status=upcoming")) == [video.pk]
    assert _ids(client.get("/api/v1/sessions/?status=completed")) == [done.pk]
    assert _ids(client.get("/api/v1/sessions/?status=cancelled")) == [gone.pk]
    after = at(60).date().isoformat()
    assert _ids(client.get(f"/api/v1/sessions/?status=upcoming&date_after={after}")) == [text.pk]
    before = at(-1).date().isoformat()
    assert _ids(client.get(f"/api/v1/sessions/?date_before={before}")) == [done.pk]


def test_session_patch_proposes_and_delete_cancels(make_auth_client):
    swap = accepted(requester=funded_user(10))
    client = make_auth_client(swap.requester)
    new_start = at(99)

    patched = client.patch(
        f"/api/v1/sessions/{swap.pk}/",
        {"scheduled_at": iso(new_start), "notes": "Rescheduled for later"},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["notes"] == "Rescheduled for later"
    assert Swap.objects.get(pk=swap.pk).proposed_start == new_start

    deleted = client.delete(f"/api/v1/sessions/{swap.pk}/")
    assert deleted.status_code == 204
    assert Swap.objects.get(pk=swap.pk).status == S.CANCELLED
    assert client.get(f"/api/v1/sessions/{swap.pk}/").json()["status"] == "cancelled"


def test_session_delete_by_the_friend_of_a_pending_request_rejects_it(make_auth_client):
    swap = pending()

    response = make_auth_client(swap.responder).delete(f"/api/v1/sessions/{swap.pk}")

    assert response.status_code == 204
    assert Swap.objects.get(pk=swap.pk).status == S.REJECTED


def test_all_three_lists_show_the_same_swaps(make_auth_client):
    me = UserFactory()
    ids = sorted(pending(requester=me).pk for _ in range(3))
    client = make_auth_client(me)

    for path in ("/api/v1/swaps/", "/api/v1/meetings/", "/api/v1/sessions/"):
        assert sorted(_ids(client.get(path))) == ids


def test_schema_documents_the_exchanges_endpoints(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    paths = schema["paths"]

    for path in (
        "/api/v1/swaps/",
        "/api/v1/swaps/{id}/",
        "/api/v1/swaps/{id}/accept/",
        "/api/v1/swaps/{id}/sync-calendar/",
        "/api/v1/meetings/{id}/update_status/",
        "/api/v1/sessions/{id}/",
        "/api/v1/video-calls/",
        "/api/v1/video-calls/{id}/end/",
        "/api/v1/calendar.ics/",
    ):
        assert any(p.rstrip("/") == path.rstrip("/") for p in paths), path
    accept = next(v for p, v in paths.items() if p.rstrip("/") == "/api/v1/swaps/{id}/accept")
    assert "409" in accept["post"]["responses"]


def test_errors_and_category_names_follow_accept_language(make_auth_client):
    category = CategoryFactory(name_en="Music", name_ar="الموسيقى")
    swap = pending(category=category)
    client = make_auth_client(swap.requester)

    refused = client.post(f"/api/v1/swaps/{swap.pk}/accept", HTTP_ACCEPT_LANGUAGE="ar")
    listing = client.get("/api/v1/swaps/", HTTP_ACCEPT_LANGUAGE="ar").json()
    english = client.get("/api/v1/meetings/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert refused.json()["error"]["message"] == "هذه الخطوة للمستجيب وحده."
    assert listing["results"][0]["category"]["name"] == "الموسيقى"
    assert english["results"][0]["category_name"] == "Music"


def test_responses_have_exactly_the_fields_the_schema_documents(make_auth_client, api_client):
    components = yaml.safe_load(api_client.get("/api/v1/schema/").content)["components"]["schemas"]
    swap = accepted()
    client = make_auth_client(swap.requester)
    call = client.post("/api/v1/video-calls/", {"swap_id": swap.pk}, format="json").json()

    bodies = {
        "Swap": client.get(f"/api/v1/swaps/{swap.pk}/").json(),
        "MeetingDetail": client.get(f"/api/v1/meetings/{swap.pk}/").json(),
        "Session": client.get(f"/api/v1/sessions/{swap.pk}/").json(),
        "VideoCall": call,
    }

    for name, body in bodies.items():
        assert set(body) == set(components[name]["properties"]), name
