"""The reportable kinds that live in lower apps: ``user``, ``offer`` and ``message``.

Registered from ``ModerationConfig.ready()``; forums registers ``thread`` and ``post`` itself
(community/moderation/targets.py). Each ``resolve`` answers only what the reporter may see, so
reporting something private to others is a 404 like reading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from community.moderation.targets import ReportableKind, register

if TYPE_CHECKING:
    from accounts.models import User

DESCRIBE_CHARS = 120


def _user_resolve(target_id: int, reporter: User) -> Any:
    from accounts.models import User

    return User.objects.filter(pk=target_id, is_active=True, deleted_at__isnull=True).first()


def _user_describe(user: Any) -> str:
    return str(user.public_name)


def _user_url(user: Any) -> str:
    return reverse("marketplace:profile", args=[user.pk])


def _offer_resolve(target_id: int, reporter: User) -> Any:
    from marketplace.selectors import offer_get

    return offer_get(viewer=reporter, offer_id=target_id)


def _offer_hide(offer: Any, moderator: User, reason: str) -> None:
    from marketplace.models import OfferStatus
    from marketplace.services.offers import offer_moderate_remove

    if offer.status != OfferStatus.REMOVED:
        # Tells the owner itself (moderation_decision, "removed", with the reason).
        offer_moderate_remove(offer=offer, moderator=moderator, reason=reason)


def _offer_url(offer: Any) -> str:
    return reverse("marketplace:offer_detail", args=[offer.pk])


def _message_resolve(target_id: int, reporter: User) -> Any:
    from messaging.models import Message

    return (
        Message.objects.filter(
            pk=target_id,
            deleted_at__isnull=True,
            thread__participants__user=reporter,
        )
        .select_related("sender")
        .first()
    )


def _message_describe(message: Any) -> str:
    if message.deleted_at is not None:
        return str(_("[deleted]"))
    return Truncator(message.content).chars(DESCRIBE_CHARS) or str(_("[attachment only]"))


def _message_hide(message: Any, moderator: User, reason: str) -> None:
    from messaging.models import Message
    from messaging.services.messages import tombstone

    locked = Message.objects.select_for_update(no_key=True, of=("self",)).get(pk=message.pk)
    if locked.deleted_at is None:
        tombstone(locked, by_moderator=True)


def _offer_reported(offer: Any) -> None:
    from marketplace.services.offers import offer_report

    # The offer re-enters marketplace's own review list (Marketplace → Moderation queue).
    offer_report(offer=offer)


# What a new report also does to its target, per kind.
ON_REPORT = {"offer": _offer_reported}

# Kinds whose ``hide`` already tells the author (the queue then does not tell them twice).
HIDE_NOTIFIES_AUTHOR = frozenset({"offer"})


def register_lower_app_kinds() -> None:
    """Register ``user``, ``offer`` and ``message`` (idempotent: ``register`` accepts a repeat)."""
    register(
        ReportableKind(
            kind="user",
            label=_("member"),
            model="accounts.User",
            resolve=_user_resolve,
            author_of=lambda user: user,
            describe=_user_describe,
            hide=None,
            url=_user_url,
        )
    )
    register(
        ReportableKind(
            kind="offer",
            label=_("offer"),
            model="marketplace.Offer",
            resolve=_offer_resolve,
            author_of=lambda offer: offer.owner,
            describe=lambda offer: Truncator(offer.title).chars(DESCRIBE_CHARS),
            hide=_offer_hide,
            url=_offer_url,
        )
    )
    register(
        ReportableKind(
            kind="message",
            label=_("message"),
            model="messaging.Message",
            resolve=_message_resolve,
            author_of=lambda message: message.sender,
            describe=_message_describe,
            hide=_message_hide,
            url=None,
        )
    )
