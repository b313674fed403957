"""Background moves: auto-completion of confirmed-by-one sessions, and session reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exchanges.models import Swap
from exchanges.services.common import _lock_swap, _notify
from exchanges.services.swaps import _complete

S = Swap.Status


def swaps_auto_complete(*, now: datetime | None = None) -> int:
    """Complete every swap marked complete more than EXCHANGES_AUTO_COMPLETE_HOURS ago.

    Each swap is completed in its own transaction under its row lock and re-checked there, so a
    dispute or confirmation that lands first wins and two workers never pay twice.
    """
    now = now or timezone.now()
    deadline = now - timedelta(hours=settings.EXCHANGES_AUTO_COMPLETE_HOURS)
    due = Swap.objects.filter(status=S.ACCEPTED, completion_requested_at__lte=deadline).values_list(
        "pk", flat=True
    )
    completed = 0
    for swap_id in list(due):
        with transaction.atomic():
            swap = _lock_swap(swap_id)
            if swap.status != S.ACCEPTED or swap.completion_requested_at is None:
                continue
            if swap.completion_requested_at > deadline:
                continue
            _complete(swap, now=now)
            for recipient in (swap.requester, swap.responder):
                _notify(swap, recipient=recipient, kind="swap_completed", auto=True)
            completed += 1
    return completed


REMINDERS = (
    # (field, notification kind, settings key)
    ("reminder_24h_sent_at", "session_reminder_24h", "24h"),
    ("reminder_1h_sent_at", "session_reminder_1h", "1h"),
)


def session_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send the 24 h and 1 h reminders that are due, each exactly once per session.

    A reminder is claimed by a conditional ``UPDATE … WHERE reminder_…_sent_at IS NULL`` in the
    same transaction that creates the notifications: of two beat ticks or two workers, only the
    one whose UPDATE changed the row sends. The 24 h reminder is skipped for sessions booked
    less than the 1 h window ahead (the 1 h reminder covers them).
    """
    now = now or timezone.now()
    windows = settings.EXCHANGES_REMINDER_WINDOWS
    sent = {}
    for field, kind, key in REMINDERS:
        window = timedelta(minutes=windows[key])
        due = Swap.objects.filter(
            status=S.ACCEPTED,
            scheduled_start__gt=now,
            scheduled_start__lte=now + window,
            **{f"{field}__isnull": True},
        )
        if key == "24h":
            due = due.filter(scheduled_start__gt=now + timedelta(minutes=windows["1h"]))
        count = 0
        for swap_id in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                claimed = Swap.objects.filter(
                    pk=swap_id, status=S.ACCEPTED, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                swap = Swap.objects.select_related("requester", "responder").get(pk=swap_id)
                for recipient in (swap.requester, swap.responder):
                    _notify(
                        swap,
                        recipient=recipient,
                        kind=kind,
                        other_name=swap.other_party(recipient).public_name,
                    )
                count += 1
        sent[key] = count
    return sent
