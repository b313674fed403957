"""Guards every WebSocket passes before authentication: its Origin, then its route.

Both refuse the same way the JWT middleware does (``accounts/websocket_auth.py``): accept the
handshake, then close at once with a code the client can act on, because a close before accept
reaches a browser as a bare HTTP 403 with no reason (docs/api.md, "WebSockets").

- 4403: the ``Origin`` header names a site that is neither a configured front end
  (``CORS_ALLOWED_ORIGINS``) nor this site itself. A missing ``Origin`` is allowed: native and
  server clients send none, and they authenticate with a token in the URL, never a cookie.
- 4404: no route matches the path. Channels' ``URLRouter`` raises ``ValueError`` there, which the
  server logs as a 500 traceback.

Once open, every frame a client sends passes the frame guard: a frame larger than
``WEBSOCKET_MAX_FRAME_BYTES`` or JSON nested deeper than ``API_MAX_JSON_DEPTH`` closes the socket
with 1009 ("message too big") before a consumer's ``json.loads`` could recurse into a
``RecursionError`` (docs/pitfalls.md, "Deep JSON crashes the parser").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.routing import URLRouter
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls.exceptions import Resolver404

from core.json_limits import json_depth

CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_BIG = 1009
DEFAULT_MAX_FRAME_BYTES = 256 * 1024
DEFAULT_MAX_JSON_DEPTH = 64


async def close_with(code: int, receive: Any, send: Any) -> None:
    """Complete the handshake and close it at once with ``code``."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """Whether a socket opened from ``origin`` (the page) to ``host`` (this server) may proceed."""
    if origin is None:
        return True
    normalized = origin.strip().rstrip("/").lower()
    allowed = {item.rstrip("/").lower() for item in settings.CORS_ALLOWED_ORIGINS}
    if normalized in allowed:
        return True
    # The site's own pages (the video call page) open sockets to the host that served them.
    parts = urlsplit(normalized)
    if parts.scheme not in {"http", "https"} or not parts.netloc or not host:
        return False
    domain, _port = split_domain_port(host.lower())
    return parts.netloc == host.lower() and validate_host(domain, settings.ALLOWED_HOSTS)


class OriginCheckMiddleware:
    """Close sockets opened from a foreign page with 4403 before anything else runs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(
            _header(scope, b"origin"), _header(scope, b"host")
        ):
            return await close_with(CLOSE_FORBIDDEN_ORIGIN, receive, send)
        return await self.inner(scope, receive, send)


def route_exists(router: URLRouter, scope: dict[str, Any]) -> bool:
    """Whether ``router`` has a route for the scope's path (the matching ``URLRouter`` does)."""
    path = scope.get("path", "")
    root_path = scope.get("root_path", "")
    if root_path:
        if not path.startswith(root_path):
            return False
        path = path[len(root_path) :]
    path = path.lstrip("/")
    for route in router.routes:
        try:
            if route.pattern.match(path):
                return True
        except Resolver404:
            continue
    return False


class RouteCheckMiddleware:
    """Close sockets to a path no app routes with 4404, before authentication."""

    def __init__(self, inner: Any, router: URLRouter) -> None:
        self.inner = inner
        self.router = router

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not route_exists(self.router, scope):
            return await close_with(CLOSE_NOT_FOUND, receive, send)
        return await self.inner(scope, receive, send)


def frame_refused(payload: str | bytes | None) -> bool:
    """Whether a client frame is too large or nested too deep to hand to a consumer."""
    if not payload:
        return False
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
    if len(raw) > getattr(settings, "WEBSOCKET_MAX_FRAME_BYTES", DEFAULT_MAX_FRAME_BYTES):
        return True
    max_depth = getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH)
    # Counting brackets runs at C speed; only a frame that could be too deep gets the full scan.
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    return json_depth(raw) > max_depth


class FrameGuardMiddleware:
    """Close a socket with 1009 when its client sends a frame too large or too deep."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)

        async def guarded_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "websocket.receive" and frame_refused(
                message.get("text") or message.get("bytes")
            ):
                await send({"type": "websocket.close", "code": CLOSE_TOO_BIG})
                # The consumer sees the socket go, and cleans up as for any disconnect.
                return {"type": "websocket.disconnect", "code": CLOSE_TOO_BIG}
            return message

        return await self.inner(scope, guarded_receive, send)
