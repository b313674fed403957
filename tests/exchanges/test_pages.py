"""The video call page: participants only, with what call.js needs to join."""

import pytest

from exchanges import services
from tests.accounts.factories import UserFactory
from tests.exchanges.factories import at, expert

pytestmark = pytest.mark.django_db


def _call():
    swap = services.swap_create(
        requester=UserFactory(), responder=expert(), scheduled_start=at(2), title="Oud basics"
    )
    services.swap_accept(swap=swap, actor=swap.responder)
    call, _created = services.video_call_create(swap=swap, actor=swap.requester)
    return call, swap


def test_a_participant_gets_the_call_page(client):
    call, swap = _call()
    client.force_login(swap.responder)

    response = client.get(f"/en/calls/{call.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-call-id="{call.pk}"' in html
    assert "js/call.js" in html
    assert 'id="call-access-token"' in html
    assert "Oud basics" in html


def test_the_page_is_right_to_left_in_arabic(client):
    call, swap = _call()
    client.force_login(swap.requester)

    response = client.get(f"/ar/calls/{call.pk}/")

    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_others_get_404_and_strangers_sign_in(client):
    call, _swap = _call()

    assert client.get(f"/en/calls/{call.pk}/").status_code == 302
    client.force_login(UserFactory())
    assert client.get(f"/en/calls/{call.pk}/").status_code == 404
