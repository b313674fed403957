"""Offers: publish, edit, remove, moderate, report, and their search documents.

Skills may be given as catalogue ids or by name (seed 000 sends ``offered_skills: ["Python"]``):
names resolve through ``marketplace.services.skills``, and a name the catalogue does not know
becomes the owner's pending suggestion. Meanwhile the offer is published with it; only its owner
sees the suggested skill on the offer, and search indexes only catalogue skills (docs/api.md,
"Skill suggestions"). Without a category, the offer takes the category of its first offered
catalogue skill.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.exceptions import Conflict, ValidationFailed
from marketplace import search
from marketplace.cache import offers_cache_bump
from marketplace.models import (
    Category,
    Offer,
    OfferMode,
    OfferStatus,
    SearchWord,
    Skill,
    SkillStatus,
)
from marketplace.services.skills import skills_resolve
from messaging.services import notification_send

if TYPE_CHECKING:
    from accounts.models import User

SkillRefs = Sequence[Skill | int | str]


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


def _infer_category(offered: Sequence[Skill]) -> Category:
    for skill in offered:
        if skill.status == SkillStatus.APPROVED and skill.category_id is not None:
            return skill.category
    raise ValidationFailed(
        fields={
            "category": [
                _("Choose a category: none of the offered skills is in the catalogue yet.")
            ]
        }
    )


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
    category: Category | None = None,
    offered_skills: SkillRefs,
    desired_skills: SkillRefs = (),
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
    queue as new. Indexes it for search before returning.

    Skills are Skill objects, catalogue ids or names (new names become the owner's pending
    suggestions); without ``category`` the first offered catalogue skill's category is used.
    """
    transaction.on_commit(offers_cache_bump)
    offered = skills_resolve(
        refs=offered_skills, user=owner, field="offered_skills", category=category
    )
    category = category or _infer_category(offered)
    desired = skills_resolve(
        refs=desired_skills, user=owner, field="desired_skills", category=category
    )
    values = {
        "title": title,
        "category": category,
        "offered_skills": offered,
        "desired_skills": desired,
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
    transaction.on_commit(offers_cache_bump)
    unknown = set(changes) - OFFER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changes = dict(changes)
    for name in ("offered_skills", "desired_skills"):
        # Names are resolved (suggestions created) before the row lock: lookups and inserts of
        # skills need no lock on the offer.
        if name in changes:
            changes[name] = skills_resolve(
                refs=changes[name],
                user=offer.owner,
                field=name,
                category=changes.get("category") or offer.category,
            )
    if changes.get("category", "") is None:
        changes.pop("category")
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
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
    transaction.on_commit(offers_cache_bump)
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
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
    transaction.on_commit(offers_cache_bump)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the offer is removed.")]})
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
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
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = moderator
    locked.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
    return locked


@transaction.atomic
def offer_report(*, offer: Offer) -> Offer:
    """Count a report against an offer (community's reports call this); it re-enters the queue."""
    locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
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
            if skill.status != SkillStatus.APPROVED:
                continue  # a suggestion is not searchable until a moderator approves it
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
