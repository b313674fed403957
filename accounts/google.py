"""Google sign-in for API clients: the one module that talks to Google's OAuth endpoints.

- ``id_token_verify`` checks a Google ID token the way Google documents it: an RS256 signature by
  one of the keys Google publishes as a JWKS, audience one of our client ids, issuer
  ``accounts.google.com``, not expired.
- ``code_exchange`` trades an authorisation code (mobile/web clients with offline access) for
  Google's tokens, including the refresh token the calendar sync needs later.

Google's key set is cached in the shared cache for as long as Google's ``Cache-Control`` allows,
so replicas do not each fetch it; an unknown key id triggers one refetch (Google rotates keys), at
most once a minute. Endpoints come from settings, so tests serve their own JWKS over HTTP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

ISSUERS = ("https://accounts.google.com", "accounts.google.com")
JWKS_CACHE_KEY = "accounts:google:jwks"
REFETCH_GUARD_KEY = "accounts:google:jwks:refetched"
DEFAULT_JWKS_TTL = 3600
MAX_JWKS_TTL = 86400
# Clock skew tolerated between Google and us, in seconds.
LEEWAY = 30


class GoogleError(Exception):
    """Google sign-in failed. ``reason`` is a short machine-readable word for logs."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class GoogleTokenInvalid(GoogleError):
    """The token or code is not one Google issued to us, or it expired."""


class GoogleUnavailable(GoogleError):
    """Google sign-in is not configured here, or Google could not be reached."""


@dataclass(frozen=True)
class GoogleIdentity:
    subject: str
    email: str
    email_verified: bool
    given_name: str = ""
    family_name: str = ""
    picture: str = ""
    locale: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GoogleTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None
    scopes: tuple[str, ...]
    id_token: str


def is_configured() -> bool:
    return bool(settings.GOOGLE_CLIENT_ID)


def audiences() -> list[str]:
    """Client ids whose ID tokens we accept: the web client plus any mobile clients."""
    return [settings.GOOGLE_CLIENT_ID, *settings.GOOGLE_EXTRA_CLIENT_IDS]


def _get(url: str) -> requests.Response:
    try:
        response = requests.get(url, timeout=settings.GOOGLE_HTTP_TIMEOUT)
    except requests.RequestException as exc:
        raise GoogleUnavailable("network") from exc
    if response.status_code != 200:
        raise GoogleUnavailable(f"http_{response.status_code}")
    return response


def _max_age(response: requests.Response) -> int:
    match = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    ttl = int(match.group(1)) if match else DEFAULT_JWKS_TTL
    return max(60, min(ttl, MAX_JWKS_TTL))


def _key_set(*, refresh: bool = False) -> dict[str, Any]:
    """Google's JWKS, from the shared cache unless ``refresh``."""
    if not refresh:
        cached = cache.get(JWKS_CACHE_KEY)
        if cached is not None:
            return cached
    response = _get(settings.GOOGLE_CERTS_URL)
    try:
        key_set = response.json()
    except ValueError as exc:
        raise GoogleUnavailable("jwks_not_json") from exc
    if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
        raise GoogleUnavailable("jwks_malformed")
    cache.set(JWKS_CACHE_KEY, key_set, timeout=_max_age(response))
    return key_set


def _find_key(key_set: dict[str, Any], kid: str) -> Any | None:
    for entry in key_set.get("keys", []):
        if isinstance(entry, dict) and entry.get("kid") == kid:
            try:
                return jwt.PyJWK(entry, algorithm="RS256").key
            except jwt.PyJWTError:
                return None
    return None


def _signing_key(kid: str) -> Any:
    key = _find_key(_key_set(), kid)
    if key is None and cache.add(REFETCH_GUARD_KEY, 1, timeout=60):
        # Google may have rotated its keys since we cached the set.
        key = _find_key(_key_set(refresh=True), kid)
    if key is None:
        raise GoogleTokenInvalid("unknown_key")
    return key


def id_token_verify(raw_token: str) -> GoogleIdentity:
    """Verify a Google ID token and return who it names (raise GoogleTokenInvalid)."""
    if not is_configured():
        raise GoogleUnavailable("not_configured")
    try:
        header = jwt.get_unverified_header(raw_token)
    except jwt.PyJWTError as exc:
        raise GoogleTokenInvalid("malformed") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise GoogleTokenInvalid("algorithm")
    key = _signing_key(header["kid"])
    try:
        claims = jwt.decode(
            raw_token,
            key=key,
            algorithms=["RS256"],
            audience=audiences(),
            issuer=ISSUERS,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise GoogleTokenInvalid("expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise GoogleTokenInvalid("audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise GoogleTokenInvalid("issuer") from exc
    except jwt.PyJWTError as exc:
        raise GoogleTokenInvalid("signature") from exc
    email = claims.get("email") or ""
    if not email:
        raise GoogleTokenInvalid("no_email")
    return GoogleIdentity(
        subject=str(claims["sub"]),
        email=email,
        email_verified=claims.get("email_verified") in (True, "true"),
        given_name=claims.get("given_name") or "",
        family_name=claims.get("family_name") or "",
        picture=claims.get("picture") or "",
        locale=claims.get("locale") or "",
        claims=claims,
    )


def code_exchange(*, code: str, redirect_uri: str, code_verifier: str = "") -> GoogleTokens:
    """Trade an authorisation code for Google's tokens (raise GoogleTokenInvalid if refused)."""
    if not is_configured():
        raise GoogleUnavailable("not_configured")
    data = {
        "code": code,
        "client_id": settings.GOOGLE_CLIENT_ID,
        "client_secret": settings.GOOGLE_CLIENT_SECRET,
        "redirect_uri": redirect_uri,
        "grant_type": "authorization_code",
    }
    if code_verifier:
        data["code_verifier"] = code_verifier
    try:
        response = requests.post(
            settings.GOOGLE_TOKEN_URL, data=data, timeout=settings.GOOGLE_HTTP_TIMEOUT
        )
    except requests.RequestException as exc:
        raise GoogleUnavailable("network") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code in (400, 401):
        # {"error": "invalid_grant", "error_description": "Bad Request"}
        raise GoogleTokenInvalid(str(body.get("error") or "code_refused"))
    if response.status_code != 200 or not body.get("access_token") or not body.get("id_token"):
        raise GoogleUnavailable(f"token_http_{response.status_code}")
    expires_in = body.get("expires_in")
    return GoogleTokens(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token") or "",
        expires_at=(timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None),
        scopes=tuple(sorted(str(body.get("scope") or "").split())),
        id_token=body["id_token"],
    )
