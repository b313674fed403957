"""Every write of the marketplace app: `<entity>_<action>(*, ...)`, atomic.

Side effects (match recomputation, search re-indexing, notifications) run after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.exceptions import Conflict, NotFound, ValidationFailed
from marketplace import search
from marketplace.images import ImageRejected, offer_image_reencode
from marketplace.matching import (
    MatchProfile,
    SkillRef,
    compatibility,
    reference_week,
    week_intervals,
)
from marketplace.models import (
    MIDNIGHT,
    AvailabilityException,
    AvailabilitySlot,
    Category,
    Direction,
    Match,
    MatchStatus,
    Offer,
    OfferImage,
    OfferMode,
    OfferStatus,
    SearchWord,
    Skill,
    UserSkill,
)
from messaging.services import notification_send

if TYPE_CHECKING:
    from accounts.models import User

MATCH_PROFILE_FIELDS = frozenset({"languages", "latitude", "longitude", "time_zone"})


# --- match recomputation triggers -----------------------------------------------------------------


def _schedule_match_recompute(user_id: int) -> None:
    from marketplace.tasks import matches_recompute_for_user_task

    matches_recompute_for_user_task.delay_on_commit(user_id)


def on_profile_changed(user: User, fields: set[str]) -> None:
    """accounts hook: languages, location or time zone changed → recompute after commit."""
    if fields & MATCH_PROFILE_FIELDS:
        _schedule_match_recompute(user.pk)


def on_user_deleted(user: User) -> None:
    """accounts hook (inside the anonymisation transaction): take the member off the market.

    Offers are soft-removed (swaps keep them), matches and availability are deleted.
    """
    now = timezone.now()
    Offer.objects.filter(owner=user).exclude(status=OfferStatus.REMOVED).update(
        status=OfferStatus.REMOVED, removed_at=now, removed_by=user, updated_at=now
    )
    Match.objects.filter(Q(user_a=user) | Q(user_b=user)).delete()
    AvailabilitySlot.objects.filter(user=user).delete()
    AvailabilityException.objects.filter(user=user).delete()
    UserSkill.objects.filter(user=user).delete()


def user_export(user: User) -> dict[str, Any]:
    """accounts hook: the member's marketplace data for their data export."""
    return {
        "skills": [
            {
                "skill": row.skill.name_en,
                "direction": row.direction,
                "proficiency_level": row.proficiency_level,
                "years_of_experience": row.years_of_experience,
            }
            for row in UserSkill.objects.filter(user=user).select_related("skill")
        ],
        "offers": list(
            Offer.objects.filter(owner=user).values(
                "id",
                "title",
                "description",
                "status",
                "mode",
                "location",
                "price_points",
                "created_at",
            )
        ),
        "availability": list(
            AvailabilitySlot.objects.filter(user=user).values(
                "day_of_week", "start_time", "end_time"
            )
        ),
        "availability_exceptions": list(
            AvailabilityException.objects.filter(user=user).values("starts_at", "ends_at", "reason")
        ),
    }


# --- skills ---------------------------------------------------------------------------------------


def _unique_slug(text: str) -> str:
    base = slugify(text, allow_unicode=True)[:120] or "skill"
    slug, counter = base, 2
    while Skill.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def skill_get_or_create_by_name(*, name: str, category: Category | None) -> Skill:
    """The catalogue skill called ``name`` in either language (or a synonym), else a new one.

    A new skill is marked as submitted by a member so moderators can review it; it needs a
    category.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed(fields={"skill_name": [_("This field may not be blank.")]})
    wanted = search.normalise(name)
    for skill in Skill.objects.filter(
        Q(name_en__iexact=name) | Q(name_ar__iexact=name) | Q(search_text__contains=wanted)
    ):
        names = {search.normalise(skill.name_en), search.normalise(skill.name_ar)}
        synonyms = {search.normalise(s) for s in skill.synonyms.split(",")}
        if wanted in names | synonyms:
            return skill
    if category is None:
        raise ValidationFailed(
            fields={"category": [_("Choose a category for a skill that is not in the catalogue.")]}
        )
    arabic = bool(search._ARABIC.search(name))
    skill = Skill(
        slug=_unique_slug(name),
        category=category,
        is_user_submitted=True,
        name_en=None if arabic else name,
        name_ar=name if arabic else None,
    )
    if arabic:
        # modeltranslation requires an English name; the Arabic one stands in until a moderator
        # translates it.
        skill.name_en = name
    skill.save()
    return skill


# --- user skills ----------------------------------------------------------------------------------


@transaction.atomic
def user_skill_create(
    *,
    user: User,
    skill: Skill,
    direction: str = Direction.OFFERED,
    proficiency_level: str,
    years_of_experience: int = 0,
) -> UserSkill:
    """Add a skill the user offers or wants; one row per (user, skill, direction).

    Recomputes the user's matches after commit.
    """
    if UserSkill.objects.filter(user=user, skill=skill, direction=direction).exists():
        raise ValidationFailed(
            fields={
                "skill": [
                    _("You already listed this skill as %(direction)s.")
                    % {"direction": Direction(direction).label}
                ]
            }
        )
    try:
        with transaction.atomic():
            user_skill = UserSkill.objects.create(
                user=user,
                skill=skill,
                direction=direction,
                proficiency_level=proficiency_level,
                years_of_experience=years_of_experience,
            )
    except IntegrityError:
        # A concurrent request added the same row between the check and the insert.
        raise ValidationFailed(fields={"skill": [_("You already listed this skill.")]}) from None
    _schedule_match_recompute(user.pk)
    return user_skill


@transaction.atomic
def user_skill_update(*, user_skill: UserSkill, **changes: Any) -> UserSkill:
    """Change the proficiency, years or direction of one of the user's skills."""
    allowed = {"proficiency_level", "years_of_experience", "direction", "skill"}
    for name, value in changes.items():
        if name not in allowed:
            raise ValueError(name)
        setattr(user_skill, name, value)
    duplicate = (
        UserSkill.objects.filter(
            user_id=user_skill.user_id, skill=user_skill.skill, direction=user_skill.direction
        )
        .exclude(pk=user_skill.pk)
        .exists()
    )
    if duplicate:
        raise ValidationFailed(fields={"skill": [_("You already listed this skill.")]})
    try:
        with transaction.atomic():
            user_skill.save()
    except IntegrityError:
        raise ValidationFailed(fields={"skill": [_("You already listed this skill.")]}) from None
    _schedule_match_recompute(user_skill.user_id)
    return user_skill


@transaction.atomic
def user_skill_delete(*, user_skill: UserSkill) -> None:
    user_id = user_skill.user_id
    user_skill.delete()
    _schedule_match_recompute(user_id)


# --- offers ---------------------------------------------------------------------------------------


def _validate_offer(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    mode = values.get("mode", OfferMode.ONLINE)
    if mode in {OfferMode.OFFLINE, OfferMode.BOTH} and not (values.get("location") or "").strip():
        errors["location"] = [_("A location is required for in-person offers.")]
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors["latitude"] = [_("Give both latitude and longitude, or neither.")]
    category = values.get("category")
    if category is not None and not category.is_active:
        errors["category"] = [_("This category is not available.")]
    # Only the skills being set are checked: an offer stays editable when one of its skills is
    # later deactivated in the catalogue.
    for field_name in ("offered_skills", "desired_skills"):
        skills = values.get(field_name) or []
        if any(not skill.is_active for skill in skills):
            errors[field_name] = [_("Some of these skills are not available.")]
    if "offered_skills" in values and not values["offered_skills"]:
        errors["offered_skills"] = [_("Name at least one skill you offer.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _check_can_sell(owner: User, price_points: int) -> None:
    """Paid sessions are for experts (seed 004's "friend"): a price needs the permission."""
    if price_points > 0 and not owner.has_perm("accounts.sell_paid_sessions"):
        raise ValidationFailed(
            code="expert_required",
            fields={
                "price_points": [
                    _("Only experts can sell paid sessions; set the price to 0 for a swap.")
                ]
            },
        )


@transaction.atomic
def offer_create(
    *,
    owner: User,
    title: str,
    category: Category,
    offered_skills: Sequence[Skill],
    desired_skills: Sequence[Skill] = (),
    description: str = "",
    mode: str = OfferMode.ONLINE,
    location: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    language: str | None = None,
    price_points: int = 0,
    session_minutes: int = 60,
    status: str = OfferStatus.ACTIVE,
) -> Offer:
    """Publish an offer for ``owner`` (active unless created paused); it joins the moderation
    queue as new. Indexes it for search before returning."""
    values = {
        "title": title,
        "category": category,
        "offered_skills": list(offered_skills),
        "desired_skills": list(desired_skills),
        "mode": mode,
        "location": location,
        "latitude": latitude,
        "longitude": longitude,
    }
    _validate_offer(values)
    _check_can_sell(owner, price_points)
    if status not in {OfferStatus.ACTIVE, OfferStatus.PAUSED}:
        raise ValidationFailed(fields={"status": [_("Choose active or paused.")]})
    offer = Offer.objects.create(
        owner=owner,
        title=title.strip(),
        description=description.strip(),
        category=category,
        mode=mode,
        location=location.strip(),
        latitude=latitude,
        longitude=longitude,
        language=language or getattr(owner, "language", "") or "en",
        price_points=price_points,
        session_minutes=session_minutes,
        status=status,
    )
    offer.offered_skills.set(values["offered_skills"])
    offer.desired_skills.set(values["desired_skills"])
    offer_search_refresh(offer_ids=[offer.pk])
    return offer


OFFER_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "category",
        "offered_skills",
        "desired_skills",
        "mode",
        "location",
        "latitude",
        "longitude",
        "language",
        "price_points",
        "session_minutes",
        "status",
    }
)


@transaction.atomic
def offer_update(*, offer: Offer, **changes: Any) -> Offer:
    """Change an offer on behalf of its owner (the caller checked ownership).

    Takes a row lock on the offer. A removed offer cannot be edited (409).
    """
    unknown = set(changes) - OFFER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer was removed and can no longer be edited."))
    if "status" in changes and changes["status"] not in {OfferStatus.ACTIVE, OfferStatus.PAUSED}:
        raise ValidationFailed(fields={"status": [_("Choose active or paused.")]})
    values = {
        "mode": changes.get("mode", locked.mode),
        "location": changes.get("location", locked.location),
        "latitude": changes.get("latitude", locked.latitude),
        "longitude": changes.get("longitude", locked.longitude),
        # An existing category stays valid even if it was deactivated since.
        "category": changes.get("category"),
    }
    for name in ("offered_skills", "desired_skills"):
        if name in changes:
            values[name] = list(changes[name])
    _validate_offer(values)
    if changes.get("price_points", 0) > locked.price_points:
        # Raising a price needs the permission; lowering or keeping one never does, so an expert
        # who lost the role can still take a paid offer down to 0.
        _check_can_sell(locked.owner, changes["price_points"])
    for name, value in changes.items():
        if name in {"offered_skills", "desired_skills"}:
            continue
        if isinstance(value, str) and name != "status":
            value = value.strip()
        setattr(locked, name, value)
    locked.save()
    if "offered_skills" in changes:
        locked.offered_skills.set(changes["offered_skills"])
    if "desired_skills" in changes:
        locked.desired_skills.set(changes["desired_skills"])
    if changes.keys() & {"title", "description", "category", "offered_skills", "desired_skills"}:
        offer_search_refresh(offer_ids=[locked.pk])
    return locked


@transaction.atomic
def offer_remove(*, offer: Offer, actor: User) -> Offer:
    """Soft-remove the owner's own offer: it disappears from listings, swaps keep it.

    Takes a row lock on the offer; removing twice is a no-op.
    """
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == OfferStatus.REMOVED:
        return locked
    locked.status = OfferStatus.REMOVED
    locked.removed_at = timezone.now()
    locked.removed_by = actor
    locked.removal_reason = ""
    locked.save(
        update_fields=["status", "removed_at", "removed_by", "removal_reason", "updated_at"]
    )
    return locked


@transaction.atomic
def offer_moderate_remove(*, offer: Offer, moderator: User, reason: str) -> Offer:
    """Remove an offer as a moderator, with a reason the owner is told.

    The caller checked ``marketplace.moderate_offer``. Takes a row lock on the offer. The owner
    gets a ``moderation_decision`` notification with the reason (messaging pushes it after
    commit).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the offer is removed.")]})
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer is already removed."))
    now = timezone.now()
    locked.status = OfferStatus.REMOVED
    locked.removed_at = now
    locked.removed_by = moderator
    locked.removal_reason = reason
    locked.reviewed_at = now
    locked.reviewed_by = moderator
    locked.save()
    owner = locked.owner
    with translation.override(getattr(owner, "language", None) or "en"):
        label = _("your offer “%(title)s”") % {"title": locked.title}
    # Stored in this transaction; messaging pushes and e-mails it after commit.
    notification_send(
        recipient=owner,
        kind="moderation_decision",
        context={"object_label": label, "decision": "removed", "note": reason},
        related_type="offer",
        related_id=locked.pk,
    )
    return locked


@transaction.atomic
def offer_approve(*, offer: Offer, moderator: User) -> Offer:
    """Mark an offer as reviewed: it leaves the moderation queue until it is reported again."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = moderator
    locked.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
    return locked


@transaction.atomic
def offer_report(*, offer: Offer) -> Offer:
    """Count a report against an offer (community's reports call this); it re-enters the queue."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    locked.report_count += 1
    locked.last_reported_at = timezone.now()
    locked.save(update_fields=["report_count", "last_reported_at"])
    return locked


def offer_search_refresh(*, offer_ids: Iterable[int]) -> None:
    """Rebuild the search documents of the given offers and grow the search vocabulary.

    Title (weight A), skill and category names in both languages (B), description (C).
    """
    offers = (
        Offer.objects.filter(pk__in=list(offer_ids))
        .select_related("category")
        .prefetch_related("offered_skills", "desired_skills")
        .only("pk", "title", "description", "category")
    )
    vocabulary: set[str] = set()
    postgresql = search.is_postgresql()
    for offer in offers:
        title = search.normalise(offer.title)
        names: list[str | None] = [offer.category.name_en, offer.category.name_ar]
        for skill in [*offer.offered_skills.all(), *offer.desired_skills.all()]:
            names.extend([skill.name_en, skill.name_ar, skill.synonyms.replace(",", " ")])
        skills = search.normalise(*names)
        description = search.normalise(offer.description)
        text = " ".join(part for part in (title, skills, description) if part)
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute(
                    search.OFFER_DOCUMENT_UPDATE_SQL,
                    search.offer_document_params(offer.pk, text, title, skills, description),
                )
        else:
            Offer.objects.filter(pk=offer.pk).update(search_text=text)
        vocabulary.update(word for word in text.split() if len(word) >= 3)
    search_vocabulary_add(words=vocabulary)


def search_vocabulary_add(*, words: Iterable[str]) -> None:
    rows = [SearchWord(word=word[:64]) for word in sorted(set(words)) if word]
    if rows:
        SearchWord.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def offers_reindex_for_skill(*, skill_id: int) -> int:
    """Rebuild the search documents of every offer that names the skill (after a rename)."""
    ids = set(Offer.objects.filter(offered_skills=skill_id).values_list("pk", flat=True))
    ids |= set(Offer.objects.filter(desired_skills=skill_id).values_list("pk", flat=True))
    for chunk in _chunks(sorted(ids), 500):
        with transaction.atomic():
            offer_search_refresh(offer_ids=chunk)
    return len(ids)


def offers_reindex_for_category(*, category_id: int) -> int:
    ids = list(Offer.objects.filter(category_id=category_id).values_list("pk", flat=True))
    for chunk in _chunks(ids, 500):
        with transaction.atomic():
            offer_search_refresh(offer_ids=chunk)
    return len(ids)


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- offer images ---------------------------------------------------------------------------------


@transaction.atomic
def offer_images_add(*, offer: Offer, files: Sequence[UploadedFile]) -> list[OfferImage]:
    """Validate, re-encode and append pictures to an offer, after the existing ones.

    Takes a row lock on the offer so concurrent uploads cannot exceed the limit or share a
    position. Nothing is stored if any file is refused.
    """
    from django.conf import settings

    if not files:
        raise ValidationFailed(fields={"images": [_("Attach at least one picture.")]})
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status == OfferStatus.REMOVED:
        raise Conflict(_("This offer was removed and can no longer be edited."))
    existing = list(locked.images.order_by("position").values_list("position", flat=True))
    limit = int(settings.MARKETPLACE_OFFER_MAX_IMAGES)
    if len(existing) + len(files) > limit:
        raise ValidationFailed(
            fields={"images": [_("An offer has at most %(count)d pictures.") % {"count": limit}]}
        )
    encoded = []
    for index, upload in enumerate(files):
        try:
            encoded.append(offer_image_reencode(upload))
        except ImageRejected as exc:
            raise ValidationFailed(fields={f"images.{index}": [str(exc)]}) from None
    position = (existing[-1] + 1) if existing else 0
    created = []
    for content, width, height in encoded:
        image = OfferImage(offer=locked, position=position, width=width, height=height)
        image.image.save(content.name, content, save=False)
        image.save()
        created.append(image)
        position += 1
    return created


@transaction.atomic
def offer_image_delete(*, image: OfferImage) -> None:
    """Delete one picture and close the gap in the order. Locks the offer row."""
    Offer.objects.select_for_update().filter(pk=image.offer_id).first()
    offer_id = image.offer_id
    storage, name = image.image.storage, image.image.name
    image.delete()
    _renumber_images(offer_id=offer_id, order=None)
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def offer_images_reorder(*, offer: Offer, order: Sequence[int]) -> list[OfferImage]:
    """Put the offer's pictures in the order of ``order`` (every image id, once). Locks the
    offer row."""
    Offer.objects.select_for_update().filter(pk=offer.pk).first()
    current = set(OfferImage.objects.filter(offer=offer).values_list("pk", flat=True))
    if len(order) != len(set(order)) or set(order) != current:
        raise ValidationFailed(
            fields={"order": [_("List every picture of this offer exactly once.")]}
        )
    return _renumber_images(offer_id=offer.pk, order=order)


def _renumber_images(*, offer_id: int, order: Sequence[int] | None) -> list[OfferImage]:
    images = list(OfferImage.objects.filter(offer_id=offer_id).order_by("position", "id"))
    if order is not None:
        rank = {pk: index for index, pk in enumerate(order)}
        images.sort(key=lambda image: rank[image.pk])
    for index, image in enumerate(images):
        image.position = index
    OfferImage.objects.bulk_update(images, ["position"])
    return images


# --- availability ---------------------------------------------------------------------------------


def _minutes(value: dt.time, *, end: bool) -> int:
    if end and value == MIDNIGHT:
        return 24 * 60
    return value.hour * 60 + value.minute


def _check_slot(
    *,
    user_id: int,
    day_of_week: int,
    start_time: dt.time,
    end_time: dt.time,
    exclude_id: int | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not 0 <= day_of_week <= 6:
        errors["day_of_week"] = [_("Use 0 (Monday) to 6 (Sunday).")]
    if start_time.second or end_time.second or start_time.microsecond or end_time.microsecond:
        errors["start_time"] = [_("Use whole minutes.")]
    start, end = _minutes(start_time, end=False), _minutes(end_time, end=True)
    if end <= start:
        errors["end_time"] = [_("The end must be after the start (00:00 means midnight).")]
    if errors:
        raise ValidationFailed(fields=errors)
    others = AvailabilitySlot.objects.filter(user_id=user_id, day_of_week=day_of_week)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    for other in others:
        if start < other.end_minutes and other.start_minutes < end:
            raise ValidationFailed(
                fields={
                    "start_time": [
                        _("This slot overlaps your slot %(start)s–%(end)s.")
                        % {
                            "start": other.start_time.strftime("%H:%M"),
                            "end": other.end_time.strftime("%H:%M"),
                        }
                    ]
                }
            )


def _lock_user(user_id: int) -> None:
    # Serialises slot writes of one member so two concurrent requests cannot both pass the
    # overlap check.
    get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk").first()


@transaction.atomic
def availability_slot_create(
    *, user: User, day_of_week: int, start_time: dt.time, end_time: dt.time
) -> AvailabilitySlot:
    """Add a weekly slot (local time of the user); no overlap with the user's other slots.

    Takes a row lock on the user.
    """
    _lock_user(user.pk)
    _check_slot(user_id=user.pk, day_of_week=day_of_week, start_time=start_time, end_time=end_time)
    slot = AvailabilitySlot.objects.create(
        user=user, day_of_week=day_of_week, start_time=start_time, end_time=end_time
    )
    _schedule_match_recompute(user.pk)
    return slot


@transaction.atomic
def availability_slot_update(*, slot: AvailabilitySlot, **changes: Any) -> AvailabilitySlot:
    """Move or resize a weekly slot. Takes a row lock on the user."""
    _lock_user(slot.user_id)
    for name in ("day_of_week", "start_time", "end_time"):
        if name in changes:
            setattr(slot, name, changes[name])
    _check_slot(
        user_id=slot.user_id,
        day_of_week=slot.day_of_week,
        start_time=slot.start_time,
        end_time=slot.end_time,
        exclude_id=slot.pk,
    )
    slot.save()
    _schedule_match_recompute(slot.user_id)
    return slot


@transaction.atomic
def availability_slot_delete(*, slot: AvailabilitySlot) -> None:
    user_id = slot.user_id
    slot.delete()
    _schedule_match_recompute(user_id)


def _check_exception(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})


@transaction.atomic
def availability_exception_create(
    *, user: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = ""
) -> AvailabilityException:
    """Mark the user unavailable from ``starts_at`` to ``ends_at`` (overlaps are allowed)."""
    _check_exception(starts_at, ends_at)
    return AvailabilityException.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )


@transaction.atomic
def availability_exception_update(
    *, exception: AvailabilityException, **changes: Any
) -> AvailabilityException:
    for name in ("starts_at", "ends_at", "reason"):
        if name in changes:
            setattr(exception, name, changes[name])
    _check_exception(exception.starts_at, exception.ends_at)
    exception.save()
    return exception


@transaction.atomic
def availability_exception_delete(*, exception: AvailabilityException) -> None:
    exception.delete()


# --- matches --------------------------------------------------------------------------------------


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
    for user_skill in UserSkill.objects.filter(user_id__in=ids).select_related("skill"):
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
    in_person = Offer.objects.filter(
        owner_id__in=ids,
        status=OfferStatus.ACTIVE,
        mode__in=[OfferMode.OFFLINE, OfferMode.BOTH],
    ).values_list("owner_id", flat=True)
    for owner_id in set(in_person):
        profiles[owner_id].has_in_person_offer = True
    return profiles


def match_candidate_ids(*, user_id: int) -> set[int]:
    """Members who offer what the user wants or want what the user offers."""
    mine = UserSkill.objects.filter(user_id=user_id)
    offered = mine.filter(direction=Direction.OFFERED).values("skill_id")
    wanted = mine.filter(direction=Direction.WANTED).values("skill_id")
    others = (
        UserSkill.objects.filter(
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
    from django.conf import settings

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
    locked = Match.objects.select_for_update().get(pk=match.pk)
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
