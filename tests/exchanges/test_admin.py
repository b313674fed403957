"""Swaps and the video call log in the Wagtail admin; disputes resolved through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from exchanges import services
from exchanges.models import Swap, VideoCall
from rewards.selectors import escrow_held, wallet_balance
from tests.accounts.factories import UserFactory
from tests.exchanges.conftest import ledger_ok, snapshot
from tests.exchanges.factories import at, expert
from tests.rewards.factories import funded_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client(client):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    client.user = moderator
    return client


def disputed_swap(points: int = 40) -> Swap:
    swap = services.swap_create(
        requester=funded_user(100),
        responder=expert(),
        kind="points",
        points_amount=points,
        scheduled_start=at(30),
        title="Oud lesson",
    )
    services.swap_accept(swap=swap, actor=swap.responder)
    Swap.objects.filter(pk=swap.pk).update(scheduled_start=at(-2), scheduled_end=at(-1))
    return services.swap_dispute(swap=swap, actor=swap.requester, reason="He left after 5 min")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/swaps/",
        "/admin/swaps/?status=disputed",
        "/admin/swaps/?status=accepted&scheduled_start__gte=2020-01-01",
        "/admin/swaps/?q=oud",
        "/admin/video_calls/",
        "/admin/video_calls/?status=ended",
    ],
)
def test_moderators_see_swaps_and_calls_with_filters(moderator_client, path):
    disputed_swap()

    response = moderator_client.get(path)

    assert response.status_code == 200


def test_the_disputed_swap_offers_resolution_and_nobody_edits_swaps(moderator_client):
    swap = disputed_swap()

    listing = moderator_client.get("/admin/swaps/?status=disputed").content.decode()
    inspect = moderator_client.get(f"/admin/swaps/inspect/{swap.pk}/")

    assert f"/admin/swaps/resolve/{swap.pk}/" in listing
    assert "Oud lesson" in listing
    assert inspect.status_code == 200
    assert f"/admin/swaps/resolve/{swap.pk}/" in inspect.content.decode()
    assert "/admin/swaps/edit/" not in listing
    assert moderator_client.get(f"/admin/swaps/edit/{swap.pk}/").status_code == 404
    assert moderator_client.get(f"/admin/swaps/delete/{swap.pk}/").status_code == 404


def test_a_moderator_resolves_a_dispute_as_refund(moderator_client):
    swap = disputed_swap(points=40)
    form = moderator_client.get(f"/admin/swaps/resolve/{swap.pk}/")
    assert form.status_code == 200
    assert "He left after 5 min" in form.content.decode()

    response = moderator_client.post(
        f"/admin/swaps/resolve/{swap.pk}/", {"outcome": "refunded", "note": "Call log: 5 min"}
    )

    assert response.status_code == 302
    swap.refresh_from_db()
    assert (swap.status, swap.resolution, swap.resolution_note) == (
        "refunded",
        "refunded",
        "Call log: 5 min",
    )
    assert swap.resolved_by == moderator_client.user
    assert wallet_balance(user=swap.requester) == 100
    assert escrow_held(reference=swap.reference) == 0
    ledger_ok()


def test_resolving_as_completed_pays_the_responder(moderator_client):
    swap = disputed_swap(points=40)

    moderator_client.post(f"/admin/swaps/resolve/{swap.pk}/", {"outcome": "completed"})

    swap.refresh_from_db()
    assert swap.status == "completed"
    assert wallet_balance(user=swap.responder) == 40
    ledger_ok()


def test_a_second_resolution_changes_nothing(moderator_client):
    swap = disputed_swap()
    moderator_client.post(f"/admin/swaps/resolve/{swap.pk}/", {"outcome": "refunded"})
    before = snapshot(swap)

    response = moderator_client.post(f"/admin/swaps/resolve/{swap.pk}/", {"outcome": "completed"})

    assert response.status_code == 302
    assert snapshot(swap) == before


def test_staff_without_the_permission_cannot_resolve(client):
    swap = disputed_swap()
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    before = snapshot(swap)

    response = client.post(f"/admin/swaps/resolve/{swap.pk}/", {"outcome": "completed"})

    assert response.status_code in (302, 403)
    assert snapshot(swap) == before


def test_the_call_log_shows_durations(moderator_client):
    swap = services.swap_create(requester=UserFactory(), responder=expert(), scheduled_start=at(3))
    services.swap_accept(swap=swap, actor=swap.responder)
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    VideoCall.objects.filter(pk=call.pk).update(
        status="ended",
        started_at=at(-1),
        ended_at=at(-1) + dt.timedelta(minutes=30),
        duration_seconds=1800,
    )

    response = moderator_client.get(f"/admin/video_calls/inspect/{call.pk}/")

    assert response.status_code == 200
    assert "1800" in response.content.decode()
