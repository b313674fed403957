"""WebSocket authentication: the access JWT in ``?token=``, or the site's Django session.

API clients put an access JWT in ``?token=``; the site's own pages (chat, notifications, the call
page) open their sockets with the browser's session cookie instead. When ``?token=`` is present it
alone decides (a bad token is never rescued by a cookie); without one, the session cookie is read
the way Django's ``AuthenticationMiddleware`` reads it (the session's user, its backend, and the
session hash, so a password change signs the socket out as it signs out the pages).

A socket whose token is missing, malformed, expired, issued before the latest password change or
before a suspension of its account (``tokens_valid_after``), whose session is missing, expired or
stale, or whose user is inactive (suspended) never reaches a consumer: the middleware accepts the
handshake only to close it at once with code 4401, so clients can tell "sign in again" from a
network failure (a close before accept would be a bare HTTP 403). Cookies are only trusted because
the Origin check (``config/websocket_guards.py``) runs first: a page of a foreign site cannot open
a socket with the member's cookie.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.authentication import token_predates_cutoff

CLOSE_UNAUTHORIZED = 4401


def token_from_scope(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


def session_key_from_scope(scope: dict[str, Any]) -> str | None:
    """The Django session key in the handshake's ``Cookie`` header, if any."""
    for name, value in scope.get("headers", []):
        if name.lower() != b"cookie":
            continue
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(value.decode("latin-1"))
        except CookieError:
            return None
        morsel = cookies.get(settings.SESSION_COOKIE_NAME)
        return morsel.value if morsel is not None and morsel.value else None
    return None


@database_sync_to_async
def user_for_session(session_key: str | None) -> Any:
    """The active user signed in by the session ``session_key``, or AnonymousUser."""
    if not session_key:
        return AnonymousUser()
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(session_key)
    # Django's own reading of a session: user id, backend, and the session hash check (a password
    # change since sign-in gives AnonymousUser, and flushes the stale session).
    user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    if not user.is_authenticated or not user.is_active:
        return AnonymousUser()
    return user


@database_sync_to_async
def user_for_token(raw_token: str | None) -> Any:
    """The active user the access token names, or AnonymousUser."""
    if not raw_token:
        return AnonymousUser()
    try:
        token = AccessToken(raw_token)
    except TokenError:
        return AnonymousUser()
    user_id = token.get(jwt_settings.USER_ID_CLAIM)
    if user_id is None:
        return AnonymousUser()
    user_model = get_user_model()
    try:
        user = user_model.objects.get(**{jwt_settings.USER_ID_FIELD: user_id})
    except user_model.DoesNotExist:
        return AnonymousUser()
    if not user.is_active:
        return AnonymousUser()
    if jwt_settings.CHECK_REVOKE_TOKEN and token.get(
        jwt_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        # Issued before the latest password change or reset: as dead as it is over HTTP.
        return AnonymousUser()
    if token_predates_cutoff(user, token.get("iat")):
        # Issued before a suspension: dead even after the account was reactivated.
        return AnonymousUser()
    return user


class JWTAuthMiddleware:
    """Put the token's (or the session's) user in ``scope["user"]``; refuse (4401) without one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        token = token_from_scope(scope)
        if token is not None:
            user = await user_for_token(token)
        else:
            user = await user_for_session(session_key_from_scope(scope))
        if not user.is_authenticated:
            return await self._refuse(receive, send)
        return await self.inner({**scope, "user": user}, receive, send)

    @staticmethod
    async def _refuse(receive: Any, send: Any) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CLOSE_UNAUTHORIZED})
