"""Every write of the exchanges app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

One module per topic; this package re-exports every public name, so callers import
``from exchanges import services`` (or ``from exchanges.services import swap_accept``).

- ``swaps``: the request (and its pricing), the named moves, PUT/PATCH edits, the deletion hook;
- ``scheduling``: time rules, availability, bookings and the diary locks;
- ``points``: the swap's escrow and tips for a swap, the only calls into the ledger;
- ``video_calls``: rooms, join tokens, joins and leaves, the end of a call;
- ``background``: auto-completion and session reminders (run by Celery beat);
- ``calendar_feed`` and ``calendar_sync``: the ``calendar.ics`` feed and Google Calendar.

Lock order, always: the swap row, then the participants' diaries and bookings, then the video call
rows, then the wallets (``rewards.services`` locks them in primary-key order); see
docs/architecture.md. Every row lock is ``FOR NO KEY UPDATE``: no move changes a key column.
"""

from exchanges.services.background import REMINDERS, session_reminders_send, swaps_auto_complete
from exchanges.services.calendar_feed import calendar_feed_get_or_create, calendar_feed_reset
from exchanges.services.calendar_sync import (
    CALENDAR_ABSENT,
    CALENDAR_PRESENT,
    swap_calendar_sync,
)
from exchanges.services.points import cancellation_split, swap_points_transfer
from exchanges.services.scheduling import DIARY_LOCK_NAMESPACE
from exchanges.services.swaps import (
    swap_accept,
    swap_cancel,
    swap_complete,
    swap_create,
    swap_dispute,
    swap_move,
    swap_order_create,
    swap_pricing,
    swap_reject,
    swap_reschedule,
    swap_reschedule_accept,
    swap_reschedule_decline,
    swap_resolve_dispute,
    swap_update,
    swaps_on_user_deleted,
)
from exchanges.services.video_calls import (
    video_call_create,
    video_call_end,
    video_call_join,
    video_call_leave,
    video_call_token_refresh,
    video_calls_close_for_swap,
)

__all__ = [
    "CALENDAR_ABSENT",
    "CALENDAR_PRESENT",
    "DIARY_LOCK_NAMESPACE",
    "REMINDERS",
    "calendar_feed_get_or_create",
    "calendar_feed_reset",
    "cancellation_split",
    "session_reminders_send",
    "swap_accept",
    "swap_calendar_sync",
    "swap_cancel",
    "swap_complete",
    "swap_create",
    "swap_dispute",
    "swap_move",
    "swap_order_create",
    "swap_points_transfer",
    "swap_pricing",
    "swap_reject",
    "swap_reschedule",
    "swap_reschedule_accept",
    "swap_reschedule_decline",
    "swap_resolve_dispute",
    "swap_update",
    "swaps_auto_complete",
    "swaps_on_user_deleted",
    "video_call_create",
    "video_call_end",
    "video_call_join",
    "video_call_leave",
    "video_call_token_refresh",
    "video_calls_close_for_swap",
]
