"""The SkillSwap user: e-mail is the login, unique whatever its case; an optional username too."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import (
    validate_country,
    validate_interests,
    validate_languages,
    validate_phone,
    validate_username,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address is stored lower-cased; the database enforces the same with an index
        # on lower(email), so "Ann@x.org" and "ann@x.org" can never both exist.
        return (email or "").strip().lower()

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=self.normalize_email(username))


@functools.cache
def time_zone_names() -> frozenset[str]:
    """IANA zone names (reading them walks the tz database, so once per process)."""
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def validate_time_zone(value: str) -> None:
    """Accept IANA zone names only ("Africa/Cairo", "UTC")."""
    if value not in time_zone_names():
        raise ValidationError(_("Unknown time zone: %(value)s"), params={"value": value})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    # An optional public handle, a second sign-in name (docs/api.md, "Usernames"). Stored as typed;
    # unique whatever its case (a unique index on lower(username) over the non-empty ones).
    username = models.CharField(
        _("username"),
        max_length=30,
        blank=True,
        default="",
        validators=[validate_username],
        help_text=_("3 to 30 letters, digits, “.”, “_” or “-”; optional."),
    )
    username_changed_at = models.DateTimeField(_("username changed at"), null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166-1"),
        validators=[validate_country],
    )
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
    avatar = models.ImageField(_("avatar"), upload_to="avatars/%Y/%m/", blank=True)
    banner = models.ImageField(_("banner image"), upload_to="banners/%Y/%m/", blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    # ISO 639-1 codes, e.g. ["ar", "en"].
    languages = models.JSONField(
        _("languages spoken"), default=list, blank=True, validators=[validate_languages]
    )
    # The language of e-mails and notifications (the API itself follows Accept-Language).
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("en", "English"), ("ar", "العربية")],
        default="en",
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Seed 004's personality_data: {"interests": [...], "communication_style": "..."}.
    interests = models.JSONField(
        _("interests"), default=dict, blank=True, validators=[validate_interests]
    )
    # Denormalised from reviews (community app) for listing and ranking; read-only in the API.
    rating_average = models.DecimalField(
        _("rating average"), max_digits=3, decimal_places=2, default=0
    )
    rating_count = models.PositiveIntegerField(_("rating count"), default=0)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can sign in to the admin."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive users cannot sign in and their tokens stop working."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    # Access tokens issued at or before this instant are refused, even after a reactivation
    # (set by a suspension; checked by accounts.authentication and accounts.websocket_auth).
    tokens_valid_after = models.DateTimeField(_("tokens valid after"), null=True, blank=True)
    # Set when the owner deleted their account: personal data is anonymised, the row stays so
    # ledger entries, reviews and swaps keep a consistent counterpart.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]
        permissions = [
            ("suspend_user", _("Can suspend and reactivate users")),
            ("assign_role", _("Can change a user's role")),
            ("sell_paid_sessions", _("Can sell paid sessions")),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(
                Lower("username"),
                condition=~Q(username=""),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("This username is taken."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def public_name(self) -> str:
        """The name other people see: the display name, else the full name, else "Member #id"."""
        return self.display_name or self.get_full_name() or f"Member #{self.pk}"

    @property
    def role(self) -> str:
        """The role derived from the user's groups (see accounts.roles)."""
        from accounts.roles import role_of

        return role_of(self).value

    @property
    def status(self) -> str:
        """``active``, ``suspended`` or ``deleted``."""
        if self.deleted_at is not None:
            return "deleted"
        if self.suspended_at is not None or not self.is_active:
            return "suspended"
        return "active"

    def get_short_name(self) -> str:
        return self.first_name or self.email
