"""Marketplace models: categories, skills, user skills, offers, availability and matches.

Names and descriptions of categories and skills are translated with django-modeltranslation
(``marketplace/translation.py`` adds ``name_en``/``name_ar``…); build their querysets inside a
request (``get_queryset()``) so the active language is the request's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the category tree (``parent`` is null for top-level categories)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(
        _("icon"), max_length=64, blank=True, help_text=_("Icon name used by the front end.")
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name or self.slug


class SkillStatus(models.TextChoices):
    APPROVED = "approved", _("In the catalogue")
    PENDING = "pending", _("Suggested, awaiting review")
    REJECTED = "rejected", _("Rejected")


class Skill(models.Model):
    """A skill of the catalogue; ``synonyms`` are comma-separated terms in any language.

    Members never write the catalogue: a name they use that it does not know becomes a
    ``pending`` suggestion (``suggested_by``), shown only in its authors' own user skills and
    offers and left out of catalogue lists, search and matching until a moderator approves it in
    the Wagtail admin (docs/api.md, "Skill suggestions"). A suggestion may come without a
    category; the moderator chooses one on approval.
    """

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True, allow_unicode=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        on_delete=models.PROTECT,
        related_name="skills",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=SkillStatus.choices, default=SkillStatus.APPROVED
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suggested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    synonyms = models.TextField(
        _("synonyms"), blank=True, help_text=_("Comma-separated alternative names, any language.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # First named by a member (user-skills, offers, profile skills: docs/api.md, "Skill
    # suggestions"); kept after approval so moderators can tell where an entry came from.
    is_user_submitted = models.BooleanField(_("submitted by a member"), default=False)
    # Normalised names and synonyms in both languages (marketplace.search.normalise), for
    # autocomplete on every database.
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "is_active"], name="mkt_skill_status_active")]

    def __str__(self) -> str:
        return self.name or self.slug

    def save(self, *args, **kwargs) -> None:
        from marketplace.search import normalise

        self.search_text = normalise(
            getattr(self, "name_en", None) or self.name,
            getattr(self, "name_ar", None),
            self.synonyms.replace(",", " "),
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Direction(models.TextChoices):
    OFFERED = "offered", _("Offered")
    WANTED = "wanted", _("Wanted")


class Proficiency(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")
    EXPERT = "expert", _("Expert")


class UserSkill(models.Model):
    """A skill a member offers or wants, with a proficiency (seed 003)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_skills"
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="user_skills")
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.OFFERED
    )
    proficiency_level = models.CharField(
        _("proficiency"),
        max_length=12,
        choices=Proficiency.choices,
        default=Proficiency.BEGINNER,
    )
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of experience"), default=0, validators=[MaxValueValidator(80)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("user skill")
        verbose_name_plural = _("user skills")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "skill", "direction"], name="marketplace_userskill_unique"
            ),
        ]
        indexes = [models.Index(fields=["skill", "direction"], name="mkt_userskill_skill_dir")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.direction} {self.skill_id}"


class OfferMode(models.TextChoices):
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("In person")
    BOTH = "both", _("Online or in person")


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    REMOVED = "removed", _("Removed")


def offer_expiry_default() -> dt.datetime | None:
    """When a new offer expires: ``OFFER_EXPIRY_DAYS`` from now (None when it is 0: never)."""
    days = int(getattr(settings, "OFFER_EXPIRY_DAYS", 0) or 0)
    return timezone.now() + dt.timedelta(days=days) if days > 0 else None


class Offer(models.Model):
    """A listing: what the owner teaches, what they want in exchange, and on what terms.

    Deleting is a soft remove (``status=removed``) so swaps that reference the offer keep it.
    An active offer past ``expires_at`` is hidden like a paused one from everybody but its owner
    (``selectors.offer_queryset``) until the owner renews it (``services.expiry``).
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offers"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="offers"
    )
    offered_skills = models.ManyToManyField(
        Skill, verbose_name=_("offered skills"), related_name="offered_in", blank=True
    )
    desired_skills = models.ManyToManyField(
        Skill, verbose_name=_("desired skills"), related_name="desired_in", blank=True
    )
    mode = models.CharField(
        _("mode"), max_length=8, choices=OfferMode.choices, default=OfferMode.ONLINE
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    price_points = models.PositiveIntegerField(
        _("price in points"), default=0, help_text=_("0 means swap only.")
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(480)],
    )
    status = models.CharField(
        _("status"), max_length=8, choices=OfferStatus.choices, default=OfferStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Removal (by the owner, or by a moderator with a reason the owner is told).
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    removal_reason = models.TextField(_("removal reason"), blank=True)

    # Expiry (marketplace/services/expiry.py): people forget stale offers (TimeOverflow #789,
    # Komunitin #387), so an offer leaves listings OFFER_EXPIRY_DAYS after its creation or last
    # renewal; null never expires. The owner is reminded once per period (expiry_reminded_at).
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, default=offer_expiry_default
    )
    expiry_reminded_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True)

    # Moderation queue: new (never reviewed) or reported after the last review.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    last_reported_at = models.DateTimeField(_("last reported at"), null=True, blank=True)

    # Search documents, maintained by marketplace.services.offer_search_refresh: normalised text
    # (every database) and a weighted tsvector (PostgreSQL; null elsewhere).
    search_text = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("moderate_offer", _("Can moderate offers (approve, remove with a reason)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="marketplace_offer_coordinates_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="mkt_offer_status_new"),
            models.Index(fields=["status", "price_points"], name="mkt_offer_status_price"),
            models.Index(fields=["owner", "status"], name="mkt_offer_owner_status"),
            models.Index(fields=["category", "status"], name="mkt_offer_category_status"),
            models.Index(fields=["latitude", "longitude"], name="mkt_offer_coordinates"),
            models.Index(fields=["status", "expires_at"], name="mkt_offer_status_expiry"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def in_moderation_queue(self) -> bool:
        if self.status == OfferStatus.REMOVED:
            return False
        if self.reviewed_at is None:
            return True
        return self.last_reported_at is not None and self.last_reported_at > self.reviewed_at


def offer_image_path(instance: OfferImage, filename: str) -> str:
    now = timezone.now()
    return f"offers/{now:%Y/%m}/{filename}"


class OfferImage(models.Model):
    """An image of an offer, validated and re-encoded on upload (services.offer_images_add)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="images")
    # Width and height are recorded by the service from the re-encoded picture; no width_field/
    # height_field, which would make Django open the file whenever a row is loaded without them.
    image = models.ImageField(_("image"), upload_to=offer_image_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer image")
        verbose_name_plural = _("offer images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.offer_id}#{self.position}"


class SearchWord(models.Model):
    """Vocabulary of the offer search documents; typo-tolerant search expands a query word to its
    nearest vocabulary words by trigram similarity (pg_trgm), as PostgreSQL's documentation
    suggests for spelling correction."""

    word = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")

    def __str__(self) -> str:
        return self.word


MIDNIGHT = dt.time(0, 0)


class AvailabilitySlot(models.Model):
    """A weekly window in the user's own time zone. ``day_of_week``: Monday=0 … Sunday=6.

    ``end_time`` 00:00 means the end of the day (24:00), so 22:00–00:00 on Monday followed by
    00:00–02:00 on Tuesday is one continuous window across midnight.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_slots"
    )
    day_of_week = models.PositiveSmallIntegerField(
        _("day of week"), validators=[MaxValueValidator(6)], help_text=_("Monday=0 … Sunday=6")
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("availability slot")
        verbose_name_plural = _("availability slots")
        ordering = ["day_of_week", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_week__lte=6), name="marketplace_slot_day_of_week"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")) | Q(end_time=MIDNIGHT),
                name="marketplace_slot_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["user", "day_of_week"], name="mkt_slot_user_day")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day_of_week} {self.start_time}-{self.end_time}"

    @property
    def end_minutes(self) -> int:
        """Minutes after local midnight at which the slot ends (1440 for 00:00)."""
        if self.end_time == MIDNIGHT:
            return 24 * 60
        return self.end_time.hour * 60 + self.end_time.minute

    @property
    def start_minutes(self) -> int:
        return self.start_time.hour * 60 + self.start_time.minute


class AvailabilityException(models.Model):
    """A dated range in which the user is unavailable, whatever the weekly slots say."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="marketplace_exception_positive"
            ),
        ]
        indexes = [models.Index(fields=["user", "ends_at"], name="mkt_exception_user_end")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"


class MatchStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Match(models.Model):
    """Two members who could swap, stored once per pair (``user_a.id < user_b.id``).

    ``status`` is accepted once both accepted, declined as soon as one declined, pending otherwise.
    ``reasons`` lists each term of ``compatibility_score`` with its weight and points.
    """

    user_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    user_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    compatibility_score = models.PositiveSmallIntegerField(
        _("compatibility score"), default=0, validators=[MaxValueValidator(100)]
    )
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    a_response = models.CharField(
        max_length=8, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    b_response = models.CharField(
        max_length=8, choices=MatchStatus.choices, default=MatchStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The staff member who created the match; empty when computed."),
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-compatibility_score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user_a", "user_b"], name="marketplace_match_pair"),
            models.CheckConstraint(
                condition=Q(user_a__lt=F("user_b")), name="marketplace_match_ordered_pair"
            ),
            models.CheckConstraint(
                condition=Q(compatibility_score__lte=100), name="marketplace_match_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["user_a", "-compatibility_score"], name="mkt_match_a_score"),
            models.Index(fields=["user_b", "-compatibility_score"], name="mkt_match_b_score"),
        ]

    def __str__(self) -> str:
        return f"{self.user_a_id}~{self.user_b_id} ({self.compatibility_score})"

    def other(self, user_id: int) -> int:
        return self.user_b_id if user_id == self.user_a_id else self.user_a_id

    def response_of(self, user_id: int) -> str:
        return self.a_response if user_id == self.user_a_id else self.b_response
