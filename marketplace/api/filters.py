"""Query parameters of the marketplace lists (django-filter, so they are in the schema)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import django_filters
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from marketplace import selectors
from marketplace.models import (
    AvailabilitySlot,
    Direction,
    Match,
    MatchStatus,
    Offer,
    OfferMode,
    OfferStatus,
    Proficiency,
    Skill,
    SkillStatus,
    UserSkill,
)

OFFER_ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "-created_at": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "created_at": ("created_at", "id"),
    "price": ("price_points", "-created_at", "-id"),
    "price_points": ("price_points", "-created_at", "-id"),
    "-price": ("-price_points", "-created_at", "-id"),
    "-price_points": ("-price_points", "-created_at", "-id"),
    # The owner's rating (then the number of ratings); ties newest first.
    "rating": ("owner__rating_average", "owner__rating_count", "-created_at", "-id"),
    "-rating": ("-owner__rating_average", "-owner__rating_count", "-created_at", "-id"),
    "relevance": ("-search_rank", "-created_at", "-id"),
    "-relevance": ("-search_rank", "-created_at", "-id"),
}
_NEAR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def _ids_or_slugs(value: str, model: type) -> list[int]:
    """``"3"``, ``"python"`` or ``"3,python"`` → the matching primary keys."""
    ids: list[int] = []
    slugs: list[str] = []
    for part in (piece.strip() for piece in value.split(",")):
        if not part:
            continue
        if part.isdigit():
            ids.append(int(part))
        else:
            slugs.append(part)
    if slugs:
        ids.extend(model.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    if model is Skill and ids:
        # Pending suggestions are not in the catalogue: they filter nothing.
        ids = list(
            Skill.objects.filter(pk__in=ids, status=SkillStatus.APPROVED).values_list(
                "pk", flat=True
            )
        )
    return ids


class FormClassOncePerLanguage:
    """Build the filter form's class once per language, not on every request.

    django-filter builds it from fresh copies of every filter's form field (labels translated,
    help texts, choices) on each request; the offers list spent more CPU there than on its rows
    (docs/benchmarks.md, "Reads and serving"). Forms copy their fields per instance, so one class
    serves every request.
    """

    _form_classes: dict[tuple[type, str | None], type] = {}

    def get_form_class(self) -> type:
        key = (type(self), get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = super().get_form_class()  # type: ignore[misc]
            self._form_classes[key] = form_class
        return form_class


class OfferFilterSet(FormClassOncePerLanguage, django_filters.FilterSet):
    category = django_filters.CharFilter(
        method="filter_category",
        help_text="Category id or slug (comma-separated for several); includes sub-categories.",
    )
    skill = django_filters.CharFilter(
        method="filter_skill", help_text="Offered skill id or slug (comma-separated: any of them)."
    )
    mode = django_filters.ChoiceFilter(
        choices=OfferMode.choices,
        method="filter_mode",
        help_text="online or offline also match offers held both ways; both matches only those.",
    )
    location = django_filters.CharFilter(
        method="filter_location", help_text="Text in the offer's location (city, district)."
    )
    near = django_filters.CharFilter(
        method="filter_noop",
        help_text="`latitude,longitude`: in-person offers within radius_km, with distance_km.",
    )
    radius_km = django_filters.NumberFilter(
        method="filter_noop",
        help_text="Radius for `near` in km (default MARKETPLACE_NEAR_RADIUS_KM, 25).",
    )
    language = django_filters.CharFilter(
        field_name="language", lookup_expr="iexact", help_text="ISO 639-1 code, e.g. ar or en."
    )
    price_min = django_filters.NumberFilter(field_name="price_points", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price_points", lookup_expr="lte")
    owner = django_filters.CharFilter(method="filter_owner", help_text="A user id, or `me`.")
    min_rating = django_filters.NumberFilter(
        field_name="owner__rating_average", lookup_expr="gte", help_text="The owner's rating."
    )
    status = django_filters.ChoiceFilter(
        choices=OfferStatus.choices,
        method="filter_noop",
        help_text="Default active. Other statuses list only your own offers (all for moderators).",
    )
    search = django_filters.CharFilter(
        method="filter_noop",
        help_text="Full text in English and Arabic, typo tolerant on PostgreSQL.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in OFFER_ORDERINGS],
        method="filter_noop",
        help_text="newest (default), oldest, price, -price, rating, -rating, relevance "
        "(default with search); also created_at, price_points with an optional '-'.",
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset  # applied together in filter_queryset

    def filter_category(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        ids = selectors.category_descendant_ids(
            category_ids=[int(part) for part in parts if part.isdigit()],
            slugs=[part for part in parts if not part.isdigit()],
        )
        return queryset.filter(category_id__in=ids)

    def filter_skill(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        ids = _ids_or_slugs(value, Skill)
        return queryset.filter(pk__in=_offered_with(ids))

    def filter_mode(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OfferMode.BOTH:
            return queryset.filter(mode=OfferMode.BOTH)
        return queryset.filter(mode__in=[value, OfferMode.BOTH])

    def filter_location(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(location__icontains=value.strip())

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip().lower()
        if value == "me":
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return queryset.none()
            return queryset.filter(owner_id=user.pk)
        if not value.isdigit():
            raise ValidationError({"owner": [_("Give a user id or `me`.")]})
        return queryset.filter(owner_id=int(value))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        status = data.get("status") or OfferStatus.ACTIVE
        queryset = queryset.filter(status=status)
        if status == OfferStatus.ACTIVE:
            # Expired offers are listed like paused ones: only to their owner (moderators too
            # see them only under their owner's name, not in the public list).
            user = getattr(self.request, "user", None)
            listed = selectors.offer_listed_q()
            if user is not None and user.is_authenticated:
                listed |= Q(owner_id=user.pk)
            queryset = queryset.filter(listed)
        queryset = super().filter_queryset(queryset)

        near = (self.data.get("near") or "").strip()
        if near:
            match = _NEAR.match(near)
            try:
                latitude, longitude = (Decimal(match.group(1)), Decimal(match.group(2)))
            except (AttributeError, InvalidOperation):
                raise ValidationError({"near": [_("Use latitude,longitude.")]}) from None
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValidationError({"near": [_("Use latitude,longitude.")]})
            radius = data.get("radius_km")
            radius = float(radius) if radius else settings.MARKETPLACE_NEAR_DEFAULT_RADIUS_KM
            if not 0 < radius <= 20000:
                raise ValidationError({"radius_km": [_("Use a radius between 0 and 20000 km.")]})
            queryset = selectors.offer_apply_near(
                queryset, latitude=latitude, longitude=longitude, radius_km=radius
            )

        text = (data.get("search") or "").strip()
        if text:
            queryset = selectors.offer_apply_search(queryset, text)

        ordering = data.get("ordering") or ("relevance" if text else "newest")
        if ordering in {"relevance", "-relevance"} and not text:
            ordering = "newest"
        return queryset.order_by(*OFFER_ORDERINGS[ordering])


def _offered_with(skill_ids: list[int]) -> QuerySet:
    return Offer.offered_skills.through.objects.filter(skill_id__in=skill_ids).values("offer_id")


class SkillFilterSet(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_noop", help_text="Autocomplete: words of the name in English or Arabic."
    )
    category = django_filters.NumberFilter(
        method="filter_noop", help_text="Category id (sub-categories included)."
    )

    class Meta:
        model = Skill
        fields: list[str] = []

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        category = data.get("category")
        return selectors.skill_list(
            search_text=data.get("search") or "",
            category_id=int(category) if category is not None else None,
        )


class UserSkillFilterSet(django_filters.FilterSet):
    user = django_filters.NumberFilter(
        method="filter_noop", help_text="Another member's id (default: yours)."
    )
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    proficiency_level = django_filters.ChoiceFilter(choices=Proficiency.choices)
    category = django_filters.NumberFilter(field_name="skill__category")

    class Meta:
        model = UserSkill
        fields = ["direction", "proficiency_level"]

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset


class AvailabilityFilterSet(django_filters.FilterSet):
    user = django_filters.NumberFilter(
        method="filter_noop", help_text="Another member's weekly slots (default: yours)."
    )
    day_of_week = django_filters.NumberFilter()

    class Meta:
        model = AvailabilitySlot
        fields = ["day_of_week"]

    def filter_noop(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        return queryset


class MatchFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MatchStatus.choices)
    compatibility_score_min = django_filters.NumberFilter(
        field_name="compatibility_score", lookup_expr="gte"
    )
    user = django_filters.NumberFilter(
        method="filter_user", help_text="Staff: the matches of one member."
    )
    ordering = django_filters.OrderingFilter(
        fields=(("compatibility_score", "compatibility_score"), ("created_at", "created_at")),
        help_text="-compatibility_score (default), compatibility_score, created_at, -created_at.",
    )

    class Meta:
        model = Match
        fields = ["status", "compatibility_score_min", "user"]

    def filter_user(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(user_a_id=value) | Q(user_b_id=value))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = queryset.order_by(F("compatibility_score").desc(), "-id")
        return queryset


# --- the offers list's common requests, without a FilterSet ---------------------------------------

# The parameters the compiled list answers (selectors.OfferListQuery); the paginator reads page
# and page_size itself. Any other parameter, or a value these rules do not accept, goes through
# OfferFilterSet, which gives the same rows and every 400 (docs/benchmarks.md).
_FAST_PARAMETERS = frozenset(
    {
        "page",
        "page_size",
        "ordering",
        "category",
        "mode",
        "language",
        "price_min",
        "price_max",
        "owner",
        "status",
    }
)
_DIGITS = re.compile(r"[0-9]{1,9}")
_LANGUAGE = re.compile(r"[A-Za-z-]{1,16}")
_CATEGORY = re.compile(r"[^\s,]+(?:,[^\s,]+)*")


def offer_list_query(params, user) -> selectors.OfferListQuery | None:  # noqa: ANN001, C901
    """The list's filters when every one is a well-formed common one, else None.

    The rows equal OfferFilterSet's for the same parameters: the same conditions, built by
    ``OfferListQuery.queryset`` in the same order (tests/marketplace/test_api_offers_rows.py).
    """
    values: dict[str, str] = {}
    for name in params:
        if name not in _FAST_PARAMETERS:
            return None
        found = params.getlist(name)
        if len(found) != 1:
            return None
        values[name] = found[0]
    signed_in = user is not None and user.is_authenticated
    status = values.get("status", "")
    if status not in {"", OfferStatus.ACTIVE}:
        return None  # other statuses depend on who may moderate
    ordering_key = values.get("ordering", "") or "newest"
    if ordering_key not in OFFER_ORDERINGS:
        return None
    if ordering_key in {"relevance", "-relevance"}:
        ordering_key = "newest"  # relevance without search: the default order
    query: dict[str, object] = {}
    category = values.get("category", "")
    if category:
        if not _CATEGORY.fullmatch(category):
            return None
        parts = category.split(",")
        ids = selectors.category_descendant_ids(
            category_ids=[int(part) for part in parts if part.isdigit()],
            slugs=[part for part in parts if not part.isdigit()],
        )
        if not ids:
            return None
        query["category_ids"] = ids
    mode = values.get("mode", "")
    if mode:
        if mode not in OfferMode.values:
            return None
        query["mode"] = mode
    language = values.get("language", "")
    if language:
        if not _LANGUAGE.fullmatch(language):
            return None
        query["language"] = language
    for name in ("price_min", "price_max"):
        value = values.get(name, "")
        if value:
            if not _DIGITS.fullmatch(value):
                return None
            query[name] = int(value)
    owner = values.get("owner", "")
    if owner:
        if owner.lower() == "me" and signed_in:
            query["owner_id"] = user.pk
        elif _DIGITS.fullmatch(owner):
            query["owner_id"] = int(owner)
        else:
            return None
    return selectors.OfferListQuery(
        viewer_id=user.pk if signed_in else None,
        ordering=OFFER_ORDERINGS[ordering_key],
        **query,  # type: ignore[arg-type]
    )
