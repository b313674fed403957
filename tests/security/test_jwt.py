"""The JWT algorithm is pinned: only HS256 with our signing key is accepted (docs/api.md, auth).

Forged tokens carry a real user's claims: ``alg: none``, HS256 signed with a public key (the
RS256/HS256 confusion), another HMAC algorithm, an RS256 header, and a wrong key. Each is a 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

PUBLIC_KEY_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
    "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
    "-----END PUBLIC KEY-----\n"
)


def b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hs256(claims: dict, key: bytes) -> str:
    """Sign by hand: PyJWT itself refuses a PEM key as an HMAC secret (the attack needs it)."""
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims)}"
    digest = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"


def claims_of(user) -> dict:
    return dict(AccessToken.for_user(user).payload)


def forged_tokens(user) -> dict[str, str]:
    claims = claims_of(user)
    hmac_key = settings.SIMPLE_JWT["SIGNING_KEY"]
    return {
        "alg none": f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.",
        "alg None, signature kept": (
            f"{b64({'alg': 'None', 'typ': 'JWT'})}.{b64(claims)}."
            + str(AccessToken.for_user(user)).rsplit(".", 1)[1]
        ),
        "HS256 keyed with a public key": hs256(claims, PUBLIC_KEY_PEM.encode()),
        "HS512 with our key": jwt.encode(claims, hmac_key, algorithm="HS512"),
        "HS384 with our key": jwt.encode(claims, hmac_key, algorithm="HS384"),
        "RS256 header, HMAC signature": (
            f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims)}."
            + str(AccessToken.for_user(user)).rsplit(".", 1)[1]
        ),
        "HS256 with another key": jwt.encode(claims, "x" * 64, algorithm="HS256"),
    }


def test_the_algorithm_is_pinned_in_settings():
    assert settings.SIMPLE_JWT["ALGORITHM"] == "HS256"


@pytest.mark.django_db
def test_a_genuine_token_is_accepted(api_client, user):
    # given a token the platform issued
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    # when it is used, then it works (the forgeries below differ from it only in the signature)
    assert api_client.get("/api/v1/auth/profile/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [
        "alg none",
        "alg None, signature kept",
        "HS256 keyed with a public key",
        "HS512 with our key",
        "HS384 with our key",
        "RS256 header, HMAC signature",
        "HS256 with another key",
    ],
)
def test_a_forged_token_is_refused(api_client, user, kind):
    # given a token with a real user's claims, forged in one way
    token = forged_tokens(user)[kind]

    # when it is presented
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get("/api/v1/auth/profile/")

    # then it is a 401 in the error shape
    assert response.status_code == 401
    assert set(response.json()["error"]) >= {"code", "message"}
