"""Sockets also accept the site's Django session cookie (the browser pages), never in place of a
bad ``?token=``, and never for an inactive (suspended) account."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from config.asgi import application
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _session_key(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _communicator(path: str, *, session_key: str | None = None, origin: str | None = None):
    headers = [(b"host", b"testserver")]
    if session_key is not None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}; csrftoken=abc"
        headers.append((b"cookie", cookie.encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def _close_code(communicator: WebsocketCommunicator) -> int | None:
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def test_a_session_cookie_signs_the_socket_in():
    # given a member signed in to the site
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)
    communicator = _communicator("/ws/ping/", session_key=session_key, origin="http://testserver")

    # when the page opens a socket with its cookie and no token
    connected, _ = await communicator.connect()
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    # then the socket is the member's
    assert connected
    assert reply == {"type": "pong", "user_id": user.pk}


async def test_no_cookie_and_no_token_is_closed_with_4401():
    communicator = _communicator("/ws/notifications/", origin="http://testserver")

    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_an_unknown_session_key_is_closed_with_4401():
    communicator = _communicator("/ws/ping/", session_key="nosuchsessionkey0123456789abcdef")

    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_an_inactive_users_session_is_closed_with_4401():
    # given a signed-in member whose account was then deactivated
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)
    user.is_active = False
    await database_sync_to_async(user.save)(update_fields=["is_active"])

    # when the old page reconnects with its cookie
    communicator = _communicator("/ws/ping/", session_key=session_key)

    # then it is refused as a token would be
    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_a_suspended_members_session_is_closed_with_4401():
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)
    await database_sync_to_async(account_services.user_suspend)(user=user, reason="spam")

    communicator = _communicator("/ws/notifications/", session_key=session_key)

    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_a_session_from_before_a_password_change_is_closed_with_4401():
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)
    user.set_password("a-brand-new-passphrase-1")
    await database_sync_to_async(user.save)()

    communicator = _communicator("/ws/ping/", session_key=session_key)

    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_a_bad_token_is_not_rescued_by_a_good_cookie():
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)

    communicator = _communicator("/ws/ping/?token=not.a.jwt", session_key=session_key)

    assert await _close_code(communicator) == CLOSE_UNAUTHORIZED


async def test_a_cookie_from_a_foreign_page_is_refused_before_authentication():
    user = await database_sync_to_async(UserFactory)()
    session_key = await database_sync_to_async(_session_key)(user)

    communicator = _communicator(
        "/ws/notifications/", session_key=session_key, origin="https://evil.example"
    )

    assert await _close_code(communicator) == 4403
