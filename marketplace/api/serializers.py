"""Input and output serializers of the marketplace API.

Every input serializer derives from ``config.api.serializers.InputSerializer`` or
``InputModelSerializer``: an unknown field is a 400 naming it, free text is cleaned
(``CleanCharField``), dates are bounded (docs/api.md, "Input rules").
"""

from __future__ import annotations

import operator
from types import SimpleNamespace
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from config.api.fields import CleanCharField
from config.api.reuse import serializer_for
from config.api.serializers import InputModelSerializer, InputSerializer
from marketplace.models import (
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
    Proficiency,
    Skill,
    SkillStatus,
    UserSkill,
)
from marketplace.selectors import OFFER_ROW_COLUMNS

SKILL_NAME_MAX = 120
User = get_user_model()


def _viewer_id(context: dict[str, Any]) -> int | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "A catalogue skill id."},
            {
                "type": "string",
                "maxLength": SKILL_NAME_MAX,
                "description": "A skill name in English or Arabic, or a synonym.",
            },
        ]
    }
)
class SkillRefField(serializers.Field):
    """A skill given by catalogue id or by name (seed 000 names skills: ``["Python"]``).

    Names are cleaned like all member text; the service resolves them, and a name the catalogue
    does not know becomes the caller's pending suggestion (docs/api.md, "Skill suggestions").
    """

    default_error_messages = {
        "invalid": _("Give a skill id or a skill name."),
        "blank": _("This field may not be blank."),
        "max_length": _("Ensure this field has no more than {max_length} characters."),
    }

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if data < 1:
                self.fail("invalid")
            return data
        if not isinstance(data, str):
            self.fail("invalid")
        if data.strip().isdigit() and len(data.strip()) < 12:
            return int(data.strip())
        name = CleanCharField(max_length=SKILL_NAME_MAX).run_validation(data)
        return " ".join(name.split())

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "09:00:00",
        "description": "Local wall-clock time, HH:MM or HH:MM:SS, without a time zone.",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day in the owner's time zone, written ``HH:MM:SS`` (seed 003).

    OpenAPI's ``format: time`` means an RFC 3339 time with an offset, which these are not: the
    schema declares a pattern instead, so the schema and the responses agree.
    """


# --- catalogue ------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField(
        help_text="Sub-categories (the tree view); always empty in the flat view."
    )

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "name_en",
            "name_ar",
            "slug",
            "description",
            "icon",
            "parent",
            "sort_order",
            "children",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, category: Category) -> list[dict[str, Any]]:
        children = getattr(category, "tree_children", None) or []
        return CategorySerializer(children, many=True, context=self.context).data


class CategoryTreeRepresentation:
    """``CategorySerializer(categories, many=True).data``, byte for byte, with one serializer's
    fields (built once per thread) for every node instead of a new serializer per level
    (tests/marketplace/test_api_catalogue.py compares both)."""

    def __init__(self, context: dict[str, Any]) -> None:
        serializer = serializer_for(CategorySerializer, context)
        self.order = list(serializer.fields)
        self.plan = [step for step in _plain_fields(serializer) if step[0] != "children"]

    def represent(self, categories: list[Category]) -> list[dict[str, Any]]:
        return [self._node(category) for category in categories]

    def _node(self, category: Category) -> dict[str, Any]:
        values = _represent(self.plan, category)
        values["children"] = self.represent(getattr(category, "tree_children", None) or [])
        return {name: values[name] for name in self.order}


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class SkillSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)
    synonyms = serializers.SerializerMethodField()

    class Meta:
        model = Skill
        fields = [
            "id",
            "name",
            "name_en",
            "name_ar",
            "slug",
            "category",
            "category_name",
            "description",
            "synonyms",
        ]

    def get_synonyms(self, skill: Skill) -> list[str]:
        return [part.strip() for part in skill.synonyms.split(",") if part.strip()]


class SkillRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "slug", "status"]
        extra_kwargs = {
            "status": {
                "help_text": "pending: a name you suggested, awaiting review; only you see it."
            }
        }


@extend_schema_field(SkillRefSerializer(many=True))
class OwnSkillRefsField(serializers.Field):
    """An offer's skills: catalogue skills for everyone, the owner's pending suggestions for the
    owner only."""

    def __init__(self, relation: str, **kwargs: Any) -> None:
        self.relation = relation
        self._skill_ref: SkillRefSerializer | None = None
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, offer: Any) -> list[dict[str, Any]]:
        viewer = _viewer_id(self.context)
        # One SkillRefSerializer per list, not one per offer: building a ModelSerializer's fields
        # (and its status choices' translations) per row doubled the offers list's Python time.
        if self._skill_ref is None:
            self._skill_ref = SkillRefSerializer(context=self.context)
        return [
            self._skill_ref.to_representation(skill)
            for skill in getattr(offer, self.relation).all()
            if skill.status == SkillStatus.APPROVED
            or (viewer is not None and viewer == offer.owner_id)
        ]


# --- user skills ----------------------------------------------------------------------------------


class UserSkillSerializer(serializers.ModelSerializer):
    """Seed 003's shape (``skill_name``, ``category``, ``category_name``, ``proficiency_level``)
    plus the skill id, direction and years of experience."""

    skill_name = serializers.CharField(source="skill.name", read_only=True)
    skill_status = serializers.ChoiceField(
        source="skill.status",
        choices=SkillStatus.choices,
        read_only=True,
        help_text="pending: a name you suggested, awaiting review; only you see it.",
    )
    category = serializers.IntegerField(
        source="skill.category_id",
        read_only=True,
        allow_null=True,
        help_text="Empty for a suggestion a moderator has not filed yet.",
    )
    category_name = serializers.CharField(
        source="skill.category.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = UserSkill
        fields = [
            "id",
            "user",
            "skill",
            "skill_name",
            "skill_status",
            "category",
            "category_name",
            "direction",
            "proficiency_level",
            "years_of_experience",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class UserSkillInputSerializer(InputSerializer):
    skill = serializers.PrimaryKeyRelatedField(
        queryset=Skill.objects.filter(is_active=True, status=SkillStatus.APPROVED),
        required=False,
        help_text="A catalogue skill id; or give skill_name.",
    )
    skill_name = CleanCharField(
        max_length=SKILL_NAME_MAX,
        required=False,
        help_text="A skill name in English or Arabic (or a synonym). A name the catalogue does "
        "not know becomes your pending suggestion (category optional), visible only to you "
        "until a moderator approves it.",
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True), required=False, allow_null=True
    )
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.OFFERED)
    proficiency_level = serializers.ChoiceField(choices=Proficiency.choices)
    years_of_experience = serializers.IntegerField(min_value=0, max_value=80, default=0)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("skill") and not attrs.get("skill_name"):
            raise serializers.ValidationError({"skill": [_("Give a skill id or a skill_name.")]})
        return attrs


class UserSkillUpdateSerializer(InputSerializer):
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    proficiency_level = serializers.ChoiceField(choices=Proficiency.choices, required=False)
    years_of_experience = serializers.IntegerField(min_value=0, max_value=80, required=False)


# --- offers ---------------------------------------------------------------------------------------


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")
    avatar = serializers.SerializerMethodField()
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar(self, user: Any) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        url = user.avatar.url
        return request.build_absolute_uri(url) if request else url


class OfferImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = OfferImage
        fields = ["id", "url", "width", "height", "position"]

    def get_url(self, image: OfferImage) -> str:
        request = self.context.get("request")
        url = image.image.url
        return request.build_absolute_uri(url) if request else url


class OfferSerializer(serializers.ModelSerializer):
    owner = OwnerSerializer(read_only=True)
    created_by = serializers.IntegerField(
        source="owner_id", read_only=True, help_text="The owner's id (seed 000's name)."
    )
    category = CategoryRefSerializer(read_only=True)
    offered_skills = OwnSkillRefsField("offered_skills")
    desired_skills = OwnSkillRefsField("desired_skills")
    images = OfferImageSerializer(many=True, read_only=True)
    distance_km = serializers.SerializerMethodField(
        help_text="Distance from `near`, when that filter is used."
    )
    relevance = serializers.SerializerMethodField(help_text="Search rank, when `search` is used.")
    removal_reason = serializers.SerializerMethodField(
        help_text="Why a moderator removed the offer (only its owner and moderators see it)."
    )

    class Meta:
        model = Offer
        fields = [
            "id",
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
            "owner",
            "created_by",
            "images",
            "created_at",
            "updated_at",
            "removed_at",
            "removal_reason",
            "expires_at",
            "distance_km",
            "relevance",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "expires_at": {
                "help_text": "When the offer leaves listings unless its owner renews it "
                "(`POST offers/{id}/renew/`); null: never."
            }
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, offer: Offer) -> float | None:
        value = getattr(offer, "distance_km", None)
        return round(value, 2) if value is not None else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_relevance(self, offer: Offer) -> float | None:
        value = getattr(offer, "search_rank", None)
        return round(float(value), 4) if value is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_removal_reason(self, offer: Offer) -> str | None:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if not offer.removal_reason or viewer is None or not viewer.is_authenticated:
            return None
        if offer.owner_id == viewer.pk or viewer.has_perm("marketplace.moderate_offer"):
            return offer.removal_reason
        return None


# The fields of an offer row that are plain columns, formatted by OfferSerializer's own fields.
# (the row's foreign keys and the removal reason are formatted by their own fields).
_OFFER_ROW_SCALARS = frozenset(OFFER_ROW_COLUMNS) - {"owner_id", "category_id", "removal_reason"}


def _light(model: type[models.Model], attrs: dict[str, Any]) -> Any:
    """A model instance holding ``attrs`` only, built without ``Model.__init__`` (its signals and
    modeltranslation's hooks cost more than the formatting): properties (a translated name, a
    public name, a picture's URL) resolve from the attributes as on a loaded row."""
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(attrs)
    return instance


def _row_columns(model: type[models.Model], row: dict[str, Any], prefix: str) -> list:
    """(row key, attribute) of the ``prefix``-ed columns ``row`` holds for ``model``."""
    return [
        (prefix + field.attname, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and prefix + field.attname in row
    ]


def _row_attrs(pk_name: str, columns: list, row: dict[str, Any], pk: Any) -> dict:
    attrs = {pk_name: pk}
    for key, name in columns:
        attrs[name] = row[key]
    return attrs


def _plain_fields(serializer: serializers.Serializer) -> list[tuple[str, Any, Any]]:
    """(name, read the value, format it) for each field of a flat read-only serializer, as
    ``Serializer.to_representation`` would, without its per-field dispatch."""
    plan: list[tuple[str, Any, Any]] = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.SerializerMethodField):
            method = getattr(serializer, field.method_name)
            plan.append((name, method, None))
        elif len(field.source_attrs) == 1 and not isinstance(
            field, serializers.RelatedField | serializers.ManyRelatedField
        ):
            plan.append((name, operator.attrgetter(field.source_attrs[0]), field.to_representation))
        else:
            plan.append((name, field.get_attribute, field.to_representation))
    return plan


def _represent(plan: list[tuple[str, Any, Any]], instance: Any) -> dict[str, Any]:
    out = {}
    for name, read, fmt in plan:
        value = read(instance)
        out[name] = value if fmt is None or value is None else fmt(value)
    return out


def _datetime_formatter(field: serializers.DateTimeField) -> Any:
    """``field.to_representation`` with the request's time zone looked up once, not per value."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if (
        output_format is None
        or output_format.lower() != ISO_8601
        or hasattr(field, "timezone")
        or not django_settings.USE_TZ
    ):
        return field.to_representation
    zone = timezone.get_current_timezone()

    def represent(value: Any) -> Any:
        if not value or isinstance(value, str) or not timezone.is_aware(value):
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return represent


class OfferRowsRepresentation:
    """``OfferSerializer(many=True).data`` for a page of ``selectors.offer_rows`` dicts.

    The same keys, order and formatting, byte for byte (tests/marketplace/test_api_offers_rows.py
    compares both): the serializer's own fields format every value, built once per thread, with
    what is the same for the whole page (the time zone, a category's or a skill's reference)
    formatted once per page; rows stay dicts (docs/benchmarks.md, "Reads and serving").
    """

    def __init__(self, context: dict[str, Any]) -> None:
        self.serializer = serializer_for(OfferSerializer, context)
        fields = self.serializer.fields
        self.order = list(fields)
        self.scalars = [
            (
                name,
                _datetime_formatter(fields[name])
                if isinstance(fields[name], serializers.DateTimeField)
                else fields[name].to_representation,
            )
            for name in self.order
            if name in _OFFER_ROW_SCALARS
        ]
        self.owner = _plain_fields(fields["owner"])
        self.category = _plain_fields(fields["category"])
        self.image_fields = fields["images"].child.fields
        self.skill_ref = _plain_fields(serializer_for(SkillRefSerializer, context))
        self.viewer_id = _viewer_id(context)
        self.request = context.get("request")
        self.image_storage = OfferImage._meta.get_field("image").storage

    def _image(self, image: dict[str, Any]) -> dict[str, Any]:
        url = self.image_storage.url(image["image"])
        url = self.request.build_absolute_uri(url) if self.request else url
        fields = self.image_fields
        return {
            "id": fields["id"].to_representation(image["id"]),
            "url": url,
            "width": fields["width"].to_representation(image["width"]),
            "height": fields["height"].to_representation(image["height"]),
            "position": fields["position"].to_representation(image["position"]),
        }

    def represent(
        self,
        rows: list[dict[str, Any]],
        images: dict[int, list[dict[str, Any]]],
        skills: dict[tuple[int, bool], list[Skill]],
    ) -> list[dict[str, Any]]:
        categories: dict[int, dict[str, Any]] = {}
        skill_refs: dict[int, dict[str, Any]] = {}

        def skill_list(found: list[Skill], owner_id: int) -> list[dict[str, Any]]:
            owner_views = self.viewer_id is not None and self.viewer_id == owner_id
            out = []
            for skill in found:
                if skill.status != SkillStatus.APPROVED and not owner_views:
                    continue
                ref = skill_refs.get(skill.pk)
                if ref is None:
                    ref = skill_refs[skill.pk] = _represent(self.skill_ref, skill)
                out.append(ref)
            return out

        out: list[dict[str, Any]] = []
        if not rows:
            return out
        owner_columns = _row_columns(User, rows[0], "owner__")
        category_columns = _row_columns(Category, rows[0], "category__")
        owner_pk, category_pk = User._meta.pk.attname, Category._meta.pk.attname
        for row in rows:
            offer_id, owner_id = row["id"], row["owner_id"]
            values: dict[str, Any] = {}
            for name, fmt in self.scalars:
                value = row[name]
                values[name] = None if value is None else fmt(value)
            values["owner"] = _represent(
                self.owner, _light(User, _row_attrs(owner_pk, owner_columns, row, owner_id))
            )
            values["created_by"] = owner_id
            category_id = row["category_id"]
            if category_id is None:
                values["category"] = None
            else:
                category = categories.get(category_id)
                if category is None:
                    category = categories[category_id] = _represent(
                        self.category,
                        _light(
                            Category,
                            _row_attrs(category_pk, category_columns, row, category_id),
                        ),
                    )
                values["category"] = category
            values["offered_skills"] = skill_list(skills.get((offer_id, False), []), owner_id)
            values["desired_skills"] = skill_list(skills.get((offer_id, True), []), owner_id)
            values["images"] = [self._image(image) for image in images.get(offer_id, [])]
            facts = SimpleNamespace(
                owner_id=owner_id,
                removal_reason=row["removal_reason"],
                distance_km=row.get("distance_km"),
                search_rank=row.get("search_rank"),
            )
            values["removal_reason"] = self.serializer.get_removal_reason(facts)
            values["distance_km"] = self.serializer.get_distance_km(facts)
            values["relevance"] = self.serializer.get_relevance(facts)
            out.append({name: values[name] for name in self.order})
        return out


WRITABLE_OFFER_STATUS = [
    (OfferStatus.ACTIVE.value, OfferStatus.ACTIVE.label),
    (OfferStatus.PAUSED.value, OfferStatus.PAUSED.label),
]


class OfferInputSerializer(InputSerializer):
    title = CleanCharField(max_length=200)
    description = CleanCharField(max_length=5000, required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Default: the category of the first offered catalogue skill.",
    )
    offered_skills = serializers.ListField(
        child=SkillRefField(),
        max_length=20,
        help_text="The skills you teach: catalogue ids or names (seed 000). A name the catalogue "
        "does not know becomes your pending suggestion, shown only to you until approved.",
    )
    desired_skills = serializers.ListField(
        child=SkillRefField(),
        max_length=20,
        required=False,
        help_text="The skills you want in exchange: ids or names, like offered_skills.",
    )
    mode = serializers.ChoiceField(choices=OfferMode.choices, required=False)
    location = CleanCharField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        allow_null=True,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        allow_null=True,
    )
    language = serializers.RegexField(
        r"^[a-z]{2,3}$",
        max_length=8,
        required=False,
        help_text="ISO 639-1 code of the language the sessions are held in.",
    )
    price_points = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, help_text="0 means swap only."
    )
    session_minutes = serializers.IntegerField(min_value=15, max_value=480, required=False)
    status = serializers.ChoiceField(choices=WRITABLE_OFFER_STATUS, required=False)


class OfferImagesUploadSerializer(InputSerializer):
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        help_text="One or more JPEG, PNG, WebP or GIF pictures (multipart).",
    )


class OfferImagesReorderSerializer(InputSerializer):
    order = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=False,
        help_text="Every image id of the offer, in the new order.",
    )


class OfferModerationSerializer(InputSerializer):
    reason = CleanCharField(max_length=2000, help_text="Shown to the owner.")


# --- availability ---------------------------------------------------------------------------------


class AvailabilitySlotSerializer(InputModelSerializer):
    start_time = WallClockTimeField()
    end_time = WallClockTimeField(help_text="00:00 means midnight at the end of the day.")
    time_zone = serializers.CharField(
        source="user.time_zone",
        read_only=True,
        help_text="The owner's time zone, in which day_of_week and the times are read.",
    )

    class Meta:
        model = AvailabilitySlot
        fields = ["id", "user", "day_of_week", "start_time", "end_time", "time_zone"]
        read_only_fields = ["id", "user", "time_zone"]
        extra_kwargs = {
            "day_of_week": {"help_text": "0 = Monday … 6 = Sunday."},
        }

    def get_validators(self) -> list:
        return []  # the service checks the slot (and overlap) under a lock


class AvailabilityExceptionSerializer(InputModelSerializer):
    class Meta:
        model = AvailabilityException
        fields = ["id", "starts_at", "ends_at", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_validators(self) -> list:
        return []


# --- matches --------------------------------------------------------------------------------------

REASON_LABELS = {
    "you_offer_they_want": _("You offer what they want"),
    "they_offer_you_want": _("They offer what you want"),
    "rating": _("Ratings"),
    "shared_language": _("A language you both speak"),
    "availability": _("Weekly time you are both available"),
    "distance": _("Distance, for in-person sessions"),
}


MATCH_REASON_CODES = list(REASON_LABELS.items())


class MatchFriendSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class MatchReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=MATCH_REASON_CODES)
    label = serializers.CharField()
    weight = serializers.IntegerField(help_text="The most points this term can give (0: n/a).")
    points = serializers.FloatField()
    skills = serializers.ListField(child=serializers.DictField(), required=False)
    ratings = serializers.ListField(child=serializers.FloatField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    minutes = serializers.IntegerField(required=False)
    distance_km = serializers.FloatField(required=False, allow_null=True)


class MatchSerializer(serializers.ModelSerializer):
    """A match seen by one of its members: ``friend`` is the other one (seed 004)."""

    friend = serializers.SerializerMethodField()
    my_response = serializers.SerializerMethodField()
    their_response = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    created_by_staff = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "friend",
            "compatibility_score",
            "status",
            "my_response",
            "their_response",
            "reasons",
            "created_by_staff",
            "computed_at",
            "created_at",
            "user_a",
            "user_b",
        ]
        read_only_fields = fields

    def _viewer_id(self, match: Match) -> int:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and viewer.pk in (match.user_a_id, match.user_b_id):
            return viewer.pk
        return match.user_a_id

    @extend_schema_field(MatchFriendSerializer)
    def get_friend(self, match: Match) -> dict[str, Any]:
        viewer_id = self._viewer_id(match)
        other = match.user_b if viewer_id == match.user_a_id else match.user_a
        request = self.context.get("request")
        avatar = None
        if other.avatar:
            avatar = request.build_absolute_uri(other.avatar.url) if request else other.avatar.url
        return {"id": other.pk, "name": other.public_name, "avatar": avatar}

    @extend_schema_field(serializers.ChoiceField(choices=MatchStatus.choices))
    def get_my_response(self, match: Match) -> str:
        return match.response_of(self._viewer_id(match))

    @extend_schema_field(serializers.ChoiceField(choices=MatchStatus.choices))
    def get_their_response(self, match: Match) -> str:
        return match.response_of(match.other(self._viewer_id(match)))

    def get_created_by_staff(self, match: Match) -> bool:
        return match.created_by_id is not None

    @extend_schema_field(MatchReasonSerializer(many=True))
    def get_reasons(self, match: Match) -> list[dict[str, Any]]:
        viewer_is_a = self._viewer_id(match) == match.user_a_id
        arabic = (get_language() or "en").startswith("ar")
        rendered = []
        for reason in match.reasons or []:
            reason = dict(reason)
            code = reason["code"]
            if code == "a_offers_b_wants":
                code = "you_offer_they_want" if viewer_is_a else "they_offer_you_want"
            elif code == "b_offers_a_wants":
                code = "they_offer_you_want" if viewer_is_a else "you_offer_they_want"
            reason["code"] = code
            reason["label"] = str(REASON_LABELS.get(code, code))
            if "skills" in reason:
                reason["skills"] = [
                    {
                        "id": skill["id"],
                        "slug": skill["slug"],
                        "name": (skill.get("name_ar") if arabic else None) or skill["name_en"],
                        "proficiency": skill.get("proficiency"),
                    }
                    for skill in reason["skills"]
                ]
            rendered.append(reason)
        order = ["you_offer_they_want", "they_offer_you_want"]
        rendered.sort(key=lambda r: order.index(r["code"]) if r["code"] in order else 2)
        return rendered


class MatchCreateSerializer(InputSerializer):
    user_a = serializers.IntegerField(help_text="A member's id.")
    user_b = serializers.IntegerField(help_text="Another member's id.")


# --- seed 002's "skills": the member's own listings -----------------------------------------------


class ListingSerializer(serializers.ModelSerializer):
    """An offer under seed 002's names (its ``Skill``: title, description, price_in_points,
    category, user, tags). The same offer as ``offers/{id}/``."""

    price_in_points = serializers.IntegerField(source="price_points", read_only=True)
    category = serializers.IntegerField(source="category_id", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    user = serializers.IntegerField(source="owner_id", read_only=True)
    user_id = serializers.IntegerField(source="owner_id", read_only=True)
    tags = serializers.SerializerMethodField(
        help_text="The offered skills by name (your pending suggestions included)."
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "title",
            "description",
            "price_in_points",
            "category",
            "category_name",
            "user",
            "user_id",
            "tags",
            "mode",
            "location",
            "language",
            "session_minutes",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tags(self, offer: Offer) -> list[str]:
        return [skill.name for skill in offer.offered_skills.all()]


class ListingInputSerializer(InputSerializer):
    """Seed 002's body for ``POST skills/`` and ``PUT/PATCH skills/{id}/``.

    ``tags`` are the offered skills (ids or names); without them a new listing offers the skill
    its title names. ``category_id`` is accepted for ``category``.
    """

    title = CleanCharField(max_length=200)
    description = CleanCharField(max_length=5000, required=False, allow_blank=True)
    price_in_points = serializers.IntegerField(
        min_value=0, max_value=1_000_000, required=False, help_text="0 means swap only."
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    category_id = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="Seed 002's name for category.",
    )
    tags = serializers.ListField(
        child=SkillRefField(),
        max_length=20,
        required=False,
        help_text="Offered skills by id or name; default on create: the title as a skill name.",
    )
    mode = serializers.ChoiceField(choices=OfferMode.choices, required=False)
    location = CleanCharField(max_length=200, required=False, allow_blank=True)
    language = serializers.RegexField(r"^[a-z]{2,3}$", max_length=8, required=False)
    session_minutes = serializers.IntegerField(min_value=15, max_value=480, required=False)
    status = serializers.ChoiceField(
        choices=[
            (OfferStatus.ACTIVE.value, OfferStatus.ACTIVE.label),
            (OfferStatus.PAUSED.value, OfferStatus.PAUSED.label),
        ],
        required=False,
    )

    def offer_values(self, *, creating: bool) -> dict[str, Any]:
        """The validated body under the offer services' argument names."""
        data = dict(self.validated_data)
        values: dict[str, Any] = {}
        for name in ("title", "description", "mode", "location", "language", "session_minutes"):
            if name in data:
                values[name] = data[name]
        if "status" in data:
            values["status"] = data["status"]
        if "price_in_points" in data:
            values["price_points"] = data["price_in_points"]
        category = data.get("category") or data.get("category_id")
        if category is not None:
            values["category"] = category
        if "tags" in data and data["tags"]:
            values["offered_skills"] = data["tags"]
        elif creating:
            values["offered_skills"] = [data["title"]]
        return values


def profile_skills_field() -> serializers.ListField:
    """The profile's writable ``skills`` (seed 000's ``PUT auth/profile``): skill names.

    They replace the member's offered skills; a name the catalogue does not know becomes their
    pending suggestion (docs/api.md, "Skill suggestions").
    """
    return serializers.ListField(
        child=CleanCharField(max_length=80),
        max_length=50,
        write_only=True,
        required=False,
        help_text="The skills you offer, by name (English, Arabic or a synonym); replaces your "
        "offered skills. A name the catalogue does not know becomes your pending suggestion.",
    )
