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
    validate_country,
    validate_languages,
    validate_phone,
)

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


class InterestsSerializer(serializers.Serializer):
    """Seed 004's ``personality_data``."""

    interests = serializers.ListField(
        child=serializers.CharField(max_length=MAX_INTEREST_LENGTH),
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


class PublicUserSerializer(serializers.ModelSerializer):
    """What any signed-in member may see of another."""

    public_name = serializers.CharField(read_only=True)
    role = RoleField()
    avatar = serializers.ImageField(read_only=True, allow_null=True, use_url=True)
    banner = serializers.ImageField(read_only=True, allow_null=True, use_url=True)
    interests = InterestsSerializer(read_only=True)
    rating_average = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    sections = serializers.SerializerMethodField(
        help_text="Public data other apps show on the profile (e.g. offered and wanted skills)."
    )

    class Meta:
        model = User
        fields = [
            "id",
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
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_sections(self, user: User) -> dict[str, Any]:
        return extensions.profile_sections(user)


class ProfileSerializer(serializers.ModelSerializer):
    """The owner's own profile."""

    public_name = serializers.CharField(read_only=True)
    email_verified = serializers.SerializerMethodField()
    role = RoleField()
    avatar = serializers.ImageField(read_only=True, allow_null=True, use_url=True)
    banner = serializers.ImageField(read_only=True, allow_null=True, use_url=True)
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
            "email_verified",
            "has_password",
            "first_name",
            "last_name",
            "display_name",
            "public_name",
            "phone",
            "city",
            "country",
            "latitude",
            "longitude",
            "avatar",
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
            "date_joined",
            "sections",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_sections(self, user: User) -> dict[str, Any]:
        return extensions.profile_sections(user)

    @extend_schema_field(serializers.IntegerField())
    def get_points_balance(self, user: User) -> int:
        return extensions.points_balance(user)

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
    sections = None

    class Meta(ProfileSerializer.Meta):
        fields = [
            field
            for field in ProfileSerializer.Meta.fields
            if field not in {"points_balance", "sections"}
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


class _ProfileFieldsMixin(serializers.Serializer):
    """Writable profile fields with their validation (shared by sign-up and profile update)."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
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
        return attrs


class SignupSerializer(_ProfileFieldsMixin):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=128, style={"input_type": "password"}
    )


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(required=False, help_text="The account's e-mail address.")
    username = serializers.CharField(
        required=False, help_text="Accepted instead of `email` (seed 003 clients send it)."
    )
    password = serializers.CharField(trim_whitespace=False, max_length=128)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        login = attrs.get("email") or attrs.get("username")
        if not login:
            raise serializers.ValidationError(
                {"email": [serializers.Field.default_error_messages["required"]]}
            )
        return {"email": login, "password": attrs["password"]}


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class ProfileUpdateSerializer(_ProfileFieldsMixin):
    """PUT replaces every field (first and last name required); PATCH changes those given.

    Send JSON, or multipart/form-data to upload ``avatar``/``banner`` (JPEG, PNG, WebP or GIF;
    re-encoded). ``null`` removes a picture.
    """

    phone = PhoneField(
        max_length=32,
        required=False,
        allow_blank=True,
        validators=[_django_validator(validate_phone)],
    )
    city = serializers.CharField(max_length=120, required=False, allow_blank=True)
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
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=LowerCaseCharField(max_length=2),
        max_length=MAX_LANGUAGES,
        required=False,
        validators=[_django_validator(validate_languages)],
        help_text='ISO 639-1 codes, e.g. ["ar", "en"].',
    )
    avatar = serializers.FileField(required=False, allow_null=True)
    banner = serializers.FileField(required=False, allow_null=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.partial:
            self.fields["first_name"].required = True
            self.fields["last_name"].required = True


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(
        trim_whitespace=False, max_length=128, allow_blank=True
    )
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="`uid` from the reset e-mail.")
    token = serializers.CharField(max_length=128, help_text="`token` from the reset e-mail.")
    new_password = serializers.CharField(trim_whitespace=False, max_length=128)


class EmailVerifySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=256, help_text="The key from the verification e-mail.")


class GoogleSignInSerializer(serializers.Serializer):
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


class SuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        required=False,
        allow_blank=True,
        help_text="Required for accounts that have a password.",
    )
