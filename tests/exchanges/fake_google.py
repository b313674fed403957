"""Google at the HTTP transport: an httplib2-compatible ``Http`` answering like Google does.

It serves the OAuth token endpoint's refresh response and Calendar API v3's events
insert/update/delete with the JSON bodies Google documents (event resources, error objects with
``errors[].reason``), keeping one calendar per access token's owner. Every request is recorded so
tests can assert what was sent.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httplib2

TOKEN_URL = "https://oauth2.googleapis.com/token"
EVENTS_PREFIX = "/calendar/v3/calendars/primary/events"


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGoogle:
    # refresh token -> the user label the calendar belongs to
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    # access token -> calendar owner
    access_tokens: dict[str, str] = field(default_factory=dict)
    # owner -> event id -> event resource
    calendars: dict[str, dict[str, dict]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    # httplib2.Http attributes google-auth-httplib2 may read
    timeout: int = 15
    follow_redirects: bool = True
    redirect_codes: frozenset = frozenset({300, 301, 302, 303, 307, 308})
    connections: dict = field(default_factory=dict)

    def grant(self, *, owner: str, access_token: str, refresh_token: str) -> None:
        self.refresh_tokens[refresh_token] = owner
        self.access_tokens[access_token] = owner
        self.calendars.setdefault(owner, {})

    # httplib2.Http.request(uri, method="GET", body=None, headers=None, ...)
    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        if isinstance(body, bytes):
            body = body.decode()
        parsed_body: Any = body
        if body and headers.get("content-type", "").startswith("application/json"):
            parsed_body = json.loads(body)
        elif body and "x-www-form-urlencoded" in headers.get("content-type", ""):
            parsed_body = {k: v[0] for k, v in parse_qs(body).items()}
        self.sent.append(Sent(method, uri, headers, parsed_body))
        if self.fail_next:
            return self._error(self.fail_next.pop(0), "backendError", "Backend Error")
        if uri == TOKEN_URL:
            return self._token(parsed_body)
        return self._calendar(uri, method, headers, parsed_body)

    # --- OAuth 2.0 token endpoint -------------------------------------------------------------

    def _token(self, form: dict) -> tuple[httplib2.Response, bytes]:
        owner = self.refresh_tokens.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or owner is None:
            return self._json(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        access = f"ya29.{secrets.token_urlsafe(24)}"
        self.access_tokens[access] = owner
        return self._json(
            200,
            {
                "access_token": access,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/calendar.events",
                "token_type": "Bearer",
            },
        )

    # --- Calendar API v3 ----------------------------------------------------------------------

    def _calendar(self, uri: str, method: str, headers: dict, body: Any):
        auth = headers.get("authorization", "")
        owner = self.access_tokens.get(auth.removeprefix("Bearer "))
        if owner is None:
            return self._error(401, "authError", "Invalid Credentials")
        path = urlsplit(uri).path
        assert path.startswith(EVENTS_PREFIX), path
        calendar = self.calendars.setdefault(owner, {})
        event_id = path[len(EVENTS_PREFIX) :].strip("/")
        if method == "POST" and not event_id:
            event_id = body.get("id") or secrets.token_hex(13)
            existing = calendar.get(event_id)
            if existing is not None:
                return self._error(409, "duplicate", "The requested identifier already exists.")
            calendar[event_id] = self._resource(owner, event_id, body, sequence=0)
            return self._json(200, calendar[event_id])
        existing = calendar.get(event_id)
        if method == "PUT":
            if existing is None:
                return self._error(404, "notFound", "Not Found")
            calendar[event_id] = self._resource(
                owner,
                event_id,
                body,
                sequence=existing["sequence"] + 1,
                created=existing["created"],
            )
            return self._json(200, calendar[event_id])
        if method == "DELETE":
            if existing is None:
                return self._error(404, "notFound", "Not Found")
            if existing["status"] == "cancelled":
                return self._error(410, "deleted", "Resource has been deleted")
            existing["status"] = "cancelled"
            return httplib2.Response({"status": "204"}), b""
        raise AssertionError(f"unexpected {method} {uri}")

    @staticmethod
    def _resource(
        owner: str, event_id: str, body: dict, *, sequence: int, created: str = ""
    ) -> dict:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "kind": "calendar#event",
            "etag": f'"{secrets.randbelow(10**16)}"',
            "id": event_id,
            "status": body.get("status", "confirmed"),
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": created or now,
            "updated": now,
            "summary": body.get("summary", ""),
            "description": body.get("description", ""),
            "location": body.get("location", ""),
            "creator": {"email": owner, "self": True},
            "organizer": {"email": owner, "self": True},
            "start": body["start"],
            "end": body["end"],
            "iCalUID": f"{event_id}@google.com",
            "sequence": sequence,
            "extendedProperties": body.get("extendedProperties", {}),
            "reminders": body.get("reminders", {"useDefault": True}),
            "eventType": "default",
        }

    @staticmethod
    def _json(status: int, payload: dict) -> tuple[httplib2.Response, bytes]:
        response = httplib2.Response(
            {"status": str(status), "content-type": "application/json; charset=UTF-8"}
        )
        return response, json.dumps(payload).encode()

    def _error(self, status: int, reason: str, message: str):
        return self._json(
            status,
            {
                "error": {
                    "code": status,
                    "message": message,
                    "errors": [{"domain": "global", "reason": reason, "message": message}],
                }
            },
        )

    def events(self, owner: str) -> dict[str, dict]:
        return self.calendars.get(owner, {})

    def calls(self, method: str, contains: str = "") -> list[Sent]:
        return [s for s in self.sent if s.method == method and contains in s.url]
