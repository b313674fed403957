"""Matches: candidates, the compatibility score in bulk, recomputation, and members' answers.

Only catalogue skills count: a pending suggestion matches nobody until a moderator approves it
(docs/api.md, "Skill suggestions").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, ValidationFailed
from marketplace.matching import (
    MatchProfile,
    SkillRef,
    compatibility,
    reference_week,
    week_intervals,
)
from marketplace.models import (
    AvailabilitySlot,
    Direction,
    Match,
    MatchStatus,
    Offer,
    OfferMode,
    SkillStatus,
    UserSkill,
)
from marketplace.selectors import offer_listed_q

if TYPE_CHECKING:
    from accounts.models import User


def schedule_match_recompute(user_id: int) -> None:
    """Rescore the member's matches in Celery once the current transaction commits."""
    from marketplace.tasks import matches_recompute_for_user_task

    matches_recompute_for_user_task.delay_on_commit(user_id)


def _matchable_user_skills():
    return UserSkill.objects.filter(skill__status=SkillStatus.APPROVED)


def _eligible_users():
    return get_user_model().objects.filter(is_active=True, suspended_at__isnull=True)


def match_profiles(
    *, user_ids: Iterable[int], at: dt.datetime | None = None
) -> dict[int, MatchProfile]:
    """Load what the score needs for many members at once (five queries)."""
    ids = sorted(set(user_ids))
    week = reference_week(at or timezone.now())
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=ids)}
    profiles = {
        pk: MatchProfile(
            user_id=pk,
            languages={str(code).lower() for code in (user.languages or [])},
            rating_average=float(user.rating_average or 0),
            rating_count=int(user.rating_count or 0),
            latitude=float(user.latitude) if user.latitude is not None else None,
            longitude=float(user.longitude) if user.longitude is not None else None,
        )
        for pk, user in users.items()
    }
    for user_skill in _matchable_user_skills().filter(user_id__in=ids).select_related("skill"):
        profile = profiles[user_skill.user_id]
        skill = user_skill.skill
        profile.skills[skill.pk] = SkillRef(
            id=skill.pk, slug=skill.slug, name_en=skill.name_en or "", name_ar=skill.name_ar or ""
        )
        if user_skill.direction == Direction.OFFERED:
            profile.offered[skill.pk] = user_skill.proficiency_level
        else:
            profile.wanted.add(skill.pk)
    slots: dict[int, list[AvailabilitySlot]] = {}
    for slot in AvailabilitySlot.objects.filter(user_id__in=ids):
        slots.setdefault(slot.user_id, []).append(slot)
    for pk, user in users.items():
        profiles[pk].week = week_intervals(slots.get(pk, []), user, week)
    in_person = (
        Offer.objects.filter(offer_listed_q())
        .filter(owner_id__in=ids, mode__in=[OfferMode.OFFLINE, OfferMode.BOTH])
        .values_list("owner_id", flat=True)
    )
    for owner_id in set(in_person):
        profiles[owner_id].has_in_person_offer = True
    return profiles


def match_candidate_ids(*, user_id: int) -> set[int]:
    """Members who offer what the user wants or want what the user offers."""
    mine = _matchable_user_skills().filter(user_id=user_id)
    offered = mine.filter(direction=Direction.OFFERED).values("skill_id")
    wanted = mine.filter(direction=Direction.WANTED).values("skill_id")
    others = (
        _matchable_user_skills()
        .filter(
            Q(direction=Direction.OFFERED, skill_id__in=wanted)
            | Q(direction=Direction.WANTED, skill_id__in=offered)
        )
        .exclude(user_id=user_id)
        .filter(user__in=_eligible_users())
        .values_list("user_id", flat=True)
        .distinct()
    )
    return set(others)


@transaction.atomic
def matches_recompute_for_user(
    *, user_id: int, at: dt.datetime | None = None, limit: int | None = None
) -> int:
    """Rescore every pair of ``user_id`` with the members they could swap with.

    Upserts the best ``MARKETPLACE_MATCH_MAX_PER_USER`` pairs (score and reasons only; answers
    are kept), rescores the user's other existing matches, and deletes computed matches nobody
    answered that no longer have any skill in common. No row lock: the upsert is atomic on the
    pair's unique constraint, so concurrent recomputations of the same pair converge.
    Returns the number of matches the user now has.
    """
    limit = limit if limit is not None else int(settings.MARKETPLACE_MATCH_MAX_PER_USER)
    user_model = get_user_model()
    user = user_model.objects.filter(pk=user_id).first()
    existing = {
        match.other(user_id): match
        for match in Match.objects.filter(Q(user_a_id=user_id) | Q(user_b_id=user_id))
    }
    eligible = user is not None and user.is_active and user.suspended_at is None
    candidates = match_candidate_ids(user_id=user_id) if eligible else set()
    profiles = match_profiles(user_ids={user_id, *candidates, *existing}, at=at)
    now = timezone.now()

    scored: list[tuple[int, int, Any]] = []
    for other_id in candidates | set(existing):
        if other_id not in profiles or user_id not in profiles:
            continue
        a_id, b_id = sorted((user_id, other_id))
        score = compatibility(profiles[a_id], profiles[b_id])
        scored.append((other_id, a_id, score))

    created: list[Match] = []
    rescored: list[Match] = []
    stale: list[int] = []
    fresh = sorted(
        (row for row in scored if row[0] not in existing and row[2].is_candidate),
        key=lambda row: (-row[2].value, row[0]),
    )
    room = max(0, limit - len(existing))
    for other_id, a_id, score in fresh[:room]:
        b_id = other_id if a_id == user_id else user_id
        created.append(
            Match(
                user_a_id=a_id,
                user_b_id=b_id,
                compatibility_score=score.value,
                reasons=score.reasons,
                computed_at=now,
            )
        )
    for other_id, _a_id, score in scored:
        match = existing.get(other_id)
        if match is None:
            continue
        untouched = (
            match.created_by_id is None
            and match.a_response == MatchStatus.PENDING
            and match.b_response == MatchStatus.PENDING
        )
        if untouched and (not score.is_candidate or not eligible):
            stale.append(match.pk)
            continue
        match.compatibility_score = score.value
        match.reasons = score.reasons
        match.computed_at = now
        match.updated_at = now
        rescored.append(match)
    if stale:
        Match.objects.filter(pk__in=stale).delete()
    if rescored:
        Match.objects.bulk_update(
            rescored, ["compatibility_score", "reasons", "computed_at", "updated_at"]
        )
    if created:
        # An upsert: the other member's recomputation may insert the same pair concurrently.
        Match.objects.bulk_create(
            created,
            update_conflicts=True,
            unique_fields=["user_a", "user_b"],
            update_fields=["compatibility_score", "reasons", "computed_at", "updated_at"],
        )
    return Match.objects.filter(Q(user_a_id=user_id) | Q(user_b_id=user_id)).count()


@transaction.atomic
def match_create(*, created_by: User, user_a: User, user_b: User) -> Match:
    """Match two members by hand (staff), scored now; the pair must not be matched already."""
    if user_a.pk == user_b.pk:
        raise ValidationFailed(fields={"user_b": [_("Choose two different members.")]})
    first, second = sorted((user_a.pk, user_b.pk))
    if Match.objects.filter(user_a_id=first, user_b_id=second).exists():
        raise Conflict(_("These members are already matched."))
    profiles = match_profiles(user_ids=[first, second])
    score = compatibility(profiles[first], profiles[second])
    try:
        with transaction.atomic():
            return Match.objects.create(
                user_a_id=first,
                user_b_id=second,
                compatibility_score=score.value,
                reasons=score.reasons,
                created_by=created_by,
            )
    except IntegrityError:
        raise Conflict(_("These members are already matched.")) from None


@transaction.atomic
def match_respond(*, match: Match, user: User, accept: bool) -> Match:
    """Record the member's answer to a match. Takes a row lock on the match.

    pending → accepted once both accepted; declined as soon as either declines (also after both
    had accepted: un-matching). A declined match is final (409), and so is answering the same
    thing twice.
    """
    locked = Match.objects.select_for_update(no_key=True).get(pk=match.pk)
    if user.pk not in (locked.user_a_id, locked.user_b_id):
        raise NotFound()
    if locked.status == MatchStatus.DECLINED:
        raise Conflict(_("This match was declined."), extra={"current_status": locked.status})
    answer = MatchStatus.ACCEPTED if accept else MatchStatus.DECLINED
    side = "a_response" if user.pk == locked.user_a_id else "b_response"
    if getattr(locked, side) == answer:
        raise Conflict(
            _("You already answered this match."), extra={"current_status": locked.status}
        )
    setattr(locked, side, answer)
    if answer == MatchStatus.DECLINED:
        locked.status = MatchStatus.DECLINED
    elif locked.a_response == locked.b_response == MatchStatus.ACCEPTED:
        locked.status = MatchStatus.ACCEPTED
    locked.save(update_fields=[side, "status", "updated_at"])
    return locked


@transaction.atomic
def match_delete(*, match: Match) -> None:
    match.delete()
