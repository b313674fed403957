"""Input and output serializers of the accounts API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import extensions
from accounts.models import User, time_zone_names
from accounts.roles import Role
from accounts.selectors import USER_STATUS_CHOICES
from accounts.validators import (
    COMMUNICATION_STYLES,
    MAX_INTEREST_LENGTH,
    MAX_INTERESTS,
    MAX_LANGUAGES,
    USERNAME_MAX_LENGTH,
    validate_country,
    validate_languages,
    validate_phone,
    validate_username,
)
from config.api.fields import CleanCharField
from config.api.serializers import InputSerializer

LANGUAGE_CHOICES = [("en", "English"), ("ar", "العربية")]


def _django_validator(validator):
    """Run a Django validator and report its message as a DRF error."""

    def run(value: Any) -> None:
        try:
            validator(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None

    return run


def _validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise serializers.ValidationError(
            _("“%(value)s” is not an IANA time zone such as Africa/Cairo.") % {"value": value}
        )


class InterestsSerializer(InputSerializer):
    """Seed 004's ``personality_data``."""

    interests = serializers.ListField(
        child=CleanCharField(max_length=MAX_INTEREST_LENGTH),
        max_length=MAX_INTERESTS,
        required=False,
    )
    communication_style = serializers.ChoiceField(
        choices=COMMUNICATION_STYLES, required=False, allow_blank=True
    )


# --- outputs -----------------------------------------------------------------------------------


class RoleField(serializers.ChoiceField):
    """The role derived from the user's groups."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Role.choices, read_only=True, **kwargs)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class PictureUrlField(serializers.ImageField):
    """A picture's URL, or null when there is none (declared nullable in the schema)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, use_url=True, **kwargs)


class UserBriefSerializer(serializers.Serializer):
    """A member as other resources name them: id, public name, username, avatar (or null)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="public_name")
    username = serializers.CharField(read_only=True, help_text="Empty when none was chosen.")
    avatar = PictureUrlField()


class PublicUserSerializer(serializers.ModelSerializer):
    """What any signed-in member may see of another."""

    public_name = serializers.CharField(read_only=True)
    username = serializers.CharField(read_only=True, help_text="Empty when none was chosen.")
    created_at = serializers.DateTimeField(
        source="date_joined", read_only=True, help_text="Seed 004's name for `date_joined`."
    )
    role = RoleField()
    avatar = PictureUrlField()
    banner = PictureUrlField()
    interests = InterestsSerializer(read_only=True)
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    sections = serializers.SerializerMethodField(
        help_text="Public data other apps show on the profile (e.g. offered and wanted skills)."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "public_name",
            "display_name",
            "first_name",
            "avatar",
            "banner",
            "bio",
            "city",
            "country",
            "languages",
            "time_zone",
            "interests",
            "role",
            "rating_average",
            "rating_count",
            "date_joined",
            "created_at",
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_sections(self, user: User) -> dict[str, Any]:
        return extensions.profile_sections(user)


class ProfileSerializer(serializers.ModelSerializer):
    """The owner's own profile."""

    public_name = serializers.CharField(read_only=True)
    username = serializers.CharField(read_only=True, help_text="Empty when none was chosen.")
    name = serializers.CharField(
        source="get_full_name", read_only=True, help_text="First and last name (seed 001)."
    )
    email_verified = serializers.SerializerMethodField()
    role = RoleField()
    avatar = PictureUrlField()
    profile_picture = PictureUrlField(source="avatar", help_text="Seeds 000, 001, 003: `avatar`.")
    banner = PictureUrlField()
    created_at = serializers.DateTimeField(
        source="date_joined", read_only=True, help_text="Seed 004's name for `date_joined`."
    )
    subscription_status = serializers.SerializerMethodField(
        help_text='The premium subscription\'s status; "none" without one (seed 004).'
    )
    interests = InterestsSerializer(read_only=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    points_balance = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField(
        help_text="Data other apps show on the profile (e.g. offered and wanted skills)."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "username",
            "email_verified",
            "has_password",
            "first_name",
            "last_name",
            "name",
            "display_name",
            "public_name",
            "phone",
            "address",
            "city",
            "country",
            "latitude",
            "longitude",
            "avatar",
            "profile_picture",
            "banner",
            "bio",
            "languages",
            "language",
            "time_zone",
            "interests",
            "role",
            "rating_average",
            "rating_count",
            "points_balance",
            "subscription_status",
            "date_joined",
            "created_at",
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_sections(self, user: User) -> dict[str, Any]:
        return extensions.profile_sections(user)

    @extend_schema_field(serializers.IntegerField())
    def get_points_balance(self, user: User) -> int:
        return extensions.points_balance(user)

    @extend_schema_field(serializers.CharField())
    def get_subscription_status(self, user: User) -> str:
        return extensions.subscription_status(user)

    @extend_schema_field(serializers.BooleanField())
    def get_email_verified(self, user: User) -> bool:
        annotated = getattr(user, "email_is_verified", None)
        if annotated is not None:
            return annotated
        return user.emailaddress_set.filter(email=user.email, verified=True).exists()

    @extend_schema_field(serializers.BooleanField())
    def get_has_password(self, user: User) -> bool:
        """False for accounts that only ever signed in with Google."""
        return user.has_usable_password()


class StaffUserSerializer(ProfileSerializer):
    """A profile plus the account state staff work with."""

    status = serializers.ChoiceField(choices=USER_STATUS_CHOICES, read_only=True)
    suspended_at = serializers.DateTimeField(read_only=True, allow_null=True)
    deleted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)
    # One provider call per row would break the list's query budget.
    points_balance = None
    subscription_status = None
    sections = None

    class Meta(ProfileSerializer.Meta):
        fields = [
            field
            for field in ProfileSerializer.Meta.fields
            if field not in {"points_balance", "subscription_status", "sections"}
        ] + [
            "is_active",
            "is_staff",
            "is_superuser",
            "status",
            "suspended_at",
            "suspension_reason",
            "deleted_at",
            "last_login",
        ]
        read_only_fields = fields


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Access JWT (15 minutes).")
    refresh = serializers.CharField(help_text="Refresh JWT (7 days, single use).")


class AuthResponseSerializer(TokenPairSerializer):
    user = ProfileSerializer()


class UsersAuthResponseSerializer(AuthResponseSerializer):
    """Seed 003's sign-up and sign-in answer: the account's fields and ``token`` at the top level,
    next to this API's own ``access``, ``refresh`` and ``user``."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    token = serializers.CharField(help_text="Seed 003's name for `access`.")


class LogoutResultSerializer(serializers.Serializer):
    """Seed 003's sign-out answer."""

    success = serializers.BooleanField()
    message = serializers.CharField()


class GoogleAuthResponseSerializer(AuthResponseSerializer):
    created = serializers.BooleanField(help_text="True when this sign-in created the account.")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmailAddressExportSerializer(serializers.Serializer):
    email = serializers.EmailField()
    verified = serializers.BooleanField()
    primary = serializers.BooleanField()


class SocialAccountExportSerializer(serializers.Serializer):
    provider = serializers.CharField()
    uid = serializers.CharField()
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField()
    granted_scopes = serializers.ListField(child=serializers.CharField())


class ExportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    account = StaffUserSerializer()
    email_addresses = EmailAddressExportSerializer(many=True)
    social_accounts = SocialAccountExportSerializer(many=True)
    sections = serializers.DictField(
        help_text="One entry per app that holds data on the caller (points, offers, swaps, …)."
    )


# --- inputs ------------------------------------------------------------------------------------


class UpperCaseCharField(serializers.CharField):
    """ "eg" and "EG" name the same country."""

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).upper()


class LowerCaseCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).lower()


class PhoneField(serializers.CharField):
    """Accepts "+20 100-123 4567" and stores "+201001234567"."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        return "".join(ch for ch in value if ch not in " -().\u00a0")


def _name_split(name: str) -> tuple[str, str]:
    """Seed 001's full ``name``: the first word is the first name, the rest the last name."""
    parts = name.split(None, 1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


class _ProfileFieldsMixin(InputSerializer):
    """Writable profile fields with their validation (shared by sign-up and profile update)."""

    username = CleanCharField(
        max_length=USERNAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        validators=[_django_validator(validate_username)],
        help_text=(
            "Optional handle, also a sign-in name: 3 to 30 English letters, digits, `.`, `_` "
            "or `-`, not only digits; unique whatever its case."
        ),
    )
    first_name = CleanCharField(max_length=150, required=False, allow_blank=True)
    last_name = CleanCharField(max_length=150, required=False, allow_blank=True)
    name = CleanCharField(
        max_length=301,
        required=False,
        write_only=True,
        help_text=(
            "Seed 001's full name, instead of `first_name` and `last_name`: the first word "
            "becomes the first name, the rest the last name."
        ),
    )
    display_name = CleanCharField(max_length=150, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    time_zone = serializers.CharField(
        max_length=64, required=False, validators=[_validate_time_zone]
    )
    interests = InterestsSerializer(required=False)
    personality_data = InterestsSerializer(
        required=False, write_only=True, help_text="Seed 004's name for `interests`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        alias = attrs.pop("personality_data", None)
        if alias is not None and "interests" not in attrs:
            attrs["interests"] = alias
        name = attrs.pop("name", None)
        if name is not None:
            if "first_name" in attrs or "last_name" in attrs:
                raise serializers.ValidationError(
                    {"name": [_("Send either name, or first_name and last_name.")]}
                )
            first_name, last_name = _name_split(name)
            if len(first_name) > 150 or len(last_name) > 150:
                raise serializers.ValidationError(
                    {"name": [_("Each part of the name has at most 150 characters.")]}
                )
            attrs["first_name"], attrs["last_name"] = first_name, last_name
        return attrs


class SignupSerializer(_ProfileFieldsMixin):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )


class LoginSerializer(InputSerializer):
    """``email`` or ``username`` with the password (when both are sent, ``email`` is used)."""

    email = serializers.EmailField(required=False, help_text="The account's e-mail address.")
    username = serializers.CharField(
        required=False,
        max_length=254,
        help_text=(
            "Instead of `email` (seeds 002 and 003): the account's username, or its e-mail "
            "address (a value with an `@`)."
        ),
    )
    password = serializers.CharField(trim_whitespace=False, max_length=128)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login = attrs.get("email") or attrs.get("username")
        if not login:
            raise serializers.ValidationError(
                {"email": [serializers.Field.default_error_messages["required"]]}
            )
        return {"login": login, "password": attrs["password"]}


class RefreshSerializer(InputSerializer):
    refresh = serializers.CharField(required=False, help_text="The refresh token.")
    token = serializers.CharField(
        required=False, write_only=True, help_text="Seed 001's name for `refresh`."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refresh = attrs.get("refresh") or attrs.get("token")
        if not refresh:
            raise serializers.ValidationError(
                {"refresh": [serializers.Field.default_error_messages["required"]]}
            )
        return {"refresh": refresh}


class LogoutSerializer(InputSerializer):
    refresh = serializers.CharField(
        required=False,
        help_text=(
            "The refresh token to revoke. Without it, every refresh token of the signed-in "
            "caller is revoked (sign out everywhere)."
        ),
    )


class PictureField(serializers.FileField):
    """A picture upload (multipart/form-data); ``null`` removes the picture.

    A string is accepted only when it is the picture's current URL, so a client may send back
    the profile it read (seed 003 does); any other link is refused, never fetched.
    """

    default_error_messages = {
        "link": _("Upload the picture as a file (multipart/form-data); links are not fetched."),
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if data and data in self.context.get("current_urls", {}).get(self.source, ()):
                return KEEP
            self.fail("link")
        return super().to_internal_value(data)


# A picture field that names the current picture: nothing to change.
KEEP: Any = object()


class ProfileUpdateSerializer(_ProfileFieldsMixin):
    """Fields given are changed, fields left out keep their values, with PUT as with PATCH.

    PUT needs no name (seed 000 sends only ``bio``, ``skills`` and ``profile_picture``); it
    replaces ``interests`` whole, where PATCH merges the keys given. Send JSON, or
    multipart/form-data to upload ``avatar``/``banner`` (JPEG, PNG, WebP or GIF; re-encoded);
    ``null`` removes a picture. Other apps add writable fields (e.g. ``skills``).
    """

    phone = PhoneField(
        max_length=32,
        required=False,
        allow_blank=True,
        validators=[_django_validator(validate_phone)],
    )
    address = CleanCharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="Shown on your own profile only.",
    )
    city = CleanCharField(max_length=120, required=False, allow_blank=True)
    country = UpperCaseCharField(
        max_length=2,
        required=False,
        allow_blank=True,
        validators=[_django_validator(validate_country)],
    )
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
    bio = CleanCharField(max_length=2000, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=LowerCaseCharField(max_length=2),
        max_length=MAX_LANGUAGES,
        required=False,
        validators=[_django_validator(validate_languages)],
        help_text='ISO 639-1 codes, e.g. ["ar", "en"].',
    )
    avatar = PictureField(required=False, allow_null=True)
    profile_picture = PictureField(
        source="avatar",
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Seeds 000, 001 and 003: `avatar`.",
    )
    banner = PictureField(required=False, allow_null=True)
    bannerImage = PictureField(  # noqa: N815 (seed 001's spelling)
        source="banner",
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Seed 001: `banner`.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for name, writer in extensions.profile_writers().items():
            if name in fields:
                continue
            field = writer.field()
            field.required = False
            field.write_only = True
            fields[name] = field
        return fields

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        for alias, name in (("profile_picture", "avatar"), ("bannerImage", "banner")):
            if hasattr(data, "__contains__") and alias in data and name in data:
                raise serializers.ValidationError(
                    {
                        alias: [
                            _("Send either %(alias)s or %(name)s.") % {"alias": alias, "name": name}
                        ]
                    }
                )
        return super().to_internal_value(data)


class PasswordChangeSerializer(InputSerializer):
    current_password = serializers.CharField(
        trim_whitespace=False, max_length=128, allow_blank=True
    )
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class PasswordResetSerializer(InputSerializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(InputSerializer):
    uid = serializers.CharField(max_length=64, help_text="`uid` from the reset e-mail.")
    token = serializers.CharField(max_length=128, help_text="`token` from the reset e-mail.")
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class EmailVerifySerializer(InputSerializer):
    key = serializers.CharField(max_length=256, help_text="The key from the verification e-mail.")


class GoogleSignInSerializer(InputSerializer):
    """Either a Google ID token, or an authorisation code (with its redirect URI)."""

    id_token = serializers.CharField(required=False, help_text="A Google ID token (JWT).")
    code = serializers.CharField(
        required=False,
        help_text="An authorisation code; gives offline access for the calendar sync.",
    )
    redirect_uri = serializers.URLField(
        required=False, help_text="The redirect URI the code was issued for."
    )
    code_verifier = serializers.CharField(required=False, help_text="PKCE verifier, if used.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("id_token")) == bool(attrs.get("code")):
            raise serializers.ValidationError({"id_token": [_("Send either id_token or code.")]})
        if attrs.get("code") and not attrs.get("redirect_uri"):
            raise serializers.ValidationError(
                {"redirect_uri": [serializers.Field.default_error_messages["required"]]}
            )
        return attrs


class SuspendSerializer(InputSerializer):
    reason = CleanCharField(max_length=2000)


class RoleSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class AccountDeleteSerializer(InputSerializer):
    password = serializers.CharField(
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        help_text="Required for accounts that have a password.",
    )
