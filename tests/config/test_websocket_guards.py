"""Sockets from a foreign page close with 4403, to an unknown route with 4404, on a frame too
large or too deep with 1009; CORS preflight allows Idempotency-Key.

docs/api.md, "WebSockets": the Origin check runs first, then the route check, then the token.
"""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from config.asgi import application
from config.websocket_guards import (
    CLOSE_FORBIDDEN_ORIGIN,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_BIG,
    frame_refused,
    origin_allowed,
)
from tests.accounts.factories import UserFactory

FRONT_END = "https://app.skillswap.example"


async def _close_code(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> int | None:
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    message = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)
    assert message["type"] == "websocket.close"
    return message.get("code")


async def _token() -> str:
    user = await database_sync_to_async(UserFactory)()
    return str(AccessToken.for_user(user))


@pytest.mark.django_db(transaction=True)
async def test_foreign_origin_is_closed_with_4403_even_with_a_valid_token(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]
    token = await _token()

    code = await _close_code(
        f"/ws/ping/?token={token}",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"testserver")],
    )

    assert code == CLOSE_FORBIDDEN_ORIGIN


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "headers",
    [
        [],  # a native client sends no Origin
        [(b"origin", FRONT_END.encode()), (b"host", b"api.skillswap.example")],
        [(b"origin", b"http://testserver"), (b"host", b"testserver")],  # the site's own page
    ],
)
async def test_allowed_origins_reach_the_consumer(settings, headers):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]
    token = await _token()
    communicator = WebsocketCommunicator(application, f"/ws/ping/?token={token}", headers=headers)

    connected, _ = await communicator.connect(timeout=5)
    await communicator.send_json_to({"type": "ping"})
    reply = await communicator.receive_json_from(timeout=5)
    await communicator.disconnect()

    assert connected
    assert reply["type"] == "pong"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/no-such-route/", "/ws/chat/not-a-number/", "/nothing"])
async def test_unknown_route_is_closed_with_4404(path):
    token = await _token()

    code = await _close_code(f"{path}?token={token}")

    assert code == CLOSE_NOT_FOUND


async def test_unknown_route_is_4404_before_authentication():
    code = await _close_code("/ws/no-such-route/")

    assert code == CLOSE_NOT_FOUND


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, None, True),
        (FRONT_END, "api.example", True),
        (FRONT_END + "/", "api.example", True),
        ("HTTPS://APP.SKILLSWAP.EXAMPLE", "api.example", True),
        ("null", "testserver", False),
        ("https://evil.example", "testserver", False),
        ("http://testserver", "testserver", True),
        ("http://testserver:8000", "testserver", False),
        ("http://evil.example", "evil.example", False),  # a host outside ALLOWED_HOSTS
        ("file://testserver", "testserver", False),
    ],
)
def test_origin_allowed(settings, origin, host, allowed):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]
    settings.ALLOWED_HOSTS = ["testserver", "api.example"]

    assert origin_allowed(origin, host) is allowed


@pytest.mark.django_db
def test_cors_preflight_allows_the_idempotency_key_header(client, settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT_END]

    response = client.options(
        "/api/v1/health/",
        HTTP_ORIGIN=FRONT_END,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "frame",
    ["[" * 5000 + "]" * 5000, '{"type": "ping", "pad": "' + "x" * 300_000 + '"}'],
    ids=["5000-deep", "300-KB"],
)
async def test_frame_too_deep_or_too_large_closes_with_1009(frame):
    token = await _token()
    communicator = WebsocketCommunicator(application, f"/ws/ping/?token={token}")
    connected, _ = await communicator.connect(timeout=5)
    assert connected

    await communicator.send_to(text_data=frame)
    message = await communicator.receive_output(timeout=5)
    await communicator.wait(timeout=5)

    assert message == {"type": "websocket.close", "code": CLOSE_TOO_BIG}


@pytest.mark.parametrize(
    ("payload", "refused"),
    [
        (None, False),
        ("", False),
        ('{"type": "message.send", "content": "if a<b and c>d then"}', False),
        ('{"content": "' + "[" * 500 + '"}', False),  # brackets in a string are text
        ("[" * 65 + "]" * 65, True),
        ("[" * 64 + "]" * 64, False),
        (b"[" * 65, True),
        ("x" * (256 * 1024 + 1), True),
    ],
)
def test_frame_refused(payload, refused):
    assert frame_refused(payload) is refused
