"""Google Calendar: make each linked participant's calendar match the swap."""

from __future__ import annotations

import logging

from django.utils import timezone

from exchanges.models import Swap

S = Swap.Status
logger = logging.getLogger(__name__)


CALENDAR_PRESENT = {S.ACCEPTED}
CALENDAR_ABSENT = {S.PENDING, S.REJECTED, S.CANCELLED, S.REFUNDED}


def swap_calendar_sync(*, swap: Swap | int, raise_unavailable: bool = False) -> list[dict]:
    """Make each linked participant's Google Calendar match the swap: create, update or delete.

    An accepted swap has an event at its current time; a cancelled, rejected or refunded one has
    none; a completed or disputed one keeps whatever it had. Holds no lock and no transaction
    while Google answers; each participant's event id is saved with a single-row UPDATE. Safe to
    run twice or concurrently (deterministic event ids). Returns one result per participant:
    ``{"user_id", "role", "status", "event_id", "html_link"}`` with status created, updated,
    deleted, unchanged, not_linked, reauth_required or error.
    """
    from exchanges import google_calendar

    swap_id = swap if isinstance(swap, int) else swap.pk
    swap = Swap.objects.select_related("requester", "responder").get(pk=swap_id)
    results = []
    for role, user, field in (
        ("requester", swap.requester, "requester_calendar_event_id"),
        ("responder", swap.responder, "responder_calendar_event_id"),
    ):
        current = getattr(swap, field)
        result = {"user_id": user.pk, "role": role, "event_id": current, "html_link": ""}
        results.append(result)
        token = google_calendar.google_token_get(user)
        if token is None:
            result["status"] = "not_linked"
            continue
        wanted = swap.status in CALENDAR_PRESENT
        if not wanted and (swap.status not in CALENDAR_ABSENT or not current):
            result["status"] = "unchanged"
            continue
        try:
            client = google_calendar.CalendarClient(user, token)
            if wanted:
                event_id = current or google_calendar.event_id_for(swap, user)
                body = google_calendar.event_body(swap, user, event_id)
                status, event = client.upsert(event_id, body, known=bool(current))
                new_id = event.event_id
                result.update(status=status, event_id=new_id, html_link=event.html_link)
            else:
                client.delete(current)
                new_id = ""
                result.update(status="deleted", event_id="")
        except google_calendar.CalendarReauthRequired:
            result["status"] = "reauth_required"
            continue
        except google_calendar.CalendarUnavailable:
            if raise_unavailable:
                raise
            result["status"] = "error"
            continue
        except google_calendar.CalendarError:
            logger.exception("Google Calendar refused swap %s for user %s", swap.pk, user.pk)
            result["status"] = "error"
            continue
        Swap.objects.filter(pk=swap.pk).update(
            **{field: new_id, "calendar_synced_at": timezone.now()}
        )
    return results
