"""Who may make which move on a swap, and when.

::

    pending ──accept──▶ accepted ──complete (mark + confirm, or 48 h)──▶ completed
       │                   │  └──dispute──▶ disputed ──moderator──▶ completed | refunded
       ├──reject──▶ rejected
       └──cancel──▶ cancelled ◀──cancel── accepted

A reschedule is a proposal on a pending or accepted swap that the other party accepts or
declines; it never changes the status. Every refusal is a 409 carrying the current status and the
moves the caller could make instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from core.exceptions import Conflict
from exchanges.models import Swap

if TYPE_CHECKING:
    from accounts.models import User

S = Swap.Status

REQUESTER = "requester"
RESPONDER = "responder"
EITHER = "either"

ACTIONS = (
    "accept",
    "reject",
    "cancel",
    "reschedule",
    "accept_reschedule",
    "decline_reschedule",
    "complete",
    "dispute",
)


@dataclass(frozen=True)
class Move:
    from_statuses: frozenset[str]
    actor: str


# Status and actor rules; timing rules live in ``refusal`` below.
MOVES: dict[str, Move] = {
    "accept": Move(frozenset({S.PENDING}), RESPONDER),
    "reject": Move(frozenset({S.PENDING}), RESPONDER),
    "reschedule": Move(frozenset({S.PENDING, S.ACCEPTED}), EITHER),
    "accept_reschedule": Move(frozenset({S.PENDING, S.ACCEPTED}), EITHER),
    "decline_reschedule": Move(frozenset({S.PENDING, S.ACCEPTED}), EITHER),
    "complete": Move(frozenset({S.ACCEPTED}), EITHER),
    "dispute": Move(frozenset({S.ACCEPTED}), EITHER),
}

# ``status`` values a client may PUT/PATCH, and the named action each one means.
STATUS_TO_ACTION = {
    S.ACCEPTED: "accept",
    "confirmed": "accept",  # seed 003's word for accepted
    S.REJECTED: "reject",
    S.CANCELLED: "cancel",
    S.COMPLETED: "complete",
    S.DISPUTED: "dispute",
}


def role_of(swap: Swap, user: User) -> str | None:
    if user.pk == swap.requester_id:
        return REQUESTER
    if user.pk == swap.responder_id:
        return RESPONDER
    return None


def refusal(action: str, *, swap: Swap, user: User, now: datetime) -> str | None:
    """Why ``user`` may not make ``action`` on ``swap`` now, or None when the move is allowed."""
    role = role_of(swap, user)
    if role is None:
        return _("Only the two parties of a swap can change it.")

    if action == "cancel":
        # A pending request is withdrawn by its requester (the responder rejects it instead);
        # an accepted session can be called off by either party until it starts.
        if swap.status == S.PENDING:
            if role != REQUESTER:
                return _("Only the requester can withdraw a pending request; reject it instead.")
            return None
        if swap.status == S.ACCEPTED:
            if now >= swap.scheduled_start:
                return _("The session has started; open a dispute instead of cancelling.")
            return None
        return _("Only a pending or accepted swap can be cancelled.")

    move = MOVES[action]
    if swap.status not in move.from_statuses:
        return _("This move is not possible while the swap is %(status)s.") % {
            "status": swap.get_status_display().lower()
        }
    if move.actor != EITHER and role != move.actor:
        if move.actor == RESPONDER:
            return _("Only the responder can make this move.")
        return _("Only the requester can make this move.")

    if action == "accept" and now >= swap.scheduled_start:
        return _("The requested time has passed; propose a new time instead.")
    if action == "reschedule" and now >= swap.scheduled_start:
        return _("The session has already started.")
    if action in {"accept_reschedule", "decline_reschedule"}:
        if swap.proposed_start is None:
            return _("There is no reschedule proposal to answer.")
        if action == "accept_reschedule" and swap.proposed_by_id == user.pk:
            return _("The other party has to accept your proposal.")
    if action == "complete":
        if now < swap.scheduled_end:
            return _("A session can be marked complete only after it has ended.")
        if swap.completion_requested_by_id == user.pk:
            return _("You already marked this session complete; the other party confirms it.")
    if action == "dispute" and now < swap.scheduled_start:
        return _("A session can be disputed only once it has started; cancel it instead.")
    return None


def allowed_actions(*, swap: Swap, user: User, now: datetime) -> list[str]:
    """The named moves ``user`` can make on ``swap`` right now."""
    if role_of(swap, user) is None:
        return []
    return [action for action in ACTIONS if refusal(action, swap=swap, user=user, now=now) is None]


def ensure_allowed(action: str, *, swap: Swap, user: User, now: datetime) -> None:
    """Raise a 409 carrying the current status unless ``user`` may make ``action`` now."""
    reason = refusal(action, swap=swap, user=user, now=now)
    if reason is not None:
        raise invalid_transition(reason, swap=swap, user=user, now=now)


def invalid_transition(message: str, *, swap: Swap, user: User, now: datetime) -> Conflict:
    extra: dict[str, Any] = {
        "current_status": swap.status,
        "allowed_actions": allowed_actions(swap=swap, user=user, now=now),
    }
    return Conflict(message, code="invalid_transition", extra=extra)
