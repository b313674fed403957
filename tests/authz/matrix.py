"""The authorization matrix: one entry per route of ``config.api_v1``, as data.

An entry says how to build the object a route acts on (owned by a given member, with a given
peer: the other party of a swap, thread or match) and, per HTTP method, who may act. The test
(``test_matrix.py``) walks the URLconf, so a route or a method without an entry here fails it.

Outcomes (what the caller gets):

- ``PASS``: authorization let the request through: any status but 401, 403, 404 and 5xx (a 400
  for an empty body or a 409 for a move that is not the caller's turn still passed the gate);
- ``401``: anonymous caller on a route that needs a signed-in member;
- ``403``: the caller may see the object (or the route) but not do this;
- a tuple: any of these outcomes;
- ``404``: the object is private to others (docs/api.md: "404 also for objects the caller may not
  see"), so its existence does not leak.

Roles: anonymous, member, expert, moderator, admin. Relations: ``owner`` (the caller owns the
object, or is the user the route names) and ``other`` (a fresh member owns it).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

PASS = "pass"
ROLES = ("anonymous", "member", "expert", "moderator", "admin")
STAFF = ("moderator", "admin")
RELATIONS = ("owner", "other")

Expect = Callable[[str, str], Any]
Builder = Callable[[Any, Any], dict[str, Any]]


# --- rules: (role, relation) -> expected outcome -----------------------------------------------


def public(role: str, relation: str) -> Any:
    """Anyone, signed in or not."""
    return PASS


def signed_in(role: str, relation: str) -> Any:
    """Any signed-in member; the route acts on the caller's own data only."""
    return 401 if role == "anonymous" else PASS


def owner_only(role: str, relation: str) -> Any:
    """Private to its owner (and the peer): everyone else gets a 404, staff included."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" else 404


def owner_writes(role: str, relation: str) -> Any:
    """Anyone may see it; only its owner may change it. Writes look only among the caller's own
    objects, so another member's is a 404 there too (marketplace/api/views.py, OfferViewSet)."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" else 404


def owner_or_staff(role: str, relation: str) -> Any:
    """Private to its owner and the peer; staff (who manage it) see it too."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" or role in STAFF else 404


def owner_only_body_first(role: str, relation: str) -> Any:
    """Like ``owner_only``, but the body is validated before the lookup: an empty body is a 400
    for anyone, which says nothing about the object. A valid body from someone else is a 404."""
    if role == "anonymous":
        return 401
    return PASS if relation == "owner" else (400, 404)


def nobody_without_token(role: str, relation: str) -> Any:
    """Authenticated by a signed token in the query string only: without one, a 404."""
    return 404


def moderators(role: str, relation: str) -> Any:
    """Moderators and admins (the roles holding the permission); members get a 403."""
    if role == "anonymous":
        return 401
    return PASS if role in STAFF else 403


def admins(role: str, relation: str) -> Any:
    if role == "anonymous":
        return 401
    return PASS if role == "admin" else 403


def with_overrides(rule: Expect, **overrides: Any) -> Expect:
    """``rule`` except for ``role__relation=outcome`` pairs (e.g. ``admin__owner=400``)."""
    table = {tuple(key.split("__")): value for key, value in overrides.items()}

    def expect(role: str, relation: str) -> Any:
        return table.get((role, relation), rule(role, relation))

    expect.__doc__ = f"{rule.__name__} with {overrides}"
    return expect


@dataclass(frozen=True)
class Entry:
    """How to build a route's object and who may do what to it."""

    methods: dict[str, Expect]
    # (owner, peer) -> URL kwargs; None for routes without an object in their path.
    build: Builder | None = None
    # Whether the owner/other split means anything for this route.
    owned: bool = True
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- builders: make the object the route acts on, owned by ``owner`` ---------------------------


def _soon(hours: int) -> dt.datetime:
    moment = timezone.now() + dt.timedelta(hours=hours)
    return moment.replace(second=0, microsecond=0)


def user_itself(owner, peer) -> dict[str, Any]:
    return {"user_id": owner.pk}


def an_offer(owner, peer) -> dict[str, Any]:
    from tests.marketplace.factories import make_offer

    return {"pk": make_offer(owner=owner).pk}


def an_offer_image(owner, peer) -> dict[str, Any]:
    from marketplace.services.offer_images import offer_images_add
    from tests.marketplace.factories import make_offer
    from tests.messaging.factories import png_bytes, upload

    offer = make_offer(owner=owner)
    (image,) = offer_images_add(offer=offer, files=[upload("a.png", png_bytes(), "image/png")])
    return {"pk": offer.pk, "image_id": image.pk}


def a_catalogue_skill(owner, peer) -> dict[str, Any]:
    from tests.marketplace.factories import SkillFactory

    return {"pk": SkillFactory().pk}


def a_user_skill(owner, peer) -> dict[str, Any]:
    from tests.marketplace.factories import UserSkillFactory

    return {"pk": UserSkillFactory(user=owner).pk}


def a_slot(owner, peer) -> dict[str, Any]:
    from tests.marketplace.factories import SlotFactory

    return {"pk": SlotFactory(user=owner).pk}


def an_availability_exception(owner, peer) -> dict[str, Any]:
    from marketplace.services.availability import availability_exception_create

    exception = availability_exception_create(user=owner, starts_at=_soon(24), ends_at=_soon(26))
    return {"pk": exception.pk}


def a_match(owner, peer) -> dict[str, Any]:
    from marketplace.services.matches import match_create
    from tests.rewards.factories import granter

    return {"pk": match_create(created_by=granter(), user_a=owner, user_b=peer).pk}


def a_swap(owner, peer) -> dict[str, Any]:
    """A pending swap the owner asked the peer for."""
    from exchanges.services import swap_create

    return {"pk": swap_create(requester=owner, responder=peer, scheduled_start=_soon(48)).pk}


def an_order(owner, peer) -> dict[str, Any]:
    """A pending points swap (seed 002's order) the owner asked the peer for."""
    from exchanges.models import Swap
    from exchanges.services import swap_create
    from rewards.services import points_grant
    from tests.rewards.factories import granter

    points_grant(user=owner, amount=50, reason="authz matrix", granted_by=granter())
    swap = swap_create(
        requester=owner,
        responder=peer,
        scheduled_start=_soon(48),
        kind=Swap.Kind.POINTS,
        points_amount=10,
    )
    return {"pk": swap.pk}


def a_video_call(owner, peer) -> dict[str, Any]:
    from exchanges.services import swap_accept, swap_create, video_call_create

    swap = swap_create(requester=owner, responder=peer, scheduled_start=_soon(1))
    swap_accept(swap=swap, actor=peer)
    call, _created = video_call_create(swap=swap, actor=owner)
    return {"pk": call.pk}


def a_thread(owner, peer) -> dict[str, Any]:
    from tests.messaging.factories import pair_thread, send

    thread = pair_thread(owner, peer)
    send(thread, peer, "Hello from the peer")
    return {"thread_id": thread.pk}


def a_message(owner, peer) -> dict[str, Any]:
    """A message the owner wrote in the owner's thread with the peer."""
    from tests.messaging.factories import pair_thread, send

    thread = pair_thread(owner, peer)
    return {"thread_id": thread.pk, "message_id": send(thread, owner, "Mine").pk}


def a_peer_message(owner, peer) -> dict[str, Any]:
    """A message the peer wrote to the owner (the owner may report it)."""
    from tests.messaging.factories import pair_thread, send

    thread = pair_thread(owner, peer)
    return {"thread_id": thread.pk, "message_id": send(thread, peer, "Theirs").pk}


def an_attachment(owner, peer) -> dict[str, Any]:
    from messaging.models import Attachment
    from tests.messaging.factories import pair_thread, png_bytes, send, upload

    thread = pair_thread(owner, peer)
    message = send(thread, owner, "", attachments=[upload("p.png", png_bytes(), "image/png")])
    attachment = Attachment.objects.get(message_id=message.pk)
    return {"thread_id": thread.pk, "attachment_id": attachment.pk}


def a_block(owner, peer) -> dict[str, Any]:
    from messaging.services.blocks import user_block

    user_block(blocker=owner, blocked=peer)
    return {"user_id": peer.pk}


def a_notification(owner, peer) -> dict[str, Any]:
    from tests.messaging.factories import pair_thread, send

    send(pair_thread(owner, peer), peer, "You have mail")
    return {"notification_id": owner.notifications.get().pk}


# --- the matrix --------------------------------------------------------------------------------

COLLECTION = {"GET": signed_in, "POST": signed_in}
AUTH = {"POST": public}

MATRIX: dict[str, Entry] = {
    # platform
    "health": Entry({"GET": public}, owned=False),
    "schema": Entry({"GET": public}, owned=False),
    # accounts: sign-in flows are open; the profile is the caller's own
    "auth-signup": Entry(AUTH, owned=False),
    "auth-register": Entry(AUTH, owned=False),
    "auth-login": Entry(AUTH, owned=False),
    "auth-refresh": Entry(AUTH, owned=False),
    "auth-logout": Entry({"POST": signed_in}, owned=False),
    "auth-google": Entry(AUTH, owned=False),
    "auth-password-reset": Entry(AUTH, owned=False),
    "auth-password-reset-confirm": Entry(AUTH, owned=False),
    "auth-email-verify": Entry(AUTH, owned=False),
    "auth-email-verify-resend": Entry({"POST": signed_in}, owned=False),
    "auth-password-change": Entry({"POST": signed_in}, owned=False),
    "auth-profile": Entry({"GET": signed_in, "PUT": signed_in, "PATCH": signed_in}, owned=False),
    "users-me": Entry({"GET": signed_in, "PUT": signed_in, "PATCH": signed_in}, owned=False),
    "auth-account-delete": Entry({"POST": signed_in}, owned=False),
    "auth-export": Entry({"GET": signed_in}, owned=False),
    "users-register": Entry(AUTH, owned=False),
    "users-login": Entry(AUTH, owned=False),
    "users-logout": Entry({"POST": signed_in}, owned=False),
    "users-list": Entry({"GET": moderators}, owned=False),
    "admin-users-list": Entry({"GET": moderators}, owned=False),
    "admin-users-detail": Entry({"GET": moderators}, build=user_itself),
    "users-detail": Entry({"GET": signed_in}, build=user_itself),
    # Staff act on others, never on themselves.
    "users-suspend": Entry(
        {"POST": with_overrides(moderators, moderator__owner=403, admin__owner=403)},
        build=user_itself,
    ),
    "users-reactivate": Entry(
        {"POST": with_overrides(moderators, moderator__owner=403, admin__owner=403)},
        build=user_itself,
    ),
    "users-role": Entry({"POST": with_overrides(admins, admin__owner=403)}, build=user_itself),
    # marketplace
    "category-list": Entry({"GET": public}, owned=False),
    "skill-category-list": Entry({"GET": public}, owned=False),
    "create-gig": Entry({"POST": signed_in}, owned=False),
    "offer-list": Entry({"GET": public, "POST": signed_in}, owned=False),
    "gig-list": Entry({"GET": public, "POST": signed_in}, owned=False),
    # seed 002's skills/: the member's own listings
    "listing-list": Entry(COLLECTION, owned=False),
    "skill-list": Entry({"GET": public}, owned=False),
    "skill-detail": Entry({"GET": public}, build=a_catalogue_skill, owned=False),
    "user-skill-list": Entry(COLLECTION, owned=False),
    "availability-list": Entry(COLLECTION, owned=False),
    "user-availability-list": Entry(COLLECTION, owned=False),
    "availability-exception-list": Entry(COLLECTION, owned=False),
    "match-list": Entry({"GET": signed_in, "POST": moderators}, owned=False),
    # swaps and their aliases: lists of the caller's own
    "swap-list": Entry(COLLECTION, owned=False),
    "meeting-list": Entry(COLLECTION, owned=False),
    "session-list": Entry(COLLECTION, owned=False),
    "order-list": Entry(COLLECTION, owned=False),
    "points-transfer": Entry({"POST": signed_in}, owned=False),
    "credits-transfer": Entry({"POST": signed_in}, owned=False),
    "video-call-list": Entry(COLLECTION, owned=False),
    "calendar-feed": Entry({"GET": signed_in}, owned=False),
    "calendar-feed-reset": Entry({"POST": signed_in}, owned=False),
    # the feed is authenticated by its signed token, not a session: without one it is refused
    "calendar-ics": Entry({"GET": nobody_without_token}, owned=False),
    # rewards
    "points-balance": Entry({"GET": signed_in}, owned=False),
    "credits-balance": Entry({"GET": signed_in}, owned=False),
    "points-transactions": Entry({"GET": signed_in}, owned=False),
    "credit-transactions": Entry({"GET": signed_in}, owned=False),
    # messaging
    "messaging-threads": Entry(COLLECTION, owned=False),
    "messaging-blocks": Entry(COLLECTION, owned=False),
    "chat-rooms": Entry(COLLECTION, owned=False),
    "notifications": Entry({"GET": signed_in}, owned=False),
    "notifications-read-all": Entry({"POST": signed_in}, owned=False),
    "notifications-preferences": Entry({"GET": signed_in, "PUT": signed_in}, owned=False),
}

# Offers and their seed aliases (gigs/, skills/): public to read, the owner's to change,
# moderators approve and remove.
for prefix in ("offer", "gig"):
    MATRIX[f"{prefix}-detail"] = Entry(
        {"GET": public, "PUT": owner_writes, "PATCH": owner_writes, "DELETE": owner_writes},
        build=an_offer,
    )
    MATRIX[f"{prefix}-image-delete"] = Entry({"DELETE": owner_writes}, build=an_offer_image)
    MATRIX[f"{prefix}-images-add"] = Entry({"POST": owner_writes}, build=an_offer)
    MATRIX[f"{prefix}-images-reorder"] = Entry({"POST": owner_writes}, build=an_offer)
    MATRIX[f"{prefix}-moderate-approve"] = Entry({"POST": moderators}, build=an_offer)
    MATRIX[f"{prefix}-moderate-remove"] = Entry({"POST": moderators}, build=an_offer)
# Seed 002's skills/ are the member's own listings: private even to read.
MATRIX["listing-detail"] = Entry(
    {"GET": owner_only, "PUT": owner_only, "PATCH": owner_only, "DELETE": owner_only},
    build=an_offer,
)

PRIVATE_RUD = {"GET": owner_only, "PATCH": owner_only, "DELETE": owner_only}
# A member's skills are part of their public profile; only the owner changes them.
MATRIX["user-skill-detail"] = Entry(
    {"GET": signed_in, "PATCH": owner_only, "DELETE": owner_only}, build=a_user_skill
)
MATRIX["availability-detail"] = Entry(PRIVATE_RUD, build=a_slot)
MATRIX["user-availability-detail"] = Entry(PRIVATE_RUD, build=a_slot)
MATRIX["availability-exception-detail"] = Entry(PRIVATE_RUD, build=an_availability_exception)
MATRIX["match-detail"] = Entry({"GET": owner_or_staff, "DELETE": moderators}, build=a_match)
MATRIX["match-accept"] = Entry({"POST": owner_only}, build=a_match)
MATRIX["match-decline"] = Entry({"POST": owner_only}, build=a_match)

SWAP_ACTIONS = (
    "accept",
    "reject",
    "cancel",
    "reschedule",
    "accept-reschedule",
    "decline-reschedule",
    "complete",
    "dispute",
    "sync-calendar",
)
MATRIX["swap-detail"] = Entry(
    {"GET": owner_only, "PUT": owner_only, "PATCH": owner_only}, build=a_swap
)
for action in SWAP_ACTIONS:
    MATRIX[f"swap-{action}"] = Entry({"POST": owner_only}, build=a_swap)
MATRIX["meeting-detail"] = Entry({"GET": owner_only}, build=a_swap)
MATRIX["meeting-update-status"] = Entry({"PATCH": owner_only_body_first}, build=a_swap)
MATRIX["session-detail"] = Entry(
    {"GET": owner_only, "PATCH": owner_only, "DELETE": owner_only}, build=a_swap
)
MATRIX["order-detail"] = Entry(
    {"GET": owner_only, "PUT": owner_only, "PATCH": owner_only}, build=an_order
)
MATRIX["video-call-detail"] = Entry({"GET": owner_only}, build=a_video_call)
MATRIX["video-call-end"] = Entry({"POST": owner_only}, build=a_video_call)

MATRIX["messaging-thread"] = Entry({"GET": owner_only, "POST": owner_only}, build=a_thread)
MATRIX["messaging-read"] = Entry({"POST": owner_only}, build=a_thread)
MATRIX["chat-room"] = Entry({"GET": owner_only}, build=a_thread)
MATRIX["chat-room-send"] = Entry({"POST": owner_only}, build=a_thread)
MATRIX["messaging-attachment"] = Entry({"GET": owner_only}, build=an_attachment)
MATRIX["messaging-attachment-thumbnail"] = Entry({"GET": owner_only}, build=an_attachment)
MATRIX["messaging-message"] = Entry(
    {"GET": owner_only, "PATCH": owner_only_body_first, "DELETE": owner_only}, build=a_message
)
MATRIX["messaging-message-report"] = Entry({"POST": owner_only_body_first}, build=a_peer_message)
MATRIX["messaging-block"] = Entry({"DELETE": owner_only}, build=a_block)
MATRIX["notification"] = Entry(
    {"GET": owner_only, "PATCH": owner_only_body_first}, build=a_notification
)


# --- later areas: each keeps its entries in its own module, merged here --------------------------
# (tests/authz/matrix_<area>.py defines ``ENTRIES: dict[str, Entry]`` using the rules above.)
for _area in (
    "forums",
    "reviews",
    "events",
    "moderation",
    "billing",
    "subscriptions",
    "achievements",
    "leaderboard",
    "dashboard",
    "engagement",
):
    MATRIX.update(importlib.import_module(f"tests.authz.matrix_{_area}").ENTRIES)
