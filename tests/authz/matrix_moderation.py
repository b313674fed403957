"""Authorization entries of the moderation routes (merged into tests/authz/matrix.py)."""

from __future__ import annotations

from typing import Any

from tests.authz.matrix import Entry, moderators, owner_only, signed_in


def a_ticket(owner, peer) -> dict[str, Any]:
    from tests.community.moderation.factories import TicketFactory

    return {"pk": TicketFactory(member=owner).pk}


ENTRIES: dict[str, Entry] = {
    # Any member reports and lists the reports they made.
    "report-list": Entry({"GET": signed_in, "POST": signed_in}, owned=False),
    # A member's tickets are private to them (staff handle them under admin/tickets/).
    "support-ticket-list": Entry({"GET": signed_in, "POST": signed_in}, owned=False),
    "support-ticket-detail": Entry({"GET": owner_only}, build=a_ticket),
    "support-ticket-replies": Entry({"POST": owner_only}, build=a_ticket),
    # Seed 004's staff screens: moderators ("managers") and admins.
    "admin-ticket-list": Entry({"GET": moderators}, owned=False),
    "admin-ticket-detail": Entry({"GET": moderators, "PATCH": moderators}, build=a_ticket),
    "admin-ticket-replies": Entry({"POST": moderators}, build=a_ticket),
    "admin-friend-list": Entry({"GET": moderators}, owned=False),
}
