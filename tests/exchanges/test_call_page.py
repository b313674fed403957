"""The call page's frame and the swap page's "Join the call" button: when it shows, what it does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone

from exchanges import services
from exchanges.call_views import call_is_due
from exchanges.models import Swap, VideoCall
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.django_db


def _accepted_swap(*, starts_in_hours: float = 0.1) -> Swap:
    swap = services.swap_create(
        requester=UserFactory(),
        responder=expert(),
        scheduled_start=at(max(starts_in_hours, 0.1)),
        title="Oud basics",
    )
    services.swap_accept(swap=swap, actor=swap.responder)
    if starts_in_hours < 0.1:
        start = timezone.now() + dt.timedelta(hours=starts_in_hours)
        Swap.objects.filter(pk=swap.pk).update(
            scheduled_start=start, scheduled_end=start + dt.timedelta(hours=1)
        )
    swap.refresh_from_db()
    return swap


def _button(swap: Swap, user) -> str:
    request = RequestFactory().get(f"/en/me/swaps/{swap.pk}/")
    request.user = user
    template = engines["django"].from_string(
        '{% include "exchanges/_join_call.html" with swap=swap %}'
    )
    return template.render({"swap": swap}, request)


# --- when the button shows ------------------------------------------------------------------------


def test_the_button_shows_to_both_parties_from_fifteen_minutes_before_the_start():
    swap = _accepted_swap(starts_in_hours=0.1)

    for party in (swap.requester, swap.responder):
        html = _button(swap, party)

        assert "Join the call" in html
        assert f'action="/en/calls/join/{swap.pk}/"' in html
        assert 'name="csrfmiddlewaretoken"' in html


def test_the_button_shows_during_the_session_and_not_after_it():
    during = _accepted_swap(starts_in_hours=-0.5)
    after = _accepted_swap(starts_in_hours=-2)

    assert "Join the call" in _button(during, during.requester)
    assert _button(after, after.requester).strip() == ""


def test_the_button_hides_too_early_for_others_and_for_swaps_not_accepted():
    early = _accepted_swap(starts_in_hours=3)
    pending = services.swap_create(
        requester=UserFactory(), responder=expert(), scheduled_start=at(0.1)
    )

    assert _button(early, early.requester).strip() == ""
    assert _button(_accepted_swap(), UserFactory()).strip() == ""
    assert _button(pending, pending.requester).strip() == ""
    assert call_is_due(early, AnonymousUser()) is False


# --- the join action ------------------------------------------------------------------------------


def test_joining_opens_the_call_and_goes_to_it(client):
    # given a due session
    swap = _accepted_swap()
    client.force_login(swap.requester)

    # when the requester presses "Join the call"
    response = client.post(f"/en/calls/join/{swap.pk}/")

    # then the swap has one open call and the browser goes to it
    call = VideoCall.objects.get(swap=swap)
    assert response.status_code == 302
    assert response["Location"] == f"/en/calls/{call.pk}/"


def test_the_other_party_joins_the_same_call(client):
    swap = _accepted_swap()
    client.force_login(swap.requester)
    first = client.post(f"/ar/calls/join/{swap.pk}/")
    client.force_login(swap.responder)

    second = client.post(f"/ar/calls/join/{swap.pk}/")

    call = VideoCall.objects.get(swap=swap)
    assert first["Location"] == second["Location"] == f"/ar/calls/{call.pk}/"


def test_joining_too_early_opens_nothing_and_says_when(client):
    swap = _accepted_swap(starts_in_hours=3)
    client.force_login(swap.requester)

    response = client.post(
        f"/en/calls/join/{swap.pk}/", {"next": f"/en/me/swaps/{swap.pk}/"}, follow=False
    )

    assert response.status_code == 302
    assert response["Location"] == f"/en/me/swaps/{swap.pk}/"
    assert VideoCall.objects.count() == 0
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["The call opens 15 minutes before the session starts."]


def test_a_foreign_next_address_is_not_followed(client):
    swap = _accepted_swap(starts_in_hours=3)
    client.force_login(swap.requester)

    response = client.post(f"/en/calls/join/{swap.pk}/", {"next": "https://evil.example/"})

    assert response["Location"] == f"/en/me/swaps/{swap.pk}/"


def test_another_member_gets_404_and_no_call(client):
    swap = _accepted_swap()
    client.force_login(UserFactory())

    assert client.post(f"/en/calls/join/{swap.pk}/").status_code == 404
    assert VideoCall.objects.count() == 0


def test_joining_needs_post_and_a_signed_in_member(client):
    swap = _accepted_swap()

    anonymous = client.post(f"/en/calls/join/{swap.pk}/")
    client.force_login(swap.requester)
    read = client.get(f"/en/calls/join/{swap.pk}/")

    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert read.status_code == 405
    assert VideoCall.objects.count() == 0


# --- the call page --------------------------------------------------------------------------------


def test_the_call_page_has_its_controls_and_no_inline_code(client):
    swap = _accepted_swap()
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    client.force_login(swap.responder)

    response = client.get(f"/en/calls/{call.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-connection-state="new"' in html
    for control in ("data-mute", "data-camera", "data-hangup"):
        assert control in html
    assert "data-label-media-refused=" in html
    assert "data-label-peer-left=" in html
    assert "style=" not in html
    # The only <script> elements: JSON data and files with src (a CSP without 'unsafe-inline').
    for chunk in html.split("<script")[1:]:
        head = chunk.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head


def test_the_call_page_is_never_cached(client):
    swap = _accepted_swap()
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    client.force_login(swap.requester)

    response = client.get(f"/en/calls/{call.pk}/")

    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
