"""Badges: awarded when an activity counter crosses a tier's threshold, or by staff.

How a counter earns a badge (``badges_on_counter_changed``): ``rewards.activity.activity_record``
adds to a member's ``ActivityCounter`` under that row's lock and calls us in the same transaction
with the old and new values. Every active badge on that counter whose tier threshold ``t`` lies in
``old < t <= new`` is awarded, unless the member holds that tier live. Crossing two tiers at once
awards both; a decrease never revokes. Exactly once: callers for one member and counter queue on
the counter row's lock, and ``BadgeAward``'s partial unique constraint (one live award per member,
badge and tier) refuses any second insert, made in a savepoint so the refusal costs the caller
nothing.

After commit (``badge_award_effects_task``, a Celery task enqueued with ``transaction.on_commit``)
the award pays its tier's points reward through the ledger (``badge_reward_grant``: from the
staff-grants source, reason ``badge_reward``, idempotency key ``badge-award:<award id>``) and
notifies the member (``badge_earned``). Both are idempotent, so a redelivered task changes nothing.

Staff award and revoke with ``badge_award`` / ``badge_revoke`` (the admin and ``POST
achievements/``); both are written to Wagtail's audit log. Who may: ``badge_can_manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, Forbidden, ValidationFailed
from core.text import text_clean
from rewards.models import ActivityCounter, BadgeAward, BadgeDefinition, Reason, Tier

if TYPE_CHECKING:
    from accounts.models import User
    from rewards.models import Transfer

BADGE_EARNED = "badge_earned"
# The messaging registry's provisional entry holds this order (docs/architecture.md,
# "Notification kinds belong to their apps"): the API's NotificationTypeEnum keeps its order.
BADGE_EARNED_ORDER = 400
RELATED_TYPE = "badge_award"
LOG_AWARD = "skillswap.badge_award"
LOG_REVOKE = "skillswap.badge_revoke"
# Django creates it for the model; no group holds it yet, so the moderator and administrator
# roles (staff) are allowed as well (``badge_can_manage``).
MANAGE_PERMISSION = "rewards.change_badgeaward"
TIERS: tuple[str, ...] = (Tier.BRONZE, Tier.SILVER, Tier.GOLD)
REASON_MAX_LENGTH = 255


@dataclass(frozen=True)
class TierStep:
    """One tier of a badge: its threshold on the counter (None: staff award only) and reward."""

    tier: str
    threshold: int | None
    reward: int

    @property
    def label(self) -> str:
        return str(Tier(self.tier).label)


def badge_tiers(badge: BadgeDefinition) -> list[TierStep]:
    """The tiers a badge defines, lowest first.

    A counter badge defines the tiers that have a threshold. A staff-only badge (no counter, no
    threshold) has the bronze tier only, so it can still be awarded and shown.
    """
    steps = [
        TierStep(tier, getattr(badge, f"threshold_{tier}"), getattr(badge, f"reward_{tier}"))
        for tier in TIERS
    ]
    defined = [step for step in steps if step.threshold is not None]
    return defined or [steps[0]]


def tier_rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else -1


# --- awarding by the counters -------------------------------------------------------------------


def badges_on_counter_changed(*, user_id: int, counter: str, old: int, new: int) -> None:
    """Award every tier whose threshold lies in ``(old, new]``; inside the caller's transaction.

    Expects the caller to hold the member's ``ActivityCounter`` row lock for ``counter`` (so two
    events of one member queue). One query for the definitions, one for the tiers held, one insert
    per new award (in a savepoint: an ``IntegrityError`` means another transaction awarded it).
    The reward and the notification follow after commit.
    """
    if new <= old or not counter:
        return
    crossed = [
        (badge, step)
        for badge in BadgeDefinition.objects.filter(active=True, counter=counter).order_by(
            "sort_order", "id"
        )
        for step in badge_tiers(badge)
        if step.threshold is not None and old < step.threshold <= new
    ]
    if not crossed:
        return
    held = set(
        BadgeAward.objects.filter(
            user_id=user_id,
            revoked_at__isnull=True,
            badge_id__in={badge.pk for badge, _step in crossed},
        ).values_list("badge_id", "tier")
    )
    for badge, step in crossed:
        if (badge.pk, step.tier) in held:
            continue
        _award_insert(
            user_id=user_id, badge=badge, tier=step.tier, counter_value=new, awarded_by=None
        )


def _award_insert(
    *,
    user_id: int,
    badge: BadgeDefinition,
    tier: str,
    counter_value: int | None,
    awarded_by: User | None,
    reason: str = "",
) -> BadgeAward | None:
    """Insert one live award in a savepoint; None when the member already holds it live."""
    try:
        with transaction.atomic():
            award = BadgeAward.objects.create(
                user_id=user_id,
                badge=badge,
                tier=tier,
                counter_value=counter_value,
                awarded_by=awarded_by,
                reason=reason,
                awarded_at=timezone.now(),
            )
    except IntegrityError:
        return None
    award_id = award.pk
    transaction.on_commit(lambda: badge_award_effects_task.delay(award_id))
    return award


def badge_backfill(*, badge_id: int, batch_size: int = 500) -> int:
    """Award ``badge``'s tiers to members whose counter already reached them; return how many.

    For a badge created or changed after members passed its thresholds (the counters only award
    crossings). Each member in a transaction of its own, in counter-row order, under that row's
    lock (``FOR NO KEY UPDATE``), the same lock ``activity_record`` takes: an event counted
    meanwhile queues behind us and sees the award. Awards already held are skipped (and the
    partial unique constraint backs that).
    """
    badge = BadgeDefinition.objects.filter(pk=badge_id, active=True).first()
    if badge is None or not badge.counter:
        return 0
    steps = [step for step in badge_tiers(badge) if step.threshold is not None]
    if not steps:
        return 0
    lowest = steps[0].threshold
    awarded = 0
    last_id = 0
    while True:
        rows = list(
            ActivityCounter.objects.filter(counter=badge.counter, value__gte=lowest, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not rows:
            return awarded
        for counter_id in rows:
            with transaction.atomic():
                row = (
                    ActivityCounter.objects.select_for_update(no_key=True)
                    .filter(pk=counter_id)
                    .first()
                )
                if row is None:
                    continue
                held = set(
                    BadgeAward.objects.filter(
                        user_id=row.user_id, badge=badge, revoked_at__isnull=True
                    ).values_list("tier", flat=True)
                )
                for step in steps:
                    if step.threshold <= row.value and step.tier not in held:
                        created = _award_insert(
                            user_id=row.user_id,
                            badge=badge,
                            tier=step.tier,
                            counter_value=row.value,
                            awarded_by=None,
                        )
                        awarded += created is not None
        last_id = rows[-1]


@shared_task(name="rewards.badge_backfill_task")
def badge_backfill_task(badge_id: int) -> int:
    """``badge_backfill`` from a worker (enqueued after a badge is saved in the admin)."""
    return badge_backfill(badge_id=badge_id)


# --- after commit: the reward and the notification ----------------------------------------------


@shared_task(name="rewards.badge_award_effects_task")
def badge_award_effects_task(award_id: int) -> None:
    """Pay the award's reward and notify its member; idempotent (a redelivery changes nothing)."""
    badge_award_effects(award_id=award_id)


@transaction.atomic
def badge_award_effects(*, award_id: int) -> None:
    """Pay the tier's points reward and send ``badge_earned``, once each, for a live award.

    Locks the award row (``FOR NO KEY UPDATE``) so a concurrent revocation either comes first
    (nothing is paid) or waits for the payment (and reverses it); then the ledger accounts.
    """
    from messaging.models import Notification
    from messaging.services import notification_send

    award = (
        BadgeAward.objects.select_for_update(no_key=True, of=("self",))
        .select_related("badge", "user")
        .filter(pk=award_id)
        .first()
    )
    if award is None or award.revoked_at is not None:
        return
    if award_reward(award) > 0:
        badge_reward_grant(award=award)
    already = Notification.objects.filter(
        recipient_id=award.user_id,
        kind=BADGE_EARNED,
        related_type=RELATED_TYPE,
        related_id=award.pk,
    ).exists()
    if not already:
        notification_send(
            recipient=award.user,
            kind=BADGE_EARNED,
            context={
                "badge_id": award.badge_id,
                "tier": award.tier,
                "badge_name": award.badge.name,
                "points": award_reward(award),
            },
            related_type=RELATED_TYPE,
            related_id=award.pk,
        )


def award_reward(award: BadgeAward) -> int:
    """The points the award's tier carries (the badge's ``reward_<tier>``)."""
    return int(getattr(award.badge, f"reward_{award.tier}", 0) or 0)


def reward_idempotency_key(award_id: int) -> str:
    return f"badge-award:{award_id}"


def badge_reward_grant(*, award: BadgeAward) -> Transfer:
    """Credit the award's points reward from the staff-grants source, once per award.

    The ledger's own path (``rewards.services._post``, as ``points_grant`` uses it), with reason
    ``badge_reward`` and the key ``badge-award:<award id>``: a second call returns the first
    transfer. Not refused by the wallet's maximum balance: the reward was earned, like a swap
    payment. Locks the source account and the wallet in primary-key order.
    """
    from rewards import services

    amount = award_reward(award)
    services._validate_amount(amount)
    description = gettext("Badge: %(badge)s (%(tier)s)") % {
        "badge": award.badge.name,
        "tier": Tier(award.tier).label,
    }
    with transaction.atomic():
        return services._post(
            sides=[
                (services._system(services.AccountKind.STAFF_GRANTS), -amount),
                (services._wallet(award.user), amount),
            ],
            reason=Reason.BADGE_REWARD,
            description=description,
            idempotency_key=reward_idempotency_key(award.pk),
            initiated_by=award.awarded_by,
        )


# --- staff award and revoke ---------------------------------------------------------------------


def badge_can_manage(user: Any) -> bool:
    """Whether ``user`` may award and revoke badges.

    ``rewards.change_badgeaward`` (superusers hold every permission), or a staff member of the
    moderator or administrator role: no migration grants the permission to those groups yet.
    """
    from accounts.roles import STAFF_ROLES, role_of

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.has_perm(MANAGE_PERMISSION):
        return True
    return bool(user.is_staff) and role_of(user) in STAFF_ROLES


def _clean_reason(reason: str) -> str:
    cleaned = text_clean(reason or "").strip()
    if not cleaned:
        raise ValidationFailed(fields={"reason": [gettext("Say why.")]})
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ValidationFailed(
            fields={
                "reason": [
                    gettext("At most %(max)d characters.") % {"max": REASON_MAX_LENGTH},
                ]
            }
        )
    return cleaned


class BadgeAlreadyHeld(Conflict):
    code = "badge_already_held"


class BadgeNotHeld(Conflict):
    code = "badge_not_held"


@transaction.atomic
def badge_award(
    *, user: User, badge: BadgeDefinition, tier: str | None = None, by: User, reason: str
) -> BadgeAward:
    """Award ``badge`` at ``tier`` to ``user`` on a staff member's decision, with a reason.

    ``tier`` defaults to the lowest tier of the badge the member does not hold. Raises
    ``Forbidden`` without ``badge_can_manage``, ``ValidationFailed`` for a tier the badge does
    not define or an empty reason, ``BadgeAlreadyHeld`` (409) when the member holds that tier
    live (also when a concurrent award won: the partial unique constraint). The reward and the
    notification follow after commit; the award is in Wagtail's audit log.
    """
    from wagtail.log_actions import log

    if not badge_can_manage(by):
        raise Forbidden(gettext("You are not allowed to award badges."))
    cleaned = _clean_reason(reason)
    if not user.is_active or getattr(user, "deleted_at", None) is not None:
        raise ValidationFailed(fields={"user_id": [gettext("No such member.")]})
    defined = [step.tier for step in badge_tiers(badge)]
    held = set(
        BadgeAward.objects.filter(
            user_id=user.pk, badge=badge, revoked_at__isnull=True
        ).values_list("tier", flat=True)
    )
    if tier in (None, ""):
        tier = next((name for name in defined if name not in held), None)
        if tier is None:
            raise BadgeAlreadyHeld(gettext("This member already holds every tier of this badge."))
    if tier not in defined:
        raise ValidationFailed(
            fields={"tier": [gettext("This badge has no such tier.")]},
        )
    counter_value = None
    if badge.counter:
        counter_value = (
            ActivityCounter.objects.filter(user_id=user.pk, counter=badge.counter)
            .values_list("value", flat=True)
            .first()
        )
    award = None
    if tier not in held:
        award = _award_insert(
            user_id=user.pk,
            badge=badge,
            tier=tier,
            counter_value=counter_value,
            awarded_by=by,
            reason=cleaned,
        )
    if award is None:
        raise BadgeAlreadyHeld(gettext("This member already holds this badge at this tier."))
    log(instance=award, action=LOG_AWARD, user=by, data={"reason": cleaned, "tier": tier})
    return award


@transaction.atomic
def badge_revoke(*, award: BadgeAward, by: User, reason: str) -> BadgeAward:
    """Revoke a live award on a staff member's decision, with a reason.

    Locks the award row (``FOR NO KEY UPDATE``: ``revoked_at`` is no key column), then, when the
    award paid points, reverses that transfer (the ledger's accounts, primary-key order) if the
    member still holds the points; when they have spent them the points stay and the log says
    so. Raises ``Forbidden`` without ``badge_can_manage``, ``BadgeNotHeld`` (409) for an award
    already revoked. The revocation is in Wagtail's audit log.
    """
    from wagtail.log_actions import log

    from rewards import services
    from rewards.models import Transfer

    if not badge_can_manage(by):
        raise Forbidden(gettext("You are not allowed to revoke badges."))
    cleaned = _clean_reason(reason)
    locked = (
        BadgeAward.objects.select_for_update(no_key=True, of=("self",))
        .select_related("badge", "user")
        .get(pk=award.pk)
    )
    if locked.revoked_at is not None:
        raise BadgeNotHeld(gettext("This badge was already revoked."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revoke_reason = cleaned
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    reward = Transfer.objects.filter(idempotency_key=reward_idempotency_key(locked.pk)).first()
    reversed_points = False
    if reward is not None:
        try:
            services.transfer_reverse(
                transfer=reward,
                reversed_by=by,
                note=cleaned,
                idempotency_key=f"badge-revoke:{locked.pk}",
            )
            reversed_points = True
        except services.InsufficientBalance:
            reversed_points = False
    log(
        instance=locked,
        action=LOG_REVOKE,
        user=by,
        data={"reason": cleaned, "tier": locked.tier, "reward_reversed": reversed_points},
    )
    return locked


# --- reads --------------------------------------------------------------------------------------


def badges_recent(*, user_id: int, limit: int = 5) -> list[BadgeAward]:
    """The member's most recent live awards (``BadgeAward`` with ``badge``), newest first."""
    return list(
        BadgeAward.objects.filter(user_id=user_id, revoked_at__isnull=True, badge__active=True)
        .select_related("badge")
        .order_by("-awarded_at", "-id")[: max(int(limit), 0)]
    )


def badges_held(*, user_id: int) -> list[BadgeAward]:
    """The member's live awards of active badges, one per badge (its highest tier), in the
    badges' order. One query."""
    best: dict[int, BadgeAward] = {}
    awards = BadgeAward.objects.filter(
        user_id=user_id, revoked_at__isnull=True, badge__active=True
    ).select_related("badge")
    for award in awards:
        current = best.get(award.badge_id)
        if current is None or tier_rank(award.tier) > tier_rank(current.tier):
            best[award.badge_id] = award
    return sorted(best.values(), key=lambda a: (a.badge.sort_order, a.badge_id))


def badge_icon_url(icon: str) -> str:
    from django.templatetags.static import static

    return static(f"rewards/badges/{icon or 'medal'}.svg")


def badges_profile_section(user: User) -> list[dict[str, Any]]:
    """The profile's ``sections.badges``: each badge the member holds at its highest tier.

    Public as well as own (a badge is a public achievement); one query.
    """
    return [
        {
            "badge_id": award.badge_id,
            "slug": award.badge.slug,
            "name": award.badge.name,
            "icon": badge_icon_url(award.badge.icon),
            "tier": award.tier,
            "awarded_at": award.awarded_at.isoformat().replace("+00:00", "Z"),
        }
        for award in badges_held(user_id=user.pk)
    ]


def badge_criteria(badge: BadgeDefinition) -> str:
    """What earns the badge, in words, in the active language."""
    steps = [step for step in badge_tiers(badge) if step.threshold is not None]
    if not badge.counter or not steps:
        return gettext("Awarded by the SkillSwap team.")
    from rewards.models import Counter

    parts = ", ".join(
        gettext("%(tier)s at %(threshold)s") % {"tier": step.label, "threshold": step.threshold}
        for step in steps
    )
    return gettext("%(counter)s: %(tiers)s") % {
        "counter": Counter(badge.counter).label,
        "tiers": parts,
    }


@dataclass
class BadgeProgress:
    """A badge as one member sees it (or anyone, when ``value`` is None: no progress)."""

    badge: BadgeDefinition
    steps: list[TierStep]
    earned_at: dict[str, Any]
    value: int | None
    signed_in: bool

    @property
    def earned_tier(self) -> str | None:
        held = [step.tier for step in self.steps if step.tier in self.earned_at]
        return held[-1] if held else None

    @property
    def next_step(self) -> TierStep | None:
        if not self.signed_in:
            return self.steps[0] if self.steps else None
        return next((step for step in self.steps if step.tier not in self.earned_at), None)

    @property
    def percent(self) -> int | None:
        if not self.signed_in:
            return None
        step = self.next_step
        if step is None:
            return 100
        if step.threshold is None or not step.threshold:
            return 0
        return max(0, min(100, (max(self.value or 0, 0) * 100) // step.threshold))

    def as_dict(self) -> dict[str, Any]:
        from rewards.models import Counter

        badge = self.badge
        step = self.next_step
        return {
            "id": badge.pk,
            "slug": badge.slug,
            "name": badge.name,
            "description": badge.description or "",
            "icon": badge_icon_url(badge.icon),
            "counter": badge.counter or "",
            "counter_display": str(Counter(badge.counter).label) if badge.counter else "",
            "criteria": badge_criteria(badge),
            "tiers": [
                {
                    "tier": s.tier,
                    "tier_display": s.label,
                    "threshold": s.threshold,
                    "reward": s.reward,
                    "earned_at": self.earned_at.get(s.tier),
                }
                for s in self.steps
            ],
            "value": self.value if self.signed_in else None,
            "earned": bool(self.earned_at) if self.signed_in else None,
            "earned_tier": self.earned_tier,
            "next_tier": step.tier if step is not None and self.signed_in else None,
            "next_threshold": step.threshold if step is not None and self.signed_in else None,
            "percent": self.percent,
        }


def badges_progress(*, badges: list[BadgeDefinition], user_id: int | None) -> list[BadgeProgress]:
    """``badges`` with ``user_id``'s counters and live awards (two queries; none anonymous)."""
    values: dict[str, int] = {}
    earned: dict[int, dict[str, Any]] = {}
    if user_id is not None and badges:
        counters = {badge.counter for badge in badges if badge.counter}
        if counters:
            values = dict(
                ActivityCounter.objects.filter(user_id=user_id, counter__in=counters).values_list(
                    "counter", "value"
                )
            )
        for badge_id, tier, awarded_at in BadgeAward.objects.filter(
            user_id=user_id, revoked_at__isnull=True, badge_id__in=[badge.pk for badge in badges]
        ).values_list("badge_id", "tier", "awarded_at"):
            earned.setdefault(badge_id, {})[tier] = awarded_at
    signed_in = user_id is not None
    return [
        BadgeProgress(
            badge=badge,
            steps=badge_tiers(badge),
            earned_at=earned.get(badge.pk, {}),
            value=(values.get(badge.counter, 0) if badge.counter else None) if signed_in else None,
            signed_in=signed_in,
        )
        for badge in badges
    ]


def badge_list():
    """Every active badge in the gallery's order (a queryset: callers paginate it)."""
    return BadgeDefinition.objects.filter(active=True).order_by("sort_order", "id")


# --- registration -------------------------------------------------------------------------------


def _badge_earned_context(context: dict[str, Any]) -> dict[str, Any]:
    """Name the badge in the recipient's language, with its tier (runs inside that language)."""
    badge_id, tier = context.get("badge_id"), context.get("tier")
    if not badge_id or tier not in TIERS:
        return context
    badge = BadgeDefinition.objects.filter(pk=badge_id).first()
    name = badge.name if badge is not None else context.get("badge_name", "")
    return {
        **context,
        "badge_name": gettext("%(badge)s (%(tier)s)") % {"badge": name, "tier": Tier(tier).label},
    }


def register() -> None:
    """Called by ``RewardsConfig.ready()``: the ``badge_earned`` kind and the profile section."""
    from accounts import extensions
    from messaging.notification_kinds import register as register_kind

    # The same label, texts, order and channels as messaging's provisional entry, so the API's
    # list of kinds and the members' defaults do not move.
    register_kind(
        BADGE_EARNED,
        label=_("Badge earned"),
        title=_("Badge earned"),
        body=_("You earned the “%(badge_name)s” badge."),
        order=BADGE_EARNED_ORDER,
        default_channels=("in_app",),
        prepare=_badge_earned_context,
    )
    extensions.register_profile_section("badges", badges_profile_section)
