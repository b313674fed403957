"""A fake Google on loopback HTTP: its JWKS endpoint and its OAuth token endpoint.

Our code fetches Google's keys and exchanges codes over real HTTP, exactly as in production;
only the host differs (settings.GOOGLE_CERTS_URL / GOOGLE_TOKEN_URL point here). Tokens are real
RS256 JWTs signed with a test RSA key published in the JWKS, in Google's claim format.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "1234567890-skillswap.apps.googleusercontent.com"
CLIENT_SECRET = "test-google-secret"  # noqa: S105
ISSUER = "https://accounts.google.com"


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole run (generating one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeGoogle:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self.key = rsa_key("google")
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        # code -> (HTTP status, JSON body) the token endpoint answers
        self.codes: dict[str, tuple[int, dict[str, Any]]] = {}
        self.jwks_status = 200
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def certs_url(self) -> str:
        return f"{self.base_url}/oauth2/v3/certs"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def start(self) -> FakeGoogle:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "azp": CLIENT_ID,
            "aud": CLIENT_ID,
            "sub": "110169484474386276334",
            "email": "nadia.farouk@gmail.com",
            "email_verified": True,
            "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
            "name": "Nadia Farouk",
            "given_name": "Nadia",
            "family_name": "Farouk",
            "picture": "https://lh3.googleusercontent.com/a/default-user",
            "locale": "ar",
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def id_token(self, *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None, **claims):
        return jwt.encode(
            self.claims(**claims),
            key or self.key,
            algorithm="RS256",
            headers={"kid": kid or self.kid, "typ": "JWT"},
        )

    def grant_code(self, code: str, *, id_token: str, refresh_token: str = "1//0rt") -> None:  # noqa: S107
        """Make the token endpoint accept ``code`` with Google's answer."""
        body = {
            "access_token": "ya29.a0AfH6SMB-access",
            "expires_in": 3599,
            "scope": (
                "openid https://www.googleapis.com/auth/calendar.events "
                "https://www.googleapis.com/auth/userinfo.email "
                "https://www.googleapis.com/auth/userinfo.profile"
            ),
            "token_type": "Bearer",
            "id_token": id_token,
        }
        if refresh_token:
            body["refresh_token"] = refresh_token
        self.codes[code] = (200, body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any], headers: dict | None = None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                fake.requests.append(("GET", self.path, {}))
                if self.path == "/oauth2/v3/certs":
                    self._reply(
                        fake.jwks_status,
                        fake.jwks(),
                        {"Cache-Control": "public, max-age=19204, must-revalidate, no-transform"},
                    )
                else:
                    self._reply(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode())
                fake.requests.append(("POST", self.path, form))
                code = form.get("code", [""])[0]
                valid_client = form.get("client_id") == [CLIENT_ID] and form.get(
                    "client_secret"
                ) == [CLIENT_SECRET]
                if self.path != "/token" or not valid_client or code not in fake.codes:
                    self._reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
                    return
                status, body = fake.codes.pop(code)
                self._reply(status, body)

        return Handler
