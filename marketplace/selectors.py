"""Every non-trivial read of the marketplace app: ``<entity>_list`` / ``<entity>_get``."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchRank
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ASin, Cast, Cos, Length, Power, Radians, Sin, Sqrt
from django.utils import timezone
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from marketplace import search
from marketplace.models import (
    MIDNIGHT,
    AvailabilityException,
    AvailabilitySlot,
    Category,
    Match,
    Offer,
    OfferImage,
    OfferStatus,
    Skill,
    SkillStatus,
    UserSkill,
)

if TYPE_CHECKING:
    from accounts.models import User

EARTH_RADIUS_KM = 6371.0088
UTC = dt.UTC


# --- categories and skills ------------------------------------------------------------------------


def category_list(*, include_inactive: bool = False) -> list[Category]:
    """Every category, parents before children, in the active language (one query)."""
    queryset = Category.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return list(queryset.order_by("sort_order", "id"))


def category_tree(*, include_inactive: bool = False) -> list[Category]:
    """Top-level categories, each with ``tree_children`` (recursively), from one query."""
    categories = category_list(include_inactive=include_inactive)
    by_id = {category.pk: category for category in categories}
    roots: list[Category] = []
    for category in categories:
        category.tree_children = []
    for category in categories:
        parent = by_id.get(category.parent_id) if category.parent_id else None
        if parent is not None:
            parent.tree_children.append(category)
        elif category.parent_id is None:
            roots.append(category)
    return roots


def category_descendant_ids(
    *, category_ids: Iterable[int] = (), slugs: Iterable[str] = ()
) -> set[int]:
    """The given categories (by id or slug) and all their descendants, from one query."""
    children: dict[int | None, list[int]] = {}
    by_slug: dict[str, int] = {}
    for pk, parent_id, slug in Category.objects.values_list("pk", "parent_id", "slug"):
        children.setdefault(parent_id, []).append(pk)
        by_slug[slug] = pk
    found: set[int] = set()
    stack = [*category_ids, *(by_slug[slug] for slug in slugs if slug in by_slug)]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, []))
    return found


def skill_list(*, search_text: str | None = None, category_id: int | None = None) -> QuerySet:
    """Active catalogue skills; with ``search_text`` the best completions first.

    Every query word must be the start of (or inside) a word of the skill's names or synonyms, in
    either language; on PostgreSQL a word may also be a near spelling of a vocabulary word.
    """
    queryset = Skill.objects.filter(is_active=True, status=SkillStatus.APPROVED).select_related(
        "category"
    )
    if category_id is not None:
        queryset = queryset.filter(
            category_id__in=category_descendant_ids(category_ids=[category_id])
        )
    words = search.query_words(search_text or "")
    if not words:
        return queryset.order_by("name", "id")
    condition = Q()
    for expansion in search.expand_words(words):
        alternatives = Q()
        for candidate in (expansion.word, *expansion.similar):
            alternatives |= Q(search_text__contains=candidate)
        condition &= alternatives
    first = words[0]
    return (
        queryset.filter(condition)
        .annotate(
            completion=Case(
                When(search_text__startswith=first, then=Value(0)),
                When(search_text__contains=" " + first, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("completion", Length(_localized("name")), _localized("name"), "id")
    )


def _localized(field: str) -> str:
    """``name`` → ``name_ar`` under Arabic (modeltranslation does not rewrite expressions)."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language not in {code for code, _ in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    return build_localized_fieldname(field, language)


# --- offers ---------------------------------------------------------------------------------------


def offer_listed_q(*, now: dt.datetime | None = None) -> Q:
    """The offers everybody sees: active and not expired (``expires_at`` null or to come).

    An expired offer is hidden like a paused one from everybody but its owner until renewed
    (marketplace/services/expiry.py); lists, search, profiles and matching all read through here.
    """
    return Q(status=OfferStatus.ACTIVE) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now())
    )


def offer_queryset(*, viewer: User | None) -> QuerySet[Offer]:
    """Offers ``viewer`` may read: listed ones (active, not expired), their own (any status, also
    expired), all for moderators.

    Related rows come in a constant number of queries whatever the page size.
    """
    queryset = Offer.objects.all()
    if viewer is None or not viewer.is_authenticated:
        queryset = queryset.filter(offer_listed_q())
    elif not viewer.has_perm("marketplace.moderate_offer"):
        queryset = queryset.filter(offer_listed_q() | Q(owner=viewer))
    return queryset.select_related("owner", "category").prefetch_related(
        Prefetch("images", queryset=OfferImage.objects.order_by("position", "id")),
        Prefetch("offered_skills", queryset=Skill.objects.order_by("id")),
        Prefetch("desired_skills", queryset=Skill.objects.order_by("id")),
    )


def offer_get(*, viewer: User | None, offer_id: int) -> Offer | None:
    return offer_queryset(viewer=viewer).filter(pk=offer_id).first()


def offer_apply_search(queryset: QuerySet[Offer], text: str) -> QuerySet[Offer]:
    """Keep the offers matching ``text``, annotated with ``search_rank`` (higher is better)."""
    words = search.query_words(text)
    if not words:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    if search.is_postgresql():
        query = search.search_query(search.expand_words(words))
        return queryset.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query)
        )
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    title_hits = [
        Case(
            When(title__icontains=word, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        for word in words
    ]
    rank = title_hits[0]
    for hit in title_hits[1:]:
        rank = rank + hit
    return queryset.filter(condition).annotate(search_rank=rank)


def offer_apply_near(
    queryset: QuerySet[Offer], *, latitude: Decimal, longitude: Decimal, radius_km: float
) -> QuerySet[Offer]:
    """Keep offers located within ``radius_km``, annotated with ``distance_km`` (haversine)."""
    lat, lng = float(latitude), float(longitude)
    # A bounding box first, so an index on (latitude, longitude) can narrow the scan.
    lat_delta = radius_km / 111.0
    cos_lat = max(abs(_cos_deg(lat)), 0.01)
    lng_delta = min(radius_km / (111.0 * cos_lat), 180.0)
    box = Q(
        latitude__gte=lat - lat_delta,
        latitude__lte=lat + lat_delta,
        longitude__gte=lng - lng_delta,
        longitude__lte=lng + lng_delta,
    )
    phi1 = Radians(Value(lat, output_field=FloatField()))
    phi2 = Radians(Cast("latitude", FloatField()))
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = (
        Radians(Cast("longitude", FloatField())) - Radians(Value(lng, output_field=FloatField()))
    ) / 2
    haversine = Power(Sin(half_dphi), 2) + Cos(phi1) * Cos(phi2) * Power(Sin(half_dlambda), 2)
    distance = Value(2 * EARTH_RADIUS_KM, output_field=FloatField()) * ASin(Sqrt(haversine))
    return (
        queryset.filter(box, latitude__isnull=False)
        .annotate(distance_km=distance)
        .filter(distance_km__lte=radius_km)
    )


def _cos_deg(degrees: float) -> float:
    return math.cos(math.radians(degrees))


# --- user skills ----------------------------------------------------------------------------------


def user_skill_visible(*, viewer_id: int | None) -> QuerySet[UserSkill]:
    """Every user skill ``viewer_id`` may read: all on catalogue skills, and their own on
    pending suggestions (a suggestion is seen by its authors only; docs/api.md)."""
    visible = Q(skill__status=SkillStatus.APPROVED)
    if viewer_id is not None:
        visible |= Q(user_id=viewer_id, skill__status=SkillStatus.PENDING)
    return UserSkill.objects.filter(visible).select_related("skill", "skill__category")


def user_skill_list(*, user_id: int, viewer_id: int | None = None) -> QuerySet[UserSkill]:
    """The user's skills as ``viewer_id`` sees them (pending suggestions only for their
    author); without a viewer, the user's own view."""
    viewer = user_id if viewer_id is None else viewer_id
    return user_skill_visible(viewer_id=viewer).filter(user_id=user_id)


def user_skills_profile_section(user: User) -> dict[str, list[dict]]:
    """The profile's ``sections.skills``: what the user offers and wants, in one query.

    Public as well as own, so catalogue skills only: pending suggestions are listed in the
    author's ``user-skills/``.
    """
    section: dict[str, list[dict]] = {"offered": [], "wanted": []}
    rows = user_skill_visible(viewer_id=None).filter(user_id=user.pk)
    for row in rows.order_by("skill__name"):
        section[row.direction].append(
            {
                "skill_id": row.skill_id,
                "skill_name": row.skill.name,
                "category_id": row.skill.category_id,
                "proficiency_level": row.proficiency_level,
            }
        )
    return section


# --- availability ---------------------------------------------------------------------------------


def user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _wall_clock(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo, *, fold: int) -> dt.datetime:
    return dt.datetime.combine(day, time).replace(tzinfo=zone, fold=fold).astimezone(UTC)


def slot_intervals(
    slots: Sequence[AvailabilitySlot],
    zone: zoneinfo.ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The weekly ``slots`` as merged UTC intervals covering at least [start, end).

    Each slot is placed on the real local dates, so the UTC times move with daylight saving.
    Wall-clock times are resolved with ``fold=0`` for starts and ``fold=1`` for ends: in the
    autumn overlap a window covers every instant its wall-clock span shows, in the spring gap a
    boundary that does not exist moves to the side that shrinks the window. Touching intervals
    merge, so Monday 22:00–00:00 plus Tuesday 00:00–02:00 is one window across midnight.
    """
    first = start.astimezone(zone).date() - dt.timedelta(days=1)
    last = end.astimezone(zone).date() + dt.timedelta(days=1)
    by_day: dict[int, list[AvailabilitySlot]] = {}
    for slot in slots:
        by_day.setdefault(slot.day_of_week, []).append(slot)
    intervals: list[tuple[dt.datetime, dt.datetime]] = []
    day = first
    while day <= last:
        for slot in by_day.get(day.weekday(), ()):
            slot_start = _wall_clock(day, slot.start_time, zone, fold=0)
            if slot.end_time == MIDNIGHT:
                slot_end = _wall_clock(day + dt.timedelta(days=1), MIDNIGHT, zone, fold=1)
            else:
                slot_end = _wall_clock(day, slot.end_time, zone, fold=1)
            if slot_end > slot_start:
                intervals.append((slot_start, slot_end))
        day += dt.timedelta(days=1)
    return merge_intervals(intervals)


def merge_intervals(
    intervals: Iterable[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for interval_start, interval_end in sorted(intervals):
        if merged and interval_start <= merged[-1][1]:
            if interval_end > merged[-1][1]:
                merged[-1] = (merged[-1][0], interval_end)
        else:
            merged.append((interval_start, interval_end))
    return merged


def _require_aware(*values: dt.datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("user_is_available needs timezone-aware datetimes")


def user_is_available(*, user: User, start: dt.datetime, end: dt.datetime) -> bool:
    """True iff [start, end) lies inside the user's weekly availability and no exception.

    ``start`` and ``end`` are aware datetimes (UTC or any zone). The weekly slots are read in the
    user's time zone on the actual dates, so the answer is right across daylight-saving changes;
    consecutive slots (also across midnight) count as one window. Any dated unavailability that
    overlaps [start, end) makes the answer False. Two queries.
    """
    _require_aware(start, end)
    if end <= start:
        return False
    slots = list(
        AvailabilitySlot.objects.filter(user_id=user.pk).only(
            "day_of_week", "start_time", "end_time"
        )
    )
    if not slots:
        return False
    windows = slot_intervals(slots, user_zone(user), start, end)
    if not any(window_start <= start and end <= window_end for window_start, window_end in windows):
        return False
    return not AvailabilityException.objects.filter(
        user_id=user.pk, starts_at__lt=end, ends_at__gt=start
    ).exists()


def user_free_intervals(
    *, user: User, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The user's available UTC intervals within [start, end), exceptions cut out."""
    _require_aware(start, end)
    slots = list(AvailabilitySlot.objects.filter(user_id=user.pk))
    windows = [
        (max(window_start, start), min(window_end, end))
        for window_start, window_end in slot_intervals(slots, user_zone(user), start, end)
        if window_end > start and window_start < end
    ]
    exceptions = AvailabilityException.objects.filter(
        user_id=user.pk, starts_at__lt=end, ends_at__gt=start
    ).values_list("starts_at", "ends_at")
    for exception_start, exception_end in exceptions:
        cut: list[tuple[dt.datetime, dt.datetime]] = []
        for window_start, window_end in windows:
            if exception_end <= window_start or exception_start >= window_end:
                cut.append((window_start, window_end))
                continue
            if exception_start > window_start:
                cut.append((window_start, exception_start))
            if exception_end < window_end:
                cut.append((exception_end, window_end))
        windows = cut
    return windows


def availability_slot_list(*, user_id: int) -> QuerySet[AvailabilitySlot]:
    return AvailabilitySlot.objects.filter(user_id=user_id).select_related("user")


def availability_exception_list(*, user_id: int) -> QuerySet[AvailabilityException]:
    return AvailabilityException.objects.filter(user_id=user_id)


# --- matches --------------------------------------------------------------------------------------


def match_queryset(*, viewer: User) -> QuerySet[Match]:
    """Matches ``viewer`` is part of (every match for staff who manage matches)."""
    queryset = Match.objects.select_related("user_a", "user_b")
    if viewer.has_perm("marketplace.view_match"):
        return queryset
    return queryset.filter(Q(user_a=viewer) | Q(user_b=viewer))


# --- the offers list page (docs/benchmarks.md, "Reads and serving") -------------------------------

# The columns one list row shows: the offer, its owner's card and its category's reference. The
# search document (``search_text``, ``search_vector``) and the owner's private columns stay in the
# database; rows are dicts, not model instances.
OFFER_ROW_COLUMNS = (
    "id",
    "owner_id",
    "title",
    "description",
    "category_id",
    "mode",
    "location",
    "latitude",
    "longitude",
    "language",
    "price_points",
    "session_minutes",
    "status",
    "created_at",
    "updated_at",
    "removed_at",
    "removal_reason",
    "expires_at",
)
OFFER_ROW_OWNER_COLUMNS = (
    "display_name",
    "first_name",
    "last_name",
    "avatar",
    "rating_average",
    "rating_count",
)
OFFER_ROW_CATEGORY_COLUMNS = ("name", "name_en", "name_ar", "slug")
# Annotations the filters may add and the list shows.
OFFER_ROW_ANNOTATIONS = ("distance_km", "search_rank")


class OfferRows:
    """``queryset`` (filtered, ordered, annotated) as one dict per offer, for a paginator.

    A slice is one query; owner columns come as ``owner__<column>``, category columns as
    ``category__<column>``, plus the ``distance_km`` and ``search_rank`` annotations when the
    filters added them. ``count()`` counts the offers alone: the joins the rows need would
    otherwise make PostgreSQL join every matching offer just to count it.
    """

    def __init__(self, queryset: QuerySet[Offer]) -> None:
        self.queryset = queryset.prefetch_related(None).select_related(None)
        annotations = [name for name in OFFER_ROW_ANNOTATIONS if name in queryset.query.annotations]
        self.rows = self.queryset.values(
            *OFFER_ROW_COLUMNS,
            *(f"owner__{column}" for column in OFFER_ROW_OWNER_COLUMNS),
            *(f"category__{column}" for column in OFFER_ROW_CATEGORY_COLUMNS),
            *annotations,
        )
        self.ordered = queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        return list(self.rows[index])


def offer_rows(queryset: QuerySet[Offer]) -> OfferRows:
    """The offers of ``queryset`` as dict rows, paginated like a queryset (see ``OfferRows``)."""
    return OfferRows(queryset)


def offer_rows_related(
    offer_ids: Sequence[int],
) -> tuple[dict[int, list[dict]], dict[tuple[int, bool], list[Skill]]]:
    """The images and the skills of a page of offers, in two queries whatever the page size.

    Returns ``images[offer_id]`` (dicts, in position order) and ``skills[(offer_id, desired)]``
    (catalogue instances, so names resolve in the active language, in id order).
    """
    images: dict[int, list[dict]] = {}
    skills: dict[tuple[int, bool], list[Skill]] = {}
    if not offer_ids:
        return images, skills
    for image in (
        OfferImage.objects.filter(offer_id__in=offer_ids)
        .order_by("position", "id")
        .values("id", "offer_id", "image", "width", "height", "position")
    ):
        images.setdefault(image["offer_id"], []).append(image)
    offered = (
        Skill.objects.filter(offered_in__in=offer_ids)
        .annotate(link_offer_id=F("offered_in"), link_desired=Value(False))
        .order_by()
    )
    desired = (
        Skill.objects.filter(desired_in__in=offer_ids)
        .annotate(link_offer_id=F("desired_in"), link_desired=Value(True))
        .order_by()
    )
    for skill in sorted(offered.union(desired, all=True), key=lambda skill: skill.pk):
        skills.setdefault((skill.link_offer_id, skill.link_desired), []).append(skill)
    return images, skills
