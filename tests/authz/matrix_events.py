"""Authorization entries of the events routes (merged into tests/authz/matrix.py).

Events are public pages, so reading one is open to anyone; booking needs a signed-in member who
is not the host (the host's own booking is a 403: the event is visible, the move is not theirs);
cancelling acts on the caller's own booking (none: 404); only the host messages the attendees.
"""

from __future__ import annotations

from typing import Any

from tests.authz.matrix import Entry, public, signed_in


def _not_the_host(role: str, relation: str) -> Any:
    if role == "anonymous":
        return 401
    return 403 if relation == "owner" else "pass"


def _own_booking(role: str, relation: str) -> Any:
    if role == "anonymous":
        return 401
    return "pass" if relation == "owner" else 404


def _host_only(role: str, relation: str) -> Any:
    if role == "anonymous":
        return 401
    return "pass" if relation == "owner" else 403


def an_event_hosted(owner, peer) -> dict[str, Any]:
    """An upcoming free event the owner hosts."""
    from tests.community.events.factories import make_event

    return {"pk": make_event(host=owner).pk}


def an_event_booked(owner, peer) -> dict[str, Any]:
    """An upcoming event the peer hosts, where the owner holds a seat."""
    from community.events.services import event_book
    from tests.community.events.factories import make_event

    event = make_event(host=peer)
    event_book(event=event, member=owner)
    return {"pk": event.pk}


def an_event_with_attendee(owner, peer) -> dict[str, Any]:
    """An upcoming event the owner hosts, where the peer holds a seat."""
    from community.events.services import event_book
    from tests.community.events.factories import make_event

    event = make_event(host=owner)
    event_book(event=event, member=peer)
    return {"pk": event.pk}


ENTRIES: dict[str, Entry] = {
    "event-list": Entry({"GET": public}, owned=False),
    "event-detail": Entry({"GET": public}, build=an_event_hosted, owned=False),
    # An empty body lacks event_id: a 400 for any signed-in caller (the gate was passed).
    "event-book-alias": Entry({"POST": signed_in}, owned=False),
    "event-booking-list": Entry({"GET": signed_in}, owned=False),
    "event-book": Entry({"POST": _not_the_host}, build=an_event_hosted),
    "event-cancel-booking": Entry({"POST": _own_booking}, build=an_event_booked),
    "event-message-attendees": Entry({"POST": _host_only}, build=an_event_with_attendee),
}
