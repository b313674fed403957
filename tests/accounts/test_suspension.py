"""A suspension ends every session: sockets close (4403), and tokens issued before it stay dead
after a reactivation, over HTTP and over WebSocket."""

import ast
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services
from accounts.authentication import JWTAuthentication
from accounts.consumers import CLOSE_REVOKED
from accounts.models import User
from accounts.websocket_auth import CLOSE_UNAUTHORIZED
from config.asgi import application
from tests.accounts.factories import UserFactory

PROFILE = "/api/v1/auth/profile"


@pytest.fixture(autouse=True)
def _accounts_jwt_authentication(monkeypatch):
    """Serve the API with accounts' JWT class, as settings' DEFAULT_AUTHENTICATION_CLASSES do."""
    monkeypatch.setattr(APIView, "authentication_classes", [JWTAuthentication])


def _suspend_and_reactivate(user: User) -> User:
    services.user_suspend(user=user, reason="spam")
    return services.user_reactivate(user=user)


def _token_after_cutoff(user: User) -> AccessToken:
    """An access token from a later sign-in: ``iat`` has whole seconds, so wait for the next."""
    cutoff = int(User.objects.get(pk=user.pk).tokens_valid_after.timestamp())
    while time.time() < cutoff + 1:
        time.sleep(0.05)
    return AccessToken.for_user(user)


def _client(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
def test_an_access_token_from_before_a_suspension_stays_dead_after_reactivation():
    # given a member's access token, then a suspension and a reactivation
    user = UserFactory()
    old = AccessToken.for_user(user)
    assert _client(old).get(PROFILE).status_code == 200
    _suspend_and_reactivate(user)

    # when the old token is used again
    response = _client(old).get(PROFILE, HTTP_ACCEPT_LANGUAGE="ar")

    # then it is refused, and a token from a later sign-in works
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"token_not_valid", "authentication_failed"}
    assert _client(_token_after_cutoff(user)).get(PROFILE).status_code == 200


@pytest.mark.django_db
def test_a_refresh_token_from_before_a_suspension_stays_dead(api_client):
    user = UserFactory()
    refresh = RefreshToken.for_user(user)
    _suspend_and_reactivate(user)

    response = api_client.post("/api/v1/auth/refresh", {"refresh": str(refresh)}, format="json")

    assert response.status_code == 401


@pytest.mark.django_db
def test_accounts_never_suspended_keep_their_tokens():
    user = UserFactory()

    assert _client(AccessToken.for_user(user)).get(PROFILE).status_code == 200
    assert User.objects.get(pk=user.pk).tokens_valid_after is None


@pytest.mark.django_db(transaction=True)
async def test_a_socket_token_from_before_a_suspension_is_closed_4401_after_reactivation():
    # given a token issued before a suspension that was lifted
    user = await database_sync_to_async(UserFactory)()
    old = AccessToken.for_user(user)
    await database_sync_to_async(_suspend_and_reactivate)(user)

    # when it opens a socket
    communicator = WebsocketCommunicator(application, f"/ws/ping/?token={old}")
    connected, _ = await communicator.connect()

    # then the socket is closed as unauthorised
    assert connected
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHORIZED,
    }
    await communicator.wait(timeout=5)

    # and a later token gets through
    fresh = await database_sync_to_async(_token_after_cutoff)(user)
    communicator = WebsocketCommunicator(application, f"/ws/ping/?token={fresh}")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "user_id": user.pk}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/ping/", "/ws/notifications/"])
async def test_suspension_closes_every_idle_socket_of_the_member_with_4403(path):
    # given a member with two idle sockets and another member with one
    user, other = await database_sync_to_async(UserFactory.create_batch)(2)
    mine = [
        WebsocketCommunicator(application, f"{path}?token={AccessToken.for_user(user)}")
        for _ in range(2)
    ]
    theirs = WebsocketCommunicator(application, f"{path}?token={AccessToken.for_user(other)}")
    for communicator in [*mine, theirs]:
        connected, _ = await communicator.connect()
        assert connected

    # when staff suspend the member
    await database_sync_to_async(services.user_suspend)(user=user, reason="abuse")

    # then both of their sockets close with 4403 and the other member's stays open
    for communicator in mine:
        assert await communicator.receive_output(timeout=5) == {
            "type": "websocket.close",
            "code": CLOSE_REVOKED,
        }
        await communicator.wait(timeout=5)
    assert await theirs.receive_nothing(timeout=0.2)
    await theirs.disconnect()


@pytest.mark.django_db
def test_a_refused_suspension_sends_no_close_event(django_capture_on_commit_callbacks):
    user = UserFactory()
    services.user_suspend(user=user, reason="first")

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(Exception, match="already"),
    ):
        services.user_suspend(user=user, reason="again")

    assert callbacks == []


def test_every_select_for_update_in_accounts_names_no_key():
    root = Path(__file__).resolve().parents[2] / "accounts"
    missing = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "select_for_update"
                and not any(keyword.arg == "no_key" for keyword in node.keywords)
            ):
                missing.append(f"{path.name}:{node.lineno}")

    assert missing == []
