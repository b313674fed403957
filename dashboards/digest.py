"""The weekly digest: one e-mail per member and ISO week, in their language.

What it says: new offers for the skills the member wants (since their last digest), swap requests
waiting for their answer, and how many messages they have not read. Nothing to say, nothing sent.

Exactly once per member and week, even when beat or a worker restarts or the task runs twice:

1. ``digest_dispatch`` (Celery beat, Monday 07:00 UTC, and hourly to catch up) lists the members
   who have no delivery row for the week yet, plus deliveries claimed but unsent for longer than
   ``DIGEST_RETRY_AFTER_MINUTES``, and fans them out, ``DIGEST_BATCH_SIZE`` per task
   (``acks_late``: a killed worker's batch is delivered again);
2. ``digest_send`` claims the member's ``DigestDelivery(user, week)`` in its own transaction
   BEFORE anything is mailed (the unique constraint lets one claim win; a stale claim is taken
   over by a conditional UPDATE on its ``claimed_at``), builds and mails the digest with no lock
   held, then marks the row sent. A send that fails leaves the claim to be retried; only a worker
   killed between the SMTP answer and the final UPDATE can mail twice, the usual at-least-once
   window of any mail queue (messaging's e-mails have the same one).

Members who turned ``weekly_digest`` off (notification preferences, e-mail), inactive, suspended
or deleted members and members without an e-mail address get nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboards.models import DigestDelivery

WEEKLY_DIGEST = "weekly_digest"
SEND_HOUR_UTC = 7
# Offers older than this are never "new", whenever the last digest went out.
LOOKBACK = dt.timedelta(days=14)


def register() -> None:
    """Called by ``DashboardsConfig.ready()``: the ``weekly_digest`` kind, e-mail only by
    default, so it appears in the member's notification preferences and can be turned off."""
    from messaging.notification_kinds import register as kind_register

    kind_register(
        WEEKLY_DIGEST,
        label=gettext_lazy("Weekly digest"),
        title=gettext_lazy("Your week on SkillSwap"),
        body=gettext_lazy("New offers for the skills you want, requests and unread messages."),
        order=880,
        default_channels=("email",),
    )


# --- weeks ----------------------------------------------------------------------------------------


def digest_week(now: dt.datetime) -> dt.date:
    """The Monday (UTC) starting the ISO week of ``now``."""
    day = now.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def digest_send_time(week: dt.date) -> dt.datetime:
    """When the week's digest is due: its Monday at ``SEND_HOUR_UTC``."""
    return dt.datetime.combine(week, dt.time(SEND_HOUR_UTC), tzinfo=dt.UTC)


# --- who gets one ---------------------------------------------------------------------------------


def digest_recipients() -> QuerySet:
    """Members who may get a digest: active, not suspended or deleted, with an e-mail address,
    and who did not turn ``weekly_digest`` e-mails off."""
    from messaging.models import NotificationPreference

    turned_off = NotificationPreference.objects.filter(
        user=OuterRef("pk"), kind=WEEKLY_DIGEST, email=False
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, suspended_at__isnull=True, deleted_at__isnull=True)
        .exclude(email="")
        .exclude(Exists(turned_off))
    )


def digest_due_user_ids(*, week: dt.date, now: dt.datetime) -> list[int]:
    """Members the week's digest has not reached yet: no delivery row, or a stale claim."""
    stale = now - dt.timedelta(minutes=settings.DIGEST_RETRY_AFTER_MINUTES)
    ids: list[int] = []
    if now >= digest_send_time(week):
        delivered = DigestDelivery.objects.filter(user=OuterRef("pk"), week=week)
        ids = list(
            digest_recipients()
            .filter(date_joined__lt=digest_send_time(week))
            .exclude(Exists(delivered))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    retry = DigestDelivery.objects.filter(
        week=week, status=DigestDelivery.Status.CLAIMED, claimed_at__lt=stale
    ).values_list("user_id", flat=True)
    return sorted({*ids, *retry})


def digest_dispatch(*, now: dt.datetime | None = None) -> int:
    """Fan the week's due digests out to ``digest_send_batch_task``, a batch per task.

    Idempotent: running it twice enqueues members twice at worst, and their claims send once.
    Returns the number of members enqueued.
    """
    from dashboards.tasks import digest_send_batch_task

    now = now or timezone.now()
    week = digest_week(now)
    user_ids = digest_due_user_ids(week=week, now=now)
    size = max(1, settings.DIGEST_BATCH_SIZE)
    for start in range(0, len(user_ids), size):
        digest_send_batch_task.delay(user_ids[start : start + size], week.isoformat())
    return len(user_ids)


# --- one member's digest --------------------------------------------------------------------------


def _claim(*, user_id: int, week: dt.date, now: dt.datetime) -> DigestDelivery | None:
    """Claim the member's delivery of ``week`` in its own transaction; None if another run has
    it (sent, skipped, or claimed recently)."""
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(user_id=user_id, week=week, claimed_at=now)
    except IntegrityError:
        pass
    stale = now - dt.timedelta(minutes=settings.DIGEST_RETRY_AFTER_MINUTES)
    delivery = DigestDelivery.objects.filter(
        user_id=user_id, week=week, status=DigestDelivery.Status.CLAIMED, claimed_at__lt=stale
    ).first()
    if delivery is None:
        return None
    # Two runs may find the same stale claim: the UPDATE on the claim time they read lets one win.
    taken = DigestDelivery.objects.filter(
        pk=delivery.pk, status=DigestDelivery.Status.CLAIMED, claimed_at=delivery.claimed_at
    ).update(claimed_at=now, attempts=delivery.attempts + 1)
    if not taken:
        return None
    delivery.claimed_at, delivery.attempts = now, delivery.attempts + 1
    return delivery


def _finish(
    delivery: DigestDelivery, status: str, summary: dict[str, Any], now: dt.datetime
) -> None:
    DigestDelivery.objects.filter(pk=delivery.pk, status=DigestDelivery.Status.CLAIMED).update(
        status=status,
        sent_at=now if status == DigestDelivery.Status.SENT else None,
        summary=summary,
    )


def digest_since(*, user_id: int, week: dt.date, now: dt.datetime) -> dt.datetime:
    """Offers newer than this are "new": the member's last digest sent, at most ``LOOKBACK``."""
    last = (
        DigestDelivery.objects.filter(
            user_id=user_id, week__lt=week, status=DigestDelivery.Status.SENT
        )
        .order_by("-week")
        .values_list("sent_at", flat=True)
        .first()
    )
    floor = now - LOOKBACK
    return max(last, floor) if last else max(now - dt.timedelta(days=7), floor)


def digest_content(*, user: Any, since: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """What the member's digest lists, read in the active language (call it inside the
    member's): ``offers`` (newest first, at most ``DIGEST_MAX_OFFERS``) and ``offers_total``,
    ``requests`` (pending swaps the member must answer) and ``requests_total``, ``unread``."""
    from exchanges.models import Swap
    from marketplace.models import Direction, Offer, UserSkill
    from marketplace.selectors import offer_listed_q
    from messaging.selectors import thread_list

    wanted = UserSkill.objects.filter(
        user_id=user.pk, direction=Direction.WANTED, skill__status="approved"
    ).values("skill_id")
    matching = Offer.offered_skills.through.objects.filter(
        offer_id=OuterRef("pk"), skill_id__in=wanted
    )
    offers_qs = (
        Offer.objects.filter(offer_listed_q(now=now), created_at__gt=since, created_at__lte=now)
        .exclude(owner_id=user.pk)
        .filter(Exists(matching))
    )
    offers_total = offers_qs.count()
    offers = []
    if offers_total:
        for offer in offers_qs.select_related("owner", "category").order_by("-created_at", "-id")[
            : settings.DIGEST_MAX_OFFERS
        ]:
            offers.append(
                {
                    "title": offer.title,
                    "owner": offer.owner.public_name,
                    "category": offer.category.name,
                    "url": _site(reverse("marketplace:offer_detail", args=[offer.pk])),
                }
            )
    requests_qs = Swap.objects.filter(responder_id=user.pk, status=Swap.Status.PENDING)
    requests_total = requests_qs.count()
    requests = [
        {
            "title": swap.title or _("Swap request"),
            "requester": swap.requester.public_name,
            "url": _site(reverse("exchanges:swap_detail", args=[swap.pk])),
        }
        for swap in requests_qs.select_related("requester").order_by("created_at", "id")[:5]
    ]
    unread = thread_list(user=user).aggregate(total=Sum("unread_count"))["total"] or 0
    return {
        "offers": offers,
        "offers_total": offers_total,
        "requests": requests,
        "requests_total": requests_total,
        "unread": unread,
    }


def _site(path: str) -> str:
    return f"{settings.MESSAGING_SITE_URL}{path}"


def _mail(*, user: Any, content: dict[str, Any], language: str) -> None:
    with translation.override(language):
        subject = _("Your week on SkillSwap")
        context = {
            **content,
            "subject": subject,
            "recipient_name": user.public_name,
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "site_url": _site(f"/{language}/"),
            "offers_url": _site(reverse("marketplace:offer_list")),
            "requests_url": _site(reverse("exchanges:swap_list")),
            "messages_url": _site(reverse("messaging:threads")),
            "preferences_url": _site(reverse("exchanges:preferences")),
        }
        text = render_to_string("dashboards/email/weekly_digest.txt", context)
        html = render_to_string("dashboards/email/weekly_digest.html", context)
    mail = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    mail.attach_alternative(html, "text/html")
    mail.send()


def digest_send(*, user_id: int, week: dt.date, now: dt.datetime | None = None) -> bool:
    """Send the member's digest of ``week`` once (see the module docstring); True if mailed."""
    now = now or timezone.now()
    user = digest_recipients().filter(pk=user_id).first()
    delivery = _claim(user_id=user_id, week=week, now=now)
    if delivery is None:
        return False
    if user is None:
        _finish(delivery, DigestDelivery.Status.SKIPPED, {"reason": "not_a_recipient"}, now)
        return False
    language = user.language or settings.LANGUAGE_CODE
    since = digest_since(user_id=user_id, week=week, now=now)
    with translation.override(language):
        content = digest_content(user=user, since=since, now=now)
    summary = {
        "offers": content["offers_total"],
        "requests": content["requests_total"],
        "unread": content["unread"],
    }
    if not any(summary.values()):
        _finish(delivery, DigestDelivery.Status.SKIPPED, {**summary, "reason": "empty"}, now)
        return False
    # No transaction and no lock here: a failed send leaves the claim for a later run.
    _mail(user=user, content=content, language=language)
    _finish(delivery, DigestDelivery.Status.SENT, summary, now)
    return True
