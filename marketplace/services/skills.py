"""Skills: resolving the names members write, suggestions and their review, user skills.

The catalogue is written by moderators only. A name a member uses (user-skills ``skill_name``,
offer ``offered_skills``/``desired_skills`` by name, profile ``skills``) is looked up in the
catalogue in English, Arabic and the synonyms, ignoring case, accents and Arabic letter variants;
a name it does not know becomes a pending suggestion (docs/api.md, "Skill suggestions"):

- the member's entry (user skill, offer skill) is stored at once and points at the suggestion;
  the member sees it in their own user skills and offers, nobody else does, and it is left out of
  catalogue lists, search documents and matching;
- a moderator approves it in the Wagtail admin (it joins the catalogue, or is merged into an
  existing skill as a synonym, the entries following it), or rejects it (the user skills naming
  it are deleted and the offers drop it; the name cannot be suggested again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.exceptions import Conflict, ValidationFailed
from core.text import text_clean
from marketplace import search
from marketplace.cache import offers_cache_bump
from marketplace.models import (
    Category,
    Direction,
    Offer,
    Proficiency,
    Skill,
    SkillStatus,
    UserSkill,
)
from marketplace.services.matches import schedule_match_recompute

if TYPE_CHECKING:
    from accounts.models import User

SKILL_NAME_MAX = 120


def _unique_slug(text: str) -> str:
    base = slugify(text, allow_unicode=True)[:120] or "skill"
    slug, counter = base, 2
    while Skill.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def _tidy(name: str) -> str:
    return " ".join(text_clean(name).split())


def _skill_names(skill: Skill) -> set[str]:
    names = {search.normalise(skill.name_en), search.normalise(skill.name_ar)}
    names |= {search.normalise(part) for part in skill.synonyms.split(",")}
    names.discard("")
    return names


def skill_find_by_name(*, name: str) -> Skill | None:
    """The skill called ``name`` in English, Arabic or a synonym (any status), else None.

    Catalogue skills win over suggestions, and older rows over newer ones.
    """
    name = _tidy(name)
    wanted = search.normalise(name)
    if not wanted:
        return None
    candidates = Skill.objects.filter(
        Q(name_en__iexact=name) | Q(name_ar__iexact=name) | Q(search_text__contains=wanted)
    ).order_by("id")
    found = [skill for skill in candidates if wanted in _skill_names(skill)]
    found.sort(key=lambda skill: (skill.status != SkillStatus.APPROVED, skill.pk))
    return found[0] if found else None


def skill_get_or_suggest(
    *, name: str, user: User | None, category: Category | None = None, field: str = "skill_name"
) -> Skill:
    """The catalogue skill (or pending suggestion) called ``name``; a new pending one otherwise.

    A name a moderator rejected is refused (400 on ``field``). A new suggestion records its
    author and ``category`` if one is known (it may stay empty until review).
    """
    name = _tidy(name)
    if not name:
        raise ValidationFailed(fields={field: [_("This field may not be blank.")]})
    if len(name) > SKILL_NAME_MAX:
        raise ValidationFailed(
            fields={
                field: [
                    _("Ensure this field has no more than %(max)d characters.")
                    % {"max": SKILL_NAME_MAX}
                ]
            }
        )
    existing = skill_find_by_name(name=name)
    if existing is not None:
        if existing.status == SkillStatus.REJECTED:
            raise ValidationFailed(
                fields={
                    field: [
                        _("“%(name)s” is not accepted in the skill catalogue.") % {"name": name}
                    ]
                }
            )
        return existing
    arabic = bool(search._ARABIC.search(name))
    skill = Skill(
        slug=_unique_slug(name),
        category=category if category is not None and category.is_active else None,
        status=SkillStatus.PENDING,
        suggested_by=user,
        is_user_submitted=True,
        is_active=True,
        # modeltranslation requires an English name: an Arabic one stands in until review.
        name_en=name,
        name_ar=name if arabic else None,
    )
    skill.save()
    return skill


def skill_get_or_create_by_name(
    *, name: str, category: Category | None, user: User | None = None
) -> Skill:
    """Kept for callers of the old name: resolve ``name`` or suggest it (never a catalogue
    write)."""
    return skill_get_or_suggest(name=name, user=user, category=category)


def skills_resolve(
    *,
    refs: Iterable[Skill | int | str],
    user: User | None,
    field: str,
    category: Category | None = None,
) -> list[Skill]:
    """Turn skill ids, names and Skill objects into skills, in order, without duplicates.

    Ids must name catalogue skills (or the caller's own suggestions); names go through
    ``skill_get_or_suggest``.
    """
    refs = list(refs)
    ids = [ref for ref in refs if isinstance(ref, int) and not isinstance(ref, bool)]
    visible = Q(status=SkillStatus.APPROVED)
    if user is not None:
        visible |= Q(status=SkillStatus.PENDING, suggested_by=user)
    by_id = Skill.objects.filter(visible).in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in by_id]
    if missing:
        raise ValidationFailed(
            fields={
                field: [
                    _("No skill with the id %(ids)s in the catalogue.")
                    % {"ids": ", ".join(missing)}
                ]
            }
        )
    skills: list[Skill] = []
    for ref in refs:
        if isinstance(ref, Skill):
            skill = ref
        elif isinstance(ref, int):
            skill = by_id[ref]
        else:
            skill = skill_get_or_suggest(name=ref, user=user, category=category, field=field)
        if all(skill.pk != other.pk for other in skills):
            skills.append(skill)
    return skills


@transaction.atomic
def skill_suggestion_approve(
    *,
    skill: Skill,
    moderator: User,
    category: Category | None = None,
    name_en: str | None = None,
    name_ar: str | None = None,
    merge_into: Skill | None = None,
) -> Skill:
    """Accept a pending suggestion: into the catalogue, or merged into ``merge_into``.

    A merge adds the suggested name to the target's synonyms, moves every user skill and offer
    link to the target (a member who already lists the target keeps that row) and deletes the
    suggestion. Takes row locks on the suggestion (and the target), in primary-key order.
    Offers naming the skill are re-indexed after commit. Returns the catalogue skill.
    """
    transaction.on_commit(offers_cache_bump)
    ids = sorted({skill.pk, *([merge_into.pk] if merge_into is not None else [])})
    # FOR NO KEY UPDATE: no key column changes; user skills referencing the rows may be inserted.
    locked = Skill.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    rows = {row.pk: row for row in locked}
    suggestion = rows.get(skill.pk)
    if suggestion is None or suggestion.status != SkillStatus.PENDING:
        raise Conflict(_("This suggestion was already reviewed."))
    if merge_into is not None:
        target = rows[merge_into.pk]
        if target.pk == suggestion.pk or target.status != SkillStatus.APPROVED:
            raise ValidationFailed(fields={"merge_into": [_("Choose a skill of the catalogue.")]})
        _merge(suggestion=suggestion, target=target)
        _after_skill_change(target.pk)
        return target
    chosen = category or suggestion.category
    if chosen is None:
        raise ValidationFailed(fields={"category": [_("Choose a category for this skill.")]})
    suggestion.category = chosen
    if name_en:
        suggestion.name_en = _tidy(name_en)
    if name_ar is not None:
        suggestion.name_ar = _tidy(name_ar) or None
    suggestion.status = SkillStatus.APPROVED
    suggestion.save()
    _after_skill_change(suggestion.pk)
    return suggestion


def _merge(*, suggestion: Skill, target: Skill) -> None:
    synonyms = [part.strip() for part in target.synonyms.split(",") if part.strip()]
    for name in (suggestion.name_en, suggestion.name_ar):
        if name and search.normalise(name) not in _skill_names(target):
            synonyms.append(name.replace(",", " "))
    target.synonyms = ", ".join(synonyms)
    target.save()
    users = set()
    for row in UserSkill.objects.filter(skill=suggestion):
        users.add(row.user_id)
        taken = UserSkill.objects.filter(user_id=row.user_id, skill=target, direction=row.direction)
        if taken.exists():
            row.delete()
        else:
            row.skill = target
            row.save(update_fields=["skill", "updated_at"])
    for relation in (Offer.offered_skills.through, Offer.desired_skills.through):
        links = relation.objects.filter(skill_id=suggestion.pk)
        offer_ids = list(links.values_list("offer_id", flat=True))
        already = set(
            relation.objects.filter(skill_id=target.pk, offer_id__in=offer_ids).values_list(
                "offer_id", flat=True
            )
        )
        links.filter(offer_id__in=already).delete()
        links.update(skill_id=target.pk)
    suggestion.delete()
    for user_id in sorted(users):
        schedule_match_recompute(user_id)


def _after_skill_change(skill_id: int) -> None:
    from marketplace.tasks import offers_reindex_for_skill_task

    transaction.on_commit(lambda: offers_reindex_for_skill_task.delay(skill_id))
    for user_id in sorted(
        set(UserSkill.objects.filter(skill_id=skill_id).values_list("user_id", flat=True))
    ):
        schedule_match_recompute(user_id)


@transaction.atomic
def skill_suggestion_reject(*, skill: Skill, moderator: User) -> Skill:
    """Refuse a pending suggestion: its user skills are deleted, offers drop it.

    The skill row stays, ``rejected``, so the same name is refused next time. Takes a row lock on
    the suggestion.
    """
    suggestion = Skill.objects.select_for_update(no_key=True).filter(pk=skill.pk).first()
    if suggestion is None or suggestion.status != SkillStatus.PENDING:
        raise Conflict(_("This suggestion was already reviewed."))
    suggestion.status = SkillStatus.REJECTED
    suggestion.is_active = False
    suggestion.save()
    UserSkill.objects.filter(skill=suggestion).delete()
    Offer.offered_skills.through.objects.filter(skill_id=suggestion.pk).delete()
    Offer.desired_skills.through.objects.filter(skill_id=suggestion.pk).delete()
    return suggestion


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
    transaction.on_commit(offers_cache_bump)
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
    schedule_match_recompute(user.pk)
    return user_skill


@transaction.atomic
def user_skill_update(*, user_skill: UserSkill, **changes: Any) -> UserSkill:
    """Change the proficiency, years or direction of one of the user's skills."""
    transaction.on_commit(offers_cache_bump)
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
    schedule_match_recompute(user_skill.user_id)
    return user_skill


@transaction.atomic
def user_skill_delete(*, user_skill: UserSkill) -> None:
    transaction.on_commit(offers_cache_bump)
    user_id = user_skill.user_id
    user_skill.delete()
    schedule_match_recompute(user_id)


@transaction.atomic
def user_skills_set_offered(*, user: User, names: Sequence[str]) -> list[UserSkill]:
    """Make the user's offered skills exactly ``names`` (seed 000's profile ``skills``).

    Names resolve like everywhere else (new ones become the user's pending suggestions); rows
    that stay keep their proficiency and years, new rows start at beginner; wanted skills are
    untouched. Recomputes the user's matches after commit.
    """
    transaction.on_commit(offers_cache_bump)
    skills = skills_resolve(refs=list(names), user=user, field="skills")
    wanted_ids = [skill.pk for skill in skills]
    current = UserSkill.objects.filter(user=user, direction=Direction.OFFERED)
    current.exclude(skill_id__in=wanted_ids).delete()
    kept = set(current.values_list("skill_id", flat=True))
    UserSkill.objects.bulk_create(
        [
            UserSkill(
                user=user,
                skill=skill,
                direction=Direction.OFFERED,
                proficiency_level=Proficiency.BEGINNER,
            )
            for skill in skills
            if skill.pk not in kept
        ],
        ignore_conflicts=True,
    )
    schedule_match_recompute(user.pk)
    return list(UserSkill.objects.filter(user=user, direction=Direction.OFFERED).order_by("id"))
