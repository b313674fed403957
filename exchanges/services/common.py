"""What every swap service shares: the swap row lock, party notifications, the calendar hook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection

from core.exceptions import NotFound
from exchanges.models import Swap
from messaging import services as messaging_services

if TYPE_CHECKING:
    from accounts.models import User


def _lock_swap(swap: Swap | int) -> Swap:
    """Fetch the swap ``FOR NO KEY UPDATE`` (with both parties). Call inside a transaction.

    ``no_key``: the moves change the swap's status, times and user references (``cancelled_by``,
    ``proposed_by``, …), never a key column, so bookings, calls and threads that reference the
    swap can still be inserted while it is locked (docs/architecture.md, lock order).
    """
    swap_id = swap if isinstance(swap, int) else swap.pk
    try:
        return (
            Swap.objects.select_for_update(no_key=True, of=("self",))
            .select_related("requester", "responder")
            .get(pk=swap_id)
        )
    except Swap.DoesNotExist as exc:
        raise NotFound() from exc


def _notify(
    swap: Swap,
    *,
    recipient: User,
    kind: str,
    preference: tuple[bool, bool] | None = None,
    **extra: Any,
) -> None:
    """Notify one party (after commit, through messaging) with the keys its texts use.

    ``preference``: the recipient's ``(in_app, email)`` for ``kind`` when already read with the
    swap (the accept reads it under the swap's lock); messaging looks it up otherwise.
    """
    other = swap.other_party(recipient)
    context = {
        "swap_id": swap.pk,
        "swap_title": swap.title,
        "other_name": other.public_name,
        "start": swap.scheduled_start.isoformat(),
        "end": swap.scheduled_end.isoformat(),
        "status": swap.status,
        "points_amount": swap.points_amount,
        **extra,
    }
    messaging_services.notification_send(
        recipient=recipient,
        kind=kind,
        context=context,
        related_type="swap",
        related_id=swap.pk,
        preference=preference,
    )


def _calendar_linked_sql(requester_column: str, responder_column: str) -> str:
    """An SQL ``EXISTS`` (no parameters): either party has a Google token stored.

    The same test as ``_calendar_sync_on_commit``'s query, for a statement that reads the swap.
    """
    from allauth.socialaccount.models import SocialAccount, SocialToken

    quote = connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {quote(SocialToken._meta.db_table)} t"  # noqa: S608 - model names
        f" JOIN {quote(SocialAccount._meta.db_table)} a ON t.account_id = a.id"
        f" WHERE a.provider = 'google' AND a.user_id IN ({requester_column}, {responder_column}))"
    )


def _calendar_sync_on_commit(swap: Swap) -> None:
    """Queue the Google Calendar update once the move has committed (only if anyone linked)."""
    from allauth.socialaccount.models import SocialToken

    from exchanges.tasks import swap_calendar_sync_task

    has_events = swap.requester_calendar_event_id or swap.responder_calendar_event_id
    # One query for both parties; the same test as ``google_token_get`` (a Google token stored).
    if has_events or (
        SocialToken.objects.filter(
            account__user_id__in=[swap.requester_id, swap.responder_id],
            account__provider="google",
        ).exists()
    ):
        swap_calendar_sync_task.delay_on_commit(swap.pk)
