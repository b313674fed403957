"""The member's swap pages and notification preferences: anonymous, party, other member; moves
through the services; refusals shown on the page, changing nothing. The dashboard (me/) is tested in
tests/dashboards/test_page.py."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchanges import services
from exchanges.models import Swap
from messaging.models import NotificationPreference
from tests.accounts.factories import UserFactory
from tests.exchanges.conftest import snapshot
from tests.exchanges.factories import SwapFactory, at, expert
from tests.marketplace.factories import make_offer
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


def _local_input(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _pending_swap(**fields) -> Swap:
    return services.swap_create(
        requester=fields.pop("requester", None) or UserFactory(),
        responder=fields.pop("responder", None) or expert(),
        scheduled_start=fields.pop("scheduled_start", None) or at(48),
        title=fields.pop("title", "Oud basics"),
        **fields,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/en/me/",
        "/ar/me/swaps/",
        "/en/me/swaps/1/",
        "/en/me/preferences/",
        "/en/me/swaps/new/?offer=1",
    ],
)
def test_anonymous_visitors_are_sent_to_the_localized_login(client, path):
    # when
    response = client.get(path)
    # then
    assert response.status_code == 302
    language = path.split("/")[1]
    assert response["Location"].startswith(f"/{language}/accounts/login/?next=")


# --- preferences -------------------------------------------------------------------------------


def test_preferences_are_saved(client):
    # given
    me = UserFactory()
    client.force_login(me)
    page = client.get("/en/me/preferences/")
    form = page.context["form"]
    data = dict.fromkeys(form.fields, "on")
    data.pop("swap_requested__email")
    # when
    response = client.post("/en/me/preferences/", data)
    # then
    assert response.status_code == 302
    row = NotificationPreference.objects.get(user=me, kind="swap_requested")
    assert (row.in_app, row.email) == (True, False)


# --- list ----------------------------------------------------------------------------------------


def test_swap_list_tabs_by_role_and_status(client):
    # given
    me = expert()
    mine = _pending_swap(requester=me, title="I asked")
    theirs = _pending_swap(responder=me, title="They asked")
    _pending_swap(title="Strangers")
    client.force_login(me)
    # when
    as_requester = client.get("/en/me/swaps/?role=requester").content.decode()
    as_responder = client.get("/en/me/swaps/?role=responder&status=pending").content.decode()
    accepted_only = client.get("/en/me/swaps/?role=responder&status=accepted").content.decode()
    # then
    assert mine.title in as_requester
    assert theirs.title not in as_requester
    assert theirs.title in as_responder
    assert mine.title not in as_responder
    assert "Strangers" not in as_requester + as_responder
    assert theirs.title not in accepted_only


def test_swap_list_query_count_does_not_grow(client, django_assert_num_queries):
    # given
    me = UserFactory()
    SwapFactory(requester=me)
    client.force_login(me)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/me/swaps/")
    for hours in (60, 70, 80, 90, 100):
        SwapFactory(requester=me, scheduled_start=at(hours))
    # when / then
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/en/me/swaps/")
    assert response.status_code == 200


# --- request -------------------------------------------------------------------------------------


def test_request_a_swap_from_an_offer_in_the_members_zone(client):
    # given
    teacher = expert()
    offer = make_offer(owner=teacher, title="Oud lessons")
    me = UserFactory(time_zone="Asia/Riyadh")
    client.force_login(me)
    start = at(50).replace(minute=0)
    # when
    page = client.get(f"/en/me/swaps/new/?offer={offer.pk}")
    response = client.post(
        f"/en/me/swaps/new/?offer={offer.pk}",
        {
            "offer": offer.pk,
            "kind": "swap",
            "scheduled_start": _local_input(start, "Asia/Riyadh"),
            "session_type": "video",
            "notes": "Hello",
        },
    )
    # then
    assert page.status_code == 200
    assert "Oud lessons" in page.content.decode()
    swap = Swap.objects.get(requester=me)
    assert response.status_code == 302
    assert response["Location"] == f"/en/me/swaps/{swap.pk}/"
    assert (swap.scheduled_start, swap.responder, swap.kind, swap.notes) == (
        start,
        teacher,
        "swap",
        "Hello",
    )


def test_request_refusals_rerender_and_create_nothing(client):
    # given
    offer = make_offer(owner=expert(), price_points=30)
    me = UserFactory()
    client.force_login(me)
    past = _local_input(at(-5), "UTC")
    # when
    in_the_past = client.post(
        "/ar/me/swaps/new/",
        {"offer": offer.pk, "kind": "swap", "scheduled_start": past, "session_type": "video"},
    )
    broke = client.post(
        "/en/me/swaps/new/",
        {
            "offer": offer.pk,
            "kind": "points",
            "scheduled_start": _local_input(at(50), "UTC"),
            "session_type": "video",
        },
    )
    far = client.post(
        "/en/me/swaps/new/",
        {
            "offer": offer.pk,
            "kind": "swap",
            "scheduled_start": "9999-12-31T23:59",
            "session_type": "video",
        },
    )
    # then
    assert in_the_past.status_code == 400
    assert 'dir="rtl"' in in_the_past.content.decode()
    assert broke.status_code == 400
    assert far.status_code == 400
    assert not Swap.objects.filter(requester=me).exists()


def test_request_for_a_missing_offer_is_a_404(client):
    # given
    client.force_login(UserFactory())
    # when / then
    assert client.get("/en/me/swaps/new/?offer=999999").status_code == 404
    assert client.get("/en/me/swaps/new/?offer=abc").status_code == 404


# --- detail and moves ---------------------------------------------------------------------------


def test_detail_shows_the_viewers_moves(client):
    # given
    swap = _pending_swap()
    client.force_login(swap.responder)
    # when
    html = client.get(f"/en/me/swaps/{swap.pk}/").content.decode()
    # then
    assert f"/en/me/swaps/{swap.pk}/accept/" in html
    assert f"/en/me/swaps/{swap.pk}/reject/" in html
    assert f"/en/me/swaps/{swap.pk}/cancel/" not in html


def test_another_members_swap_is_a_404_and_unchanged(client):
    # given
    swap = _pending_swap()
    before = snapshot(swap)
    client.force_login(UserFactory())
    # when
    page = client.get(f"/en/me/swaps/{swap.pk}/")
    move = client.post(f"/en/me/swaps/{swap.pk}/accept/")
    # then
    assert (page.status_code, move.status_code) == (404, 404)
    assert snapshot(swap) == before


def test_accept_then_complete_flow(client):
    # given
    swap = _pending_swap()
    client.force_login(swap.responder)
    # when
    response = client.post(f"/en/me/swaps/{swap.pk}/accept/", follow=True)
    # then
    swap.refresh_from_db()
    assert swap.status == "accepted"
    assert "Done: the swap was updated." in response.content.decode()


def test_a_refused_move_shows_the_reason_in_arabic_and_changes_nothing(client):
    # given: the requester may not accept their own request
    swap = _pending_swap()
    before = snapshot(swap)
    client.force_login(swap.requester)
    # when
    response = client.post(f"/ar/me/swaps/{swap.pk}/accept/")
    # then
    assert response.status_code == 409
    html = response.content.decode()
    assert 'dir="rtl"' in html
    assert "notice-error" in html
    assert snapshot(swap) == before


def test_accepting_a_points_swap_without_points_is_refused_and_changes_nothing(client):
    # given: 100 points, two requests of 60; the first accepted holds 60 in escrow
    requester = funded_user(100)
    teacher = expert()
    first = _pending_swap(requester=requester, responder=teacher, kind="points", points_amount=60)
    second = _pending_swap(
        requester=requester,
        responder=teacher,
        kind="points",
        points_amount=60,
        scheduled_start=at(96),
    )
    services.swap_accept(swap=first, actor=teacher)
    before = snapshot(second)
    client.force_login(teacher)
    # when
    response = client.post(f"/en/me/swaps/{second.pk}/accept/")
    # then
    assert response.status_code == 409
    assert "notice-error" in response.content.decode()
    assert snapshot(second) == before


def test_cancel_with_a_reason(client):
    # given
    swap = _pending_swap()
    client.force_login(swap.requester)
    # when
    response = client.post(f"/en/me/swaps/{swap.pk}/cancel/", {"reason": "Busy"})
    # then
    assert response.status_code == 302
    swap.refresh_from_db()
    assert (swap.status, swap.cancellation_reason) == ("cancelled", "Busy")


def test_reschedule_proposal_in_the_members_zone(client):
    # given
    swap = _pending_swap()
    swap.requester.time_zone = "Africa/Cairo"
    swap.requester.save(update_fields=["time_zone"])
    client.force_login(swap.requester)
    new_start = at(72).replace(minute=0)
    # when
    response = client.post(
        f"/en/me/swaps/{swap.pk}/reschedule/", {"start": _local_input(new_start, "Africa/Cairo")}
    )
    # then
    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.proposed_start == new_start


def test_reschedule_refusal_rerenders_and_changes_nothing(client):
    # given
    swap = _pending_swap()
    before = snapshot(swap)
    client.force_login(swap.requester)
    # when
    bad = client.post(f"/en/me/swaps/{swap.pk}/reschedule/", {"start": "not a date"})
    past = client.post(
        f"/en/me/swaps/{swap.pk}/reschedule/", {"start": _local_input(at(-3), "UTC")}
    )
    # then
    assert bad.status_code == 400
    assert past.status_code == 400
    assert snapshot(swap) == before


def test_unknown_move_is_a_404(client):
    # given
    swap = _pending_swap()
    client.force_login(swap.responder)
    # when / then
    assert client.post(f"/en/me/swaps/{swap.pk}/explode/").status_code == 404


def test_offer_request_address_redirects_to_the_form(client):
    # when
    response = client.get("/en/offers/12/request/")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/en/me/swaps/new/?offer=12"
