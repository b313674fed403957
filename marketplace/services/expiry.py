"""Offer expiry: reminders before an offer leaves listings, and renewal (by API, page or e-mail).

People forget stale offers (TimeOverflow #789, Komunitin #387): a listing nobody answers any more
misleads everyone who finds it. So an offer expires ``OFFER_EXPIRY_DAYS`` after its creation or
its last renewal (``Offer.expires_at``; 0 days: never). Past that moment it is hidden like a paused
offer from everybody but its owner (``selectors.offer_listed_q``), and is never removed.

``OFFER_EXPIRY_REMIND_DAYS`` before, the daily beat task (``offers_expiry_remind``) tells the owner
once per expiry period (``expiry_reminded_at``, claimed by a conditional UPDATE in the same
transaction as the notification, so a task run twice reminds once) through
``notification_send``, with a one-click renew link: a signed token (``django.core.signing``,
salted, ``OFFER_RENEW_LINK_MAX_AGE_DAYS``) on a page that renews only on POST, so a mail
scanner following the link renews nothing. Renewing sets a new expiry and clears the reminder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound
from marketplace.cache import offers_cache_bump
from marketplace.models import Offer, OfferStatus
from messaging.services import notification_send

OFFER_EXPIRING = "offer_expiring"
RENEW_SALT = "marketplace.offer-renew"
REMIND_BATCH = 500


def offer_expiry_next(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """When an offer renewed at ``now`` expires (None when expiry is off)."""
    days = int(settings.OFFER_EXPIRY_DAYS or 0)
    if days <= 0:
        return None
    return (now or timezone.now()) + dt.timedelta(days=days)


@transaction.atomic
def offer_renew(*, offer: Offer, now: dt.datetime | None = None) -> Offer:
    """Renew the owner's offer: a new expiry from now, and the next period's reminder re-armed.

    The caller checked ownership. Takes a row lock on the offer. A removed offer cannot be
    renewed (409). The public pages' cache is bumped after commit, so an expired offer that comes
    back is listed at once.
    """
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
    if locked.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer was removed and can no longer be renewed."))
    locked.expires_at = offer_expiry_next(now=now)
    locked.expiry_reminded_at = None
    locked.save(update_fields=["expires_at", "expiry_reminded_at", "updated_at"])
    transaction.on_commit(offers_cache_bump)
    return locked


# --- the renew link -------------------------------------------------------------------------------


def offer_renew_token(*, offer: Offer) -> str:
    """A signed token that lets the bearer renew ``offer`` (and nothing else) for a while."""
    return signing.dumps({"offer": offer.pk, "owner": offer.owner_id}, salt=RENEW_SALT)


def offer_renew_url(*, offer: Offer, language: str) -> str:
    """The absolute address of the renew page for ``offer`` in ``language``."""
    with translation.override(language):
        path = reverse("marketplace_expiry:offer_renew_link", args=[offer_renew_token(offer=offer)])
    return f"{settings.MESSAGING_SITE_URL}{path}"


def offer_from_renew_token(*, token: str) -> Offer:
    """The offer a renew token names; ``NotFound`` for a tampered, expired or stale token.

    A token outlives neither ``OFFER_RENEW_LINK_MAX_AGE_DAYS`` nor its offer's owner (an offer
    handed to someone else, or removed, no longer answers to it).
    """
    max_age = dt.timedelta(days=settings.OFFER_RENEW_LINK_MAX_AGE_DAYS)
    try:
        data: Any = signing.loads(token, salt=RENEW_SALT, max_age=max_age)
        offer_id, owner_id = int(data["offer"]), int(data["owner"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This renewal link is not valid any more.")) from None
    offer = (
        Offer.objects.select_related("owner")
        .filter(pk=offer_id, owner_id=owner_id)
        .exclude(status=OfferStatus.REMOVED)
        .first()
    )
    if offer is None:
        raise NotFound(_("This renewal link is not valid any more."))
    return offer


def offer_renew_by_token(*, token: str, now: dt.datetime | None = None) -> Offer:
    """Renew the offer a signed link names (the link's bearer stands for the owner)."""
    return offer_renew(offer=offer_from_renew_token(token=token), now=now)


# --- reminders ------------------------------------------------------------------------------------


def offers_expiry_remind(*, now: dt.datetime | None = None) -> int:
    """Remind every owner whose active offer expires within ``OFFER_EXPIRY_REMIND_DAYS``.

    Once per expiry period: each offer is claimed by a conditional UPDATE of
    ``expiry_reminded_at`` in the same transaction as its notification (one transaction per
    offer, no lock held over the e-mail, which leaves after commit through Celery), so a second
    run, or two workers at once, remind nobody twice. Offers of inactive owners are left alone.
    Returns the number of reminders sent.
    """
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.OFFER_EXPIRY_REMIND_DAYS)
    due = Offer.objects.filter(
        status=OfferStatus.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=horizon,
        expiry_reminded_at__isnull=True,
        owner__is_active=True,
        owner__suspended_at__isnull=True,
        owner__deleted_at__isnull=True,
    ).order_by("pk")
    sent = 0
    last_pk = 0
    while True:
        batch = list(due.filter(pk__gt=last_pk).select_related("owner")[:REMIND_BATCH])
        if not batch:
            return sent
        last_pk = batch[-1].pk
        for offer in batch:
            with transaction.atomic():
                claimed = Offer.objects.filter(
                    pk=offer.pk, expiry_reminded_at__isnull=True, expires_at=offer.expires_at
                ).update(expiry_reminded_at=now)
                if not claimed:
                    continue
                owner = offer.owner
                language = owner.language or settings.LANGUAGE_CODE
                notification_send(
                    recipient=owner,
                    kind=OFFER_EXPIRING,
                    context={
                        "offer_title": offer.title,
                        # ``end`` is shown in the owner's time zone and language.
                        "end": offer.expires_at,
                        "renew_url": offer_renew_url(offer=offer, language=language),
                    },
                    related_type="offer",
                    related_id=offer.pk,
                )
                sent += 1
