"""ICE servers for WebRTC, with TURN credentials in coturn's REST API format.

coturn (``use-auth-secret`` / ``static-auth-secret``) accepts a username ``"<expiry>:<user id>"``
and the credential ``base64(HMAC-SHA1(secret, username))``; it refuses the pair once the unix time
``expiry`` has passed, so a leaked credential is useless after TURN_CREDENTIAL_TTL_SECONDS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from django.conf import settings


def turn_credentials(*, user_id: int, now: datetime) -> tuple[str, str, int]:
    """``(username, credential, expires_unix)`` for ``user_id``, valid for the configured TTL."""
    expires = int(now.timestamp()) + settings.TURN_CREDENTIAL_TTL_SECONDS
    username = f"{expires}:{user_id}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii"), expires


def ice_servers(*, user_id: int, now: datetime) -> list[dict[str, Any]]:
    """``RTCPeerConnection``'s ``iceServers``: STUN as configured, TURN when a secret is set."""
    servers: list[dict[str, Any]] = []
    if settings.VIDEO_CALL_STUN_URLS:
        servers.append({"urls": list(settings.VIDEO_CALL_STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential, _expires = turn_credentials(user_id=user_id, now=now)
        servers.append(
            {"urls": list(settings.TURN_URLS), "username": username, "credential": credential}
        )
    return servers
