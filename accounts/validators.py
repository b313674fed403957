"""Validators of profile fields, shared by the model (Wagtail admin forms) and the API."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.iso_codes import COUNTRY_CODES, LANGUAGE_CODES

MAX_LANGUAGES = 20
MAX_INTERESTS = 20
MAX_INTEREST_LENGTH = 50
# Seed 004's personality_data.communication_style.
COMMUNICATION_STYLES = [
    ("friendly", _("Friendly")),
    ("formal", _("Formal")),
    ("casual", _("Casual")),
    ("direct", _("Direct")),
    ("encouraging", _("Encouraging")),
]
INTEREST_KEYS = {"interests", "communication_style"}
PHONE_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
# ASCII letters and digits plus ``.``, ``_`` and ``-``: no "@" (so a sign-in name is never taken
# for an e-mail address) and no look-alike letters from other scripts (``аdmin`` with a Cyrillic a).
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
# Handles that would pass for the platform, its staff, or a path of the API (``users/me/``).
RESERVED_USERNAMES = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "anonymous",
        "auth",
        "help",
        "login",
        "logout",
        "me",
        "moderator",
        "moderators",
        "null",
        "register",
        "root",
        "signup",
        "skillswap",
        "staff",
        "support",
        "system",
        "undefined",
        "www",
    }
)


def validate_languages(value: Any) -> None:
    """A list of distinct ISO 639-1 codes: ``["ar", "en"]``."""
    if not isinstance(value, list):
        raise ValidationError(_("Give a list of language codes."), code="invalid")
    if len(value) > MAX_LANGUAGES:
        raise ValidationError(
            _("At most %(limit)d languages."), code="max_length", params={"limit": MAX_LANGUAGES}
        )
    for code in value:
        if not isinstance(code, str) or code not in LANGUAGE_CODES:
            raise ValidationError(
                _("“%(value)s” is not an ISO 639-1 language code."),
                code="invalid_choice",
                params={"value": code},
            )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each language may appear only once."), code="duplicate")


def validate_username(value: str) -> None:
    """3 to 30 ASCII letters, digits, ``.``, ``_`` or ``-``; not all digits; not reserved."""
    if not value:
        return
    if not USERNAME_MIN_LENGTH <= len(value) <= USERNAME_MAX_LENGTH:
        raise ValidationError(
            _("A username has %(min)d to %(max)d characters."),
            code="length",
            params={"min": USERNAME_MIN_LENGTH, "max": USERNAME_MAX_LENGTH},
        )
    if not USERNAME_RE.match(value):
        raise ValidationError(
            _("A username may contain only English letters, digits, “.”, “_” and “-”."),
            code="invalid",
        )
    if value.isdigit():
        raise ValidationError(_("A username cannot be only digits."), code="digits")
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            _("“%(value)s” is reserved; choose another username."),
            code="reserved",
            params={"value": value},
        )


def validate_country(value: str) -> None:
    if value and value not in COUNTRY_CODES:
        raise ValidationError(
            _("“%(value)s” is not an ISO 3166-1 country code."),
            code="invalid_choice",
            params={"value": value},
        )


def validate_phone(value: str) -> None:
    """International format: ``+`` then country code and number, 8 to 16 characters."""
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            _("Enter the phone number in international format, e.g. +201001234567."),
            code="invalid",
        )


def validate_interests(value: Any) -> None:
    """Seed 004's personality_data: ``{"interests": [str], "communication_style": str}``."""
    if not isinstance(value, dict):
        raise ValidationError(_("Give an object with interests and communication_style."))
    unknown = sorted(set(value) - INTEREST_KEYS)
    if unknown:
        raise ValidationError(
            _("Unknown keys: %(keys)s."), code="invalid", params={"keys": ", ".join(unknown)}
        )
    interests = value.get("interests", [])
    if not isinstance(interests, list) or not all(isinstance(item, str) for item in interests):
        raise ValidationError(_("Interests must be a list of words."), code="invalid")
    if len(interests) > MAX_INTERESTS:
        raise ValidationError(
            _("At most %(limit)d interests."), code="max_length", params={"limit": MAX_INTERESTS}
        )
    for item in interests:
        if not item.strip() or len(item) > MAX_INTEREST_LENGTH:
            raise ValidationError(
                _("Each interest has 1 to %(limit)d characters."),
                code="invalid",
                params={"limit": MAX_INTEREST_LENGTH},
            )
    style = value.get("communication_style", "")
    if style and style not in dict(COMMUNICATION_STYLES):
        raise ValidationError(
            _("“%(value)s” is not a known communication style."),
            code="invalid_choice",
            params={"value": style},
        )
