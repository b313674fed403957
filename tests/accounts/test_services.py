"""Accounts services beyond the API: onboarding hooks, browser sign-up, sockets on suspension."""

from urllib.parse import parse_qs, urlsplit

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from accounts import extensions, services
from accounts.consumers import CLOSE_REVOKED
from accounts.models import User
from config.asgi import application
from tests.accounts.factories import UserFactory


@pytest.fixture
def created_hook():
    seen = []

    def hook(user):
        # inside the signup transaction: the member role is already there
        seen.append((user.pk, user.role))

    extensions.on_user_created(hook)
    yield seen
    extensions._user_created.remove(hook)


@pytest.mark.django_db
def test_signup_calls_user_created_inside_its_transaction(created_hook):
    user = services.user_signup(email="hook@example.test", password="a-long-passphrase-42")

    assert created_hook == [(user.pk, "member")]


@pytest.mark.django_db
def test_a_failing_hook_rolls_the_signup_back():
    def explode(user):
        raise RuntimeError("wallet service down")

    extensions.on_user_created(explode)
    try:
        with pytest.raises(RuntimeError):
            services.user_signup(email="rollback@example.test", password="a-long-passphrase-42")
    finally:
        extensions._user_created.remove(explode)

    assert not User.objects.filter(email="rollback@example.test").exists()


@pytest.mark.django_db
def test_browser_signup_through_allauth_is_onboarded_too(client, created_hook):
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "browser@example.test",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="browser@example.test")
    assert list(user.groups.values_list("name", flat=True)) == ["Members"]
    assert created_hook == [(user.pk, "member")]


@pytest.mark.django_db
def test_browser_sign_in_page_renders_in_the_visitors_language(client):
    response = client.get("/en/accounts/login/")
    unprefixed = client.get("/accounts/login/")

    assert response.status_code == 200
    assert (unprefixed.status_code, unprefixed["Location"]) == (302, "/en/accounts/login/")


@pytest.mark.django_db(transaction=True)
async def test_suspension_closes_an_idle_open_socket_with_4403():
    # given a member with an open, working socket
    user = await database_sync_to_async(UserFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/ping/?token={AccessToken.for_user(user)}"
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "user_id": user.pk}

    # when staff suspend them
    await database_sync_to_async(services.user_suspend)(user=user, reason="abuse")

    # then the socket is closed with 4403 at once, without waiting for a frame
    message = await communicator.receive_output(timeout=5)
    assert message == {"type": "websocket.close", "code": CLOSE_REVOKED}
    await communicator.disconnect()


@pytest.mark.django_db
def test_browser_google_sign_in_asks_for_offline_calendar_access(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {
            **settings.SOCIALACCOUNT_PROVIDERS["google"],
            "APPS": [{"client_id": "web-client.apps.googleusercontent.com", "secret": "s"}],
        }
    }

    response = client.post("/en/accounts/google/login/")

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("accounts.google.com", "/o/oauth2/v2/auth")
    assert query["client_id"] == ["web-client.apps.googleusercontent.com"]
    assert "https://www.googleapis.com/auth/calendar.events" in query["scope"][0].split()
    assert query["access_type"] == ["offline"]
    assert query["prompt"] == ["consent"]
