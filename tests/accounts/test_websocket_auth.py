"""Sockets authenticate with ?token=<access JWT>; anything else is closed with 4401."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from config.asgi import application
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def _open(path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_valid_token_gets_pong_with_user_id():
    user = await database_sync_to_async(UserFactory)()
    token = str(AccessToken.for_user(user))

    communicator = await _open(f"/ws/ping/?token={token}")
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    assert reply == {"type": "pong", "user_id": user.pk}


async def _assert_closed_unauthorized(path: str) -> None:
    communicator = await _open(path)
    message = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    assert message == {"type": "websocket.close", "code": CLOSE_UNAUTHORIZED}


async def test_missing_token_is_closed_with_4401():
    await _assert_closed_unauthorized("/ws/ping/")


async def test_garbage_token_is_closed_with_4401():
    await _assert_closed_unauthorized("/ws/ping/?token=not.a.jwt")


async def test_expired_token_is_closed_with_4401():
    user = await database_sync_to_async(UserFactory)()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))

    await _assert_closed_unauthorized(f"/ws/ping/?token={token}")


async def test_inactive_users_token_is_closed_with_4401():
    user = await database_sync_to_async(UserFactory)(is_active=False)
    token = AccessToken.for_user(user)

    await _assert_closed_unauthorized(f"/ws/ping/?token={token}")


async def test_token_issued_before_a_password_change_is_closed_with_4401():
    user = await database_sync_to_async(UserFactory)()
    token = AccessToken.for_user(user)
    user.set_password("a-brand-new-passphrase-1")
    await database_sync_to_async(user.save)()

    await _assert_closed_unauthorized(f"/ws/ping/?token={token}")
