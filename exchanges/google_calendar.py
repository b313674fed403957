"""Google Calendar: the one module that talks to the Calendar API v3 for exchanges.

Each participant who signed in with Google (and granted ``calendar.events``) gets their own event
in their primary calendar. Credentials come from ``accounts.selectors.google_credentials_get``
(the OAuth tokens allauth stored, with the refresh token); google-auth refreshes an expired access
token against Google's token endpoint before the call, and the new token is saved back through
``accounts.services.google_credentials_update``. Event ids are deterministic per swap and
participant, so an insert retried or raced by a second worker finds the first one (409 → update)
instead of duplicating it.

Everything goes through ``transport_factory()``, an httplib2-compatible ``Http``; tests replace it
with a fake that answers with Google's real JSON bodies.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

import httplib2
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accounts.models import User
    from exchanges.models import Swap

logger = logging.getLogger(__name__)

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events"

transport_factory: Callable[[], Any] = lambda: httplib2.Http(timeout=15)  # noqa: E731


class CalendarError(Exception):
    """Google answered with an error we cannot fix by retrying later (or at all)."""


class CalendarUnavailable(CalendarError):
    """Google could not be reached or answered 5xx/429: worth retrying."""


class CalendarReauthRequired(CalendarError):
    """The stored grant was revoked or has no refresh token: the user must link Google again."""


@dataclass(frozen=True)
class EventResult:
    event_id: str
    html_link: str


def google_token_get(user: User) -> Any | None:
    """The user's stored Google OAuth credentials (``accounts.selectors``), or None."""
    from accounts.selectors import google_credentials_get

    return google_credentials_get(user)


def _credentials(stored: Any) -> Any:
    from google.oauth2.credentials import Credentials

    expiry = stored.expiry
    if expiry is not None and timezone.is_aware(expiry):
        # google-auth compares expiry with a naive UTC "now".
        expiry = expiry.astimezone(UTC).replace(tzinfo=None)
    return Credentials(
        token=stored.token or None,
        refresh_token=stored.refresh_token or None,
        token_uri=stored.token_uri,
        client_id=stored.client_id,
        client_secret=stored.client_secret,
        expiry=expiry,
    )


def _save_refreshed(user: User, known_token: str, credentials: Any) -> str:
    """Keep the access token google-auth obtained by refreshing, for the next call."""
    from accounts.services import google_credentials_update

    if credentials.token and credentials.token != known_token:
        expires_at = credentials.expiry.replace(tzinfo=UTC) if credentials.expiry else None
        google_credentials_update(user=user, access_token=credentials.token, expires_at=expires_at)
    return credentials.token or known_token


def event_id_for(swap: Swap, user: User) -> str:
    """A stable event id (base32hex: 0-9 a-v) unique to this site, swap and participant."""
    site = hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()[:8]
    return f"ss{site}{swap.pk}u{user.pk}"


def event_body(swap: Swap, user: User, event_id: str) -> dict[str, Any]:
    """The Calendar API v3 event resource of ``swap`` for ``user``, in the user's language."""
    with translation.override(getattr(user, "language", None) or "en"):
        return _event_body(swap, user, event_id)


def _event_body(swap: Swap, user: User, event_id: str) -> dict[str, Any]:
    other = swap.other_party(user)
    description = swap.description or ""
    lines = [
        _("SkillSwap session with %(name)s") % {"name": other.public_name},
        f"{swap.get_session_type_display()} · {swap.get_mode_display()}",
    ]
    if description:
        lines += ["", description]
    body: dict[str, Any] = {
        "id": event_id,
        "summary": swap.title,
        "description": "\n".join(lines),
        "start": {"dateTime": swap.scheduled_start.astimezone(UTC).isoformat(), "timeZone": "UTC"},
        "end": {"dateTime": swap.scheduled_end.astimezone(UTC).isoformat(), "timeZone": "UTC"},
        "status": "confirmed",
        "extendedProperties": {"private": {"skillswapSwapId": str(swap.pk)}},
        "reminders": {"useDefault": True},
    }
    if swap.location:
        body["location"] = swap.location
    return body


class CalendarClient:
    """Calendar API v3 for one user's stored grant."""

    def __init__(self, user: User, stored: Any) -> None:
        import google_auth_httplib2
        from googleapiclient.discovery import build

        self.user = user
        self.known_token = stored.token
        self.credentials = _credentials(stored)
        if not self.credentials.refresh_token and not self.credentials.token:
            raise CalendarReauthRequired("no token")
        if stored.scopes and CALENDAR_SCOPE not in stored.scopes:
            raise CalendarReauthRequired("calendar.events was not granted")
        http = google_auth_httplib2.AuthorizedHttp(self.credentials, http=transport_factory())
        self.service = build(
            "calendar", "v3", http=http, cache_discovery=False, static_discovery=True
        )
        self.calendar_id = settings.GOOGLE_CALENDAR_ID

    def _execute(self, request: Any) -> Any:
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        try:
            result = request.execute(num_retries=0)
        except RefreshError as exc:
            raise CalendarReauthRequired(str(exc)) from exc
        except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
            raise CalendarUnavailable(str(exc)) from exc
        except HttpError as exc:
            status = int(exc.resp.status)
            if status in (401, 403) and "insufficient" in str(exc).lower():
                raise CalendarReauthRequired(str(exc)) from exc
            if status == 401:
                raise CalendarReauthRequired(str(exc)) from exc
            if status == 429 or status >= 500:
                raise CalendarUnavailable(str(exc)) from exc
            raise
        finally:
            self.known_token = _save_refreshed(self.user, self.known_token, self.credentials)
        return result

    def upsert(
        self, event_id: str, body: dict[str, Any], *, known: bool
    ) -> tuple[str, EventResult]:
        """Create or replace the event; ``("created"|"updated", result)``."""
        from googleapiclient.errors import HttpError

        events = self.service.events()
        if known:
            try:
                event = self._execute(
                    events.update(calendarId=self.calendar_id, eventId=event_id, body=body)
                )
                return "updated", EventResult(event["id"], event.get("htmlLink", ""))
            except HttpError as exc:
                if int(exc.resp.status) not in (404, 410):
                    raise CalendarError(str(exc)) from exc
        try:
            event = self._execute(events.insert(calendarId=self.calendar_id, body=body))
            return "created", EventResult(event["id"], event.get("htmlLink", ""))
        except HttpError as exc:
            if int(exc.resp.status) != 409:
                raise CalendarError(str(exc)) from exc
        # The id exists already (a retry, a race, or an event the user deleted): replace it.
        try:
            event = self._execute(
                events.update(calendarId=self.calendar_id, eventId=event_id, body=body)
            )
        except HttpError as exc:
            raise CalendarError(str(exc)) from exc
        return "updated", EventResult(event["id"], event.get("htmlLink", ""))

    def delete(self, event_id: str) -> bool:
        """Delete the event; False when it was already gone."""
        from googleapiclient.errors import HttpError

        try:
            self._execute(
                self.service.events().delete(
                    calendarId=self.calendar_id, eventId=event_id, sendUpdates="none"
                )
            )
        except HttpError as exc:
            if int(exc.resp.status) in (404, 410):
                return False
            raise CalendarError(str(exc)) from exc
        return True
