"""Every non-trivial read of the marketplace app: ``<entity>_list`` / ``<entity>_get``."""

from __future__ import annotations

import datetime as dt
import functools
import math
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchRank
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Min,
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
    """Every category, parents before children, in the active language (one query).

    The statement is compiled once per thread (docs/benchmarks.md, "Reads and serving"): the
    categories endpoint spent more CPU building it than PostgreSQL spent answering it.
    """
    return _instances(
        Category, ("category_list", include_inactive), lambda: _category_queryset(include_inactive)
    )


def _category_queryset(include_inactive: bool) -> QuerySet[Category]:
    queryset = Category.objects.all()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("sort_order", "id")


class _CompiledInstances:
    """A queryset without per-request values, compiled once: its SQL, how to read its rows."""

    def __init__(self, queryset: QuerySet, using: str) -> None:
        compiler = queryset.query.get_compiler(using)
        self.sql, self.params = compiler.as_sql()
        selected = [select[0] for select in compiler.select[0 : compiler.col_count]]
        self.names = [column.target.attname for column in selected]
        self.model = queryset.model
        self.compiler = compiler
        self.converters = compiler.get_converters(selected)

    def run(self, using: str) -> list:
        from django.db import connections

        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        return [self.model.from_db(using, self.names, list(row)) for row in rows]


def _instances(model: type, key: tuple, build: Callable[[], QuerySet]) -> list:
    """``list(build())`` through SQL compiled once per thread (no per-request values allowed)."""
    from django.db import router

    cache: dict[tuple, _CompiledInstances] = _compiled.__dict__.setdefault("instances", {})
    using = router.db_for_read(model)
    compiled = cache.get((using, key))
    if compiled is None:
        compiled = cache[(using, key)] = _CompiledInstances(build(), using)
    return compiled.run(using)


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
    (catalogue instances, so names resolve in the active language, in id order; one instance per
    skill of the page, shared by the offers naming it). Plain SQL on the tables: building and
    compiling the ORM's union cost more than running it.
    """
    from django.db import connections, router

    images: dict[int, list[dict]] = {}
    skills: dict[tuple[int, bool], list[Skill]] = {}
    if not offer_ids:
        return images, skills
    connection = connections[router.db_for_read(Offer)]
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(offer_ids))
    ids = list(offer_ids)
    with connection.cursor() as cursor:
        # Table names from the models, values as parameters: nothing of the request in the text.
        table = quote(OfferImage._meta.db_table)
        cursor.execute(
            f"SELECT id, offer_id, image, width, height, position FROM {table}"  # noqa: S608
            f" WHERE offer_id IN ({marks}) ORDER BY position, id",
            ids,
        )
        for image_id, offer_id, image, width, height, position in cursor.fetchall():
            images.setdefault(offer_id, []).append(
                {
                    "id": image_id,
                    "offer_id": offer_id,
                    "image": image,
                    "width": width,
                    "height": height,
                    "position": position,
                }
            )
        columns = _skill_row_columns()
        selected = ", ".join(f"s.{quote(column)}" for column in columns)
        parts = []
        for desired, relation in ((0, Offer.offered_skills), (1, Offer.desired_skills)):
            through = quote(relation.through._meta.db_table)
            parts.append(
                f"SELECT t.offer_id, {desired}, {selected} FROM {through} t"  # noqa: S608
                f" JOIN {quote(Skill._meta.db_table)} s ON s.id = t.skill_id"
                f" WHERE t.offer_id IN ({marks})"
            )
        cursor.execute(" UNION ALL ".join(parts), ids + ids)
        fetched = cursor.fetchall()
    by_id: dict[int, Skill] = {}
    for row in sorted(fetched, key=lambda row: row[2]):
        skill = by_id.get(row[2])
        if skill is None:
            skill = by_id[row[2]] = Skill.from_db(connection.alias, columns, list(row[2:]))
        skills.setdefault((row[0], bool(row[1])), []).append(skill)
    return images, skills


# The columns of a skill an offer row shows (its reference: id, name in both languages, slug,
# status); the rest stay deferred.
_SKILL_ROW_WANTED = frozenset({"id", "name", "name_en", "name_ar", "slug", "status"})


@functools.cache
def _skill_row_columns() -> list[str]:
    """The wanted columns in the model's field order (``Model.from_db`` reads them in it)."""
    return [f.attname for f in Skill._meta.concrete_fields if f.attname in _SKILL_ROW_WANTED]


# --- the offers list's SQL, compiled once per shape -----------------------------------------------

# The list's common requests (no search, no distance, default status) are answered from SQL the
# ORM compiled once per thread and *shape* (which filters are present, the ordering, the language):
# building and compiling the same queryset on every request cost more CPU than PostgreSQL spent
# running it (docs/benchmarks.md, "Reads and serving"). The queryset is built by the same Q
# objects as the generic path, with stand-in values ("marks") for what varies per request; the
# marks' positions among the compiled parameters are where each request's values go.

_MARK_BASE = 2_038_114_000  # inside every integer column's range, so no lookup drops a mark
_MARK_TEXT = "zqxmark"
_MARK_TIME = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_SHAPES_MAX = 256


class _Marks:
    """Stand-in values for a query's parameters while the ORM compiles it."""

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}
        self.values: dict[str, object] = {}

    def _add(self, name: str, kind: str, value: object) -> object:
        self.kinds[name] = kind
        self.values[name] = value
        return value

    def int(self, name: str) -> int:
        return self._add(name, "int", _MARK_BASE + 7 * len(self.values))  # type: ignore[return-value]

    def text(self, name: str) -> str:
        return self._add(name, "text", f"{_MARK_TEXT}{len(self.values)}q")  # type: ignore[return-value]

    def datetime(self, name: str) -> dt.datetime:
        value = _MARK_TIME + dt.timedelta(microseconds=1 + len(self.values))
        return self._add(name, "datetime", value)  # type: ignore[return-value]


class CompiledSQL:
    """One statement and where each named value goes among its parameters."""

    def __init__(self, sql: str, params: Sequence[object], marks: _Marks, connection) -> None:
        adapted = {
            name: _adapt(connection, marks.kinds[name], value)
            for name, value in marks.values.items()
        }
        self.slots: list[tuple[int, str, str, type]] = []
        found: set[str] = set()
        for index, param in enumerate(params):
            for name, value in adapted.items():
                if _same(param, value):
                    # The parameter's own type is kept: on PostgreSQL Django sends integers of
                    # some columns as psycopg's Int4/Int8, which type the placeholder.
                    self.slots.append((index, name, marks.kinds[name], type(param)))
                    found.add(name)
        if found != set(adapted):
            # A value the ORM folded into the SQL text (or dropped): this shape is not compiled.
            raise ValueError(f"marks not found among the parameters: {set(adapted) - found}")
        self.sql = sql
        self.params = list(params)

    def bind(self, connection, values: dict[str, object]) -> list[object]:
        params = list(self.params)
        for index, name, kind, cls in self.slots:
            value = _adapt(connection, kind, values[name])
            params[index] = cls(value) if kind == "int" and cls is not int else value
        return params


def _same(param: object, mark: object) -> bool:
    if isinstance(mark, int) and not isinstance(mark, bool):
        return isinstance(param, int) and not isinstance(param, bool) and param == mark
    return type(param) is type(mark) and param == mark


def _adapt(connection, kind: str, value: object) -> object:
    if kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    return value


class OfferListQuery:
    """The offers list's common filters, parsed (``marketplace.api.filters.offer_list_query``).

    Everything the generic path would apply for these parameters, nothing else: the listed
    offers (and the viewer's own), the default status, then category, mode, language, price,
    owner, in the filter set's order, and the ordering.
    """

    __slots__ = (
        "category_ids",
        "language",
        "mode",
        "ordering",
        "owner_id",
        "price_max",
        "price_min",
        "viewer_id",
    )

    def __init__(
        self,
        *,
        viewer_id: int | None,
        ordering: tuple[str, ...],
        category_ids: Sequence[int] | None = None,
        mode: str | None = None,
        language: str | None = None,
        price_min: int | None = None,
        price_max: int | None = None,
        owner_id: int | None = None,
    ) -> None:
        self.viewer_id = viewer_id
        self.ordering = ordering
        self.category_ids = None if category_ids is None else sorted(category_ids)
        self.mode = mode
        self.language = language
        self.price_min = price_min
        self.price_max = price_max
        self.owner_id = owner_id

    def shape(self) -> tuple:
        return (
            get_language(),
            self.viewer_id is not None,
            self.ordering,
            None if self.category_ids is None else len(self.category_ids),
            self.mode,
            self.language is not None,
            self.price_min is not None,
            self.price_max is not None,
            self.owner_id is not None,
        )

    def values(self, now: dt.datetime) -> dict[str, object]:
        values: dict[str, object] = {"now": now}
        if self.viewer_id is not None:
            values["viewer"] = self.viewer_id
        for index, category_id in enumerate(self.category_ids or ()):
            values[f"category{index}"] = category_id
        for name in ("language", "price_min", "price_max", "owner_id"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        return values

    def queryset(self, marks: _Marks) -> QuerySet[Offer]:
        """The generic path's queryset for this shape, with ``marks`` for the values."""
        from marketplace.models import OfferMode

        now = marks.datetime("now")
        viewer = marks.int("viewer") if self.viewer_id is not None else None
        # selectors.offer_queryset: listed offers, or listed and the viewer's own. (A moderator's
        # unfiltered queryset meets the same status filter below: the same rows.)
        listed = offer_listed_q(now=now)
        queryset = Offer.objects.filter(listed if viewer is None else listed | Q(owner_id=viewer))
        # OfferFilterSet.filter_queryset: the default status, expired offers for their owner only.
        queryset = queryset.filter(status=OfferStatus.ACTIVE)
        listed = offer_listed_q(now=now)
        queryset = queryset.filter(listed if viewer is None else listed | Q(owner_id=viewer))
        if self.category_ids is not None:
            ids = [marks.int(f"category{index}") for index in range(len(self.category_ids))]
            queryset = queryset.filter(category_id__in=ids)
        if self.mode is not None:
            if self.mode == OfferMode.BOTH:
                queryset = queryset.filter(mode=OfferMode.BOTH)
            else:
                queryset = queryset.filter(mode__in=[self.mode, OfferMode.BOTH])
        if self.language is not None:
            queryset = queryset.filter(language__iexact=marks.text("language"))
        if self.price_min is not None:
            queryset = queryset.filter(price_points__gte=marks.int("price_min"))
        if self.price_max is not None:
            queryset = queryset.filter(price_points__lte=marks.int("price_max"))
        if self.owner_id is not None:
            queryset = queryset.filter(owner_id=marks.int("owner_id"))
        return queryset.order_by(*self.ordering)


class _CompiledList:
    """The count and the page statements of one shape, and how to read the page's rows."""

    def __init__(self, query: OfferListQuery, using: str) -> None:
        from django.db import connections

        connection = connections[using]
        marks = _Marks()
        rows = OfferRows(query.queryset(marks))
        compiler = rows.rows.query.get_compiler(using)
        sql, params = compiler.as_sql()
        self.page = CompiledSQL(sql + " LIMIT %s OFFSET %s", params, marks, connection)
        self.names = [
            *rows.rows.query.extra_select,
            *rows.rows.query.values_select,
            *rows.rows.query.annotation_select,
        ]
        self.compiler = compiler
        self.converters = compiler.get_converters(
            [select[0] for select in compiler.select[0 : compiler.col_count]]
        )
        captured: list[tuple[str, Sequence[object]]] = []

        def capture(execute, sql, params, many, context):  # noqa: ANN001, ANN202
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            if query.viewer_id is None:
                # Anonymous lists may be cached (marketplace/cache.py): the count also says when
                # the first of these offers expires, the moment the list changes by itself.
                rows.queryset.aggregate(count=Count("*"), changes_at=Min("expires_at"))
            else:
                rows.count()
        if len(captured) != 1:
            raise ValueError("the count took more than one statement")
        self.count = CompiledSQL(captured[0][0], captured[0][1], marks, connection)


_compiled = threading.local()


def _compiled_list(query: OfferListQuery, using: str) -> _CompiledList | None:
    """This thread's compiled statements for the query's shape (one thread, one connection)."""
    cache: dict[tuple, _CompiledList | None] = _compiled.__dict__.setdefault("lists", {})
    key = (using, query.shape())
    if key in cache:
        return cache[key]
    if len(cache) >= _SHAPES_MAX:
        cache.clear()
    try:
        compiled: _CompiledList | None = _CompiledList(query, using)
    except ValueError:
        compiled = None  # the generic path answers this shape (see CompiledSQL)
    cache[key] = compiled
    return compiled


class CompiledOfferRows:
    """``OfferRows`` for an ``OfferListQuery``: the same dicts, from SQL compiled once per shape.

    ``count()`` is one statement, a slice is one statement; ``now`` is fixed at construction so
    the count and the page agree on which offers have expired.
    """

    ordered = True

    def __init__(
        self, query: OfferListQuery, compiled: _CompiledList, using: str, now: dt.datetime | None
    ) -> None:
        self.using = using
        self.compiled = compiled
        self.values = query.values(now or timezone.now())
        self._count: int | None = None
        self.changes_at: dt.datetime | None = None

    def _cursor(self):  # noqa: ANN202
        from django.db import connections

        return connections[self.using]

    def count(self) -> int:
        if self._count is None:
            connection = self._cursor()
            with connection.cursor() as cursor:
                cursor.execute(
                    self.compiled.count.sql, self.compiled.count.bind(connection, self.values)
                )
                found = cursor.fetchone()
            self._count = int(found[0])
            if len(found) > 1 and found[1] is not None:
                self.changes_at = _as_datetime(found[1])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict]:
        start = index.start or 0
        stop = index.stop
        if stop is None or stop <= start:
            return []
        connection = self._cursor()
        compiled = self.compiled
        params = compiled.page.bind(connection, self.values)
        params += [stop - start, start]
        with connection.cursor() as cursor:
            cursor.execute(compiled.page.sql, params)
            fetched = cursor.fetchall()
        if compiled.converters:
            fetched = compiled.compiler.apply_converters(fetched, compiled.converters)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in fetched]


def _as_datetime(value: object) -> dt.datetime:
    """An aggregate's datetime as the driver gave it (SQLite gives text) as an aware UTC one."""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def offer_list_rows(
    query: OfferListQuery, *, now: dt.datetime | None = None
) -> CompiledOfferRows | None:
    """The offers ``query`` selects as dict rows (as ``offer_rows``), paginated like a queryset;
    None for a shape the marks could not compile (the caller takes the generic path).

    For an anonymous query, after ``count()``, ``changes_at`` is the earliest expiry among the
    selected offers (None when none expires): until then only a write changes the list.
    """
    from django.db import router

    using = router.db_for_read(Offer)
    compiled = _compiled_list(query, using)
    if compiled is None:
        return None
    return CompiledOfferRows(query, compiled, using, now)
