"""Every write of the accounts app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

Side effects (e-mails) are enqueued after commit. Other apps hear about new, changed and deleted
accounts through ``accounts.extensions``, called inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import url_str_to_user_pk
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework_simplejwt.exceptions import (
    TokenBackendError,
    TokenBackendExpiredToken,
    TokenError,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import extensions, login_limits
from accounts.google import GoogleIdentity, GoogleTokens
from accounts.images import AVATAR, BANNER, ImageRejected, ImageSlot, image_reencode
from accounts.models import User, UserManager
from accounts.roles import ROLE_GROUP_NAMES, STAFF_ROLES, Role, role_group
from accounts.tasks import email_verification_send_task, password_reset_send_task
from core.exceptions import ApplicationError, Conflict, ValidationFailed

# Fields a member edits on their own profile (images go through their own path).
PROFILE_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "display_name",
        "phone",
        "city",
        "country",
        "latitude",
        "longitude",
        "bio",
        "languages",
        "language",
        "time_zone",
        "interests",
    }
)
UNSET: Any = object()


class AuthenticationRefused(ApplicationError):
    """Credentials or a token were refused: 401 in the error shape."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "authentication_failed"


class ServiceUnavailable(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


def _by_email(email: str) -> QuerySet[User]:
    """Accounts with this address, whatever its case (uses the unique index on lower(email))."""
    return User.objects.alias(email_lower=Lower("email")).filter(
        email_lower=UserManager.normalize_email(email)
    )


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


def _email_taken_error() -> ValidationFailed:
    return ValidationFailed(
        fields={"email": [_("An account with this e-mail address already exists.")]}
    )


def user_onboard(*, user: User) -> None:
    """Give a new account the member role and let other apps set it up.

    Runs inside the transaction that created the account (every sign-up path calls it once).
    """
    user.groups.add(role_group(Role.MEMBER))
    extensions.user_created(user)
    user._skillswap_onboarded = True


# --- tokens ------------------------------------------------------------------------------------


def token_pair_issue(*, user: User) -> dict[str, str]:
    """A new refresh token (recorded as outstanding) and its access token."""
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def tokens_revoke_all(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` that is still alive; return how many."""
    alive = OutstandingToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
    )
    rows = [BlacklistedToken(token=token) for token in alive]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _token_refused() -> AuthenticationRefused:
    return AuthenticationRefused(
        _("The refresh token is invalid, expired or already used."), code="token_not_valid"
    )


def _suspended() -> AuthenticationRefused:
    return AuthenticationRefused(_("This account is suspended."), code="account_suspended")


@transaction.atomic
def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: blacklist it and issue a new pair.

    Locks the token's outstanding-token row, so two concurrent uses of one refresh token cannot
    both succeed. Refused when the token is used, expired, forged, when the account is no longer
    active, or when its password changed since the token was issued.
    """
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise _token_refused() from None
    try:
        # get(), not first(): the model orders by user, and PostgreSQL refuses FOR UPDATE on
        # the outer join that ordering would add.
        outstanding = OutstandingToken.objects.select_for_update().get(
            jti=token[jwt_settings.JTI_CLAIM]
        )
    except OutstandingToken.DoesNotExist:
        raise _token_refused() from None
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        raise _token_refused()
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
    if user is None:
        raise _token_refused()
    if not user.is_active:
        raise _suspended()
    if jwt_settings.CHECK_REVOKE_TOKEN and token.get(
        jwt_settings.REVOKE_TOKEN_CLAIM
    ) != get_md5_hash_password(user.password):
        raise _token_refused()
    BlacklistedToken.objects.create(token=outstanding)
    return token_pair_issue(user=user)


@transaction.atomic
def token_revoke(*, refresh: str) -> None:
    """Blacklist one refresh token (logout). Revoking it again, or an expired one, is a no-op."""
    try:
        payload = token_backend.decode(refresh, verify=True)
    except TokenBackendExpiredToken:
        return
    except TokenBackendError:
        payload = None
    if not payload or payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh":
        raise ValidationFailed(fields={"refresh": [_("This is not a valid refresh token.")]})
    RefreshToken(refresh, verify=False).blacklist()


# --- sign-up and sign-in -----------------------------------------------------------------------


@transaction.atomic
def user_signup(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    display_name: str = "",
    language: str = "en",
    time_zone: str = "UTC",
    interests: Mapping[str, Any] | None = None,
) -> User:
    """Create a member account and e-mail a verification link after commit.

    E-mail uniqueness is case-insensitive and enforced by the database (unique lower(email)), so
    two concurrent sign-ups with one address give one account and one validation error.
    """
    email = UserManager.normalize_email(email)
    if _by_email(email).exists():
        raise _email_taken_error()
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
        language=language,
        time_zone=time_zone,
        interests=dict(interests or {}),
    )
    errors = _password_errors(password, user)
    if errors:
        raise ValidationFailed(fields={"password": errors})
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise _email_taken_error() from None
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    user_onboard(user=user)
    email_verification_send_task.delay_on_commit(user.pk)
    return user


@transaction.atomic
def user_login(*, email: str, password: str) -> User:
    """Check the credentials and record the sign-in.

    Attempts are counted per account in the shared cache (``accounts.login_limits``); raises
    ``login_limits.LoginLocked`` while the account's sign-in is locked.
    """
    login_limits.attempt_begin(email)
    user = _by_email(email).first()
    if user is None:
        make_password(password)  # same work as a real check: timing tells nothing
        valid = False
    else:
        valid = user.check_password(password)
    if not valid:
        raise AuthenticationRefused(_("Incorrect e-mail address or password."))
    login_limits.attempt_succeeded(email)
    if not user.is_active:
        raise _suspended()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user


# --- profile -----------------------------------------------------------------------------------


def _store_image(user: User, slot: ImageSlot, upload: UploadedFile | None) -> str:
    """Put the re-encoded ``upload`` (or nothing) in the slot; return the replaced file's name."""
    field = getattr(user, slot.name)
    old_name = field.name or ""
    if upload is None:
        setattr(user, slot.name, None)
        return old_name
    try:
        content = image_reencode(upload, slot)
    except ImageRejected as exc:
        raise ValidationFailed(fields={slot.name: [str(exc)]}) from None
    field.save(content.name, content, save=False)
    return old_name


def _delete_files_on_commit(user: User, names: list[str]) -> None:
    storage = User._meta.get_field("avatar").storage
    for name in names:
        if name:
            transaction.on_commit(lambda name=name: storage.delete(name))


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    data: Mapping[str, Any],
    avatar: UploadedFile | None = UNSET,
    banner: UploadedFile | None = UNSET,
) -> User:
    """Change the owner's profile fields; ``avatar``/``banner`` None removes the picture.

    Locks the user row. Pictures are re-encoded (accounts.images); replaced files are deleted
    after commit. Calls ``extensions.profile_changed`` with the names that really changed.
    """
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    changed: set[str] = set()
    for name, value in data.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.add(name)
    if (user.latitude is None) != (user.longitude is None):
        missing = "longitude" if user.longitude is None else "latitude"
        raise ValidationFailed(
            fields={missing: [_("Give both latitude and longitude, or neither.")]}
        )
    try:
        user.full_clean(exclude=["password", "email", "avatar", "banner"], validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from None
    replaced: list[str] = []
    for slot, upload in ((AVATAR, avatar), (BANNER, banner)):
        if upload is UNSET or (upload is None and not getattr(user, slot.name)):
            continue
        replaced.append(_store_image(user, slot, upload))
        changed.add(slot.name)
    if changed:
        user.save(update_fields=sorted(changed))
        _delete_files_on_commit(user, replaced)
        extensions.profile_changed(user, changed)
    return user


# --- passwords ---------------------------------------------------------------------------------


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; every refresh token is revoked.

    Accounts without a password (Google sign-in only) set their first one by password reset,
    so a stolen access token cannot add a password to them.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.has_usable_password():
        raise ValidationFailed(
            fields={
                "current_password": [
                    _("This account has no password yet; set one with a password reset.")
                ]
            }
        )
    if not user.check_password(current_password):
        raise ValidationFailed(
            fields={"current_password": [_("The current password is incorrect.")]}
        )
    errors = _password_errors(new_password, user)
    if errors:
        raise ValidationFailed(fields={"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens_revoke_all(user=user)
    return user


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link if an active account has this address; say nothing either way."""
    user = _by_email(email).filter(is_active=True, deleted_at__isnull=True).first()
    if user is not None:
        transaction.on_commit(lambda: password_reset_send_task.delay(user.pk))


def _reset_link_invalid() -> ValidationFailed:
    return ValidationFailed(
        fields={"token": [_("This password reset link is invalid or has expired.")]}
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from an e-mailed reset token.

    The token is signed over the current password hash, so it works once; it also expires after
    PASSWORD_RESET_TIMEOUT. Revokes every refresh token, clears failed sign-ins, and marks the
    address verified (the link proved the inbox is theirs). Locks the user row.
    """
    try:
        pk = url_str_to_user_pk(uid)
    except (ValueError, TypeError, OverflowError):
        raise _reset_link_invalid() from None
    user = User.objects.select_for_update().filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise _reset_link_invalid()
    errors = _password_errors(new_password, user)
    if errors:
        raise ValidationFailed(fields={"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens_revoke_all(user=user)
    _email_mark_verified(user)
    login_limits.attempt_succeeded(user.email)
    return user


# --- e-mail verification -----------------------------------------------------------------------


def _email_mark_verified(user: User) -> None:
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


def email_verification_resend(*, user: User) -> bool:
    """Send the verification e-mail again after commit; False when already verified."""
    if EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists():
        return False
    email_verification_send_task.delay_on_commit(user.pk)
    return True


@transaction.atomic
def email_verify(*, key: str) -> User:
    """Mark the address named by a verification key as verified (again is fine)."""
    try:
        address_pk = signing.loads(
            key,
            salt=allauth_settings.SALT,
            max_age=allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS * 86400,
        )
    except signing.BadSignature:  # includes SignatureExpired
        address_pk = None
    address = (
        EmailAddress.objects.select_related("user").filter(pk=address_pk).first()
        if isinstance(address_pk, int)
        else None
    )
    if address is None or address.email != address.user.email or not address.user.is_active:
        raise ValidationFailed(
            fields={"key": [_("This verification link is invalid or has expired.")]}
        )
    if not address.verified:
        address.verified = True
        address.primary = True
        address.save(update_fields=["verified", "primary"])
    return address.user


# --- roles and lifecycle -----------------------------------------------------------------------


@transaction.atomic
def user_role_set(*, user: User, role: Role) -> User:
    """Put the user in exactly one role group; ``is_staff`` follows the role.

    Other groups (e.g. Wagtail's "Editors") are kept. Any role but admin also drops superuser
    status, so "make this person a member" means what it says. Locks the user row.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    target = role_group(role)
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUP_NAMES).exclude(pk=target.pk))
    user.groups.add(target)
    keeps_other_groups = user.groups.exclude(name__in=ROLE_GROUP_NAMES).exists()
    user.is_staff = role in STAFF_ROLES or keeps_other_groups
    if role != Role.ADMIN:
        user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def user_suspend(*, user: User, reason: str) -> User:
    """Suspend an account: it cannot sign in, its tokens and sockets stop working at once.

    Access tokens are refused because the account is inactive (simplejwt and the WebSocket
    middleware check it per request/frame); refresh tokens are also blacklisted. Locks the row.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        raise Conflict(_("This account has been deleted."))
    if user.suspended_at is not None:
        raise Conflict(_("This account is already suspended."))
    user.is_active = False
    user.suspended_at = timezone.now()
    user.suspension_reason = reason
    user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    tokens_revoke_all(user=user)
    return user


@transaction.atomic
def user_reactivate(*, user: User) -> User:
    """Lift a suspension. Locks the user row."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        raise Conflict(_("This account has been deleted."))
    if user.is_active and user.suspended_at is None:
        raise Conflict(_("This account is not suspended."))
    user.is_active = True
    user.suspended_at = None
    user.suspension_reason = ""
    user.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    return user


@transaction.atomic
def user_delete(*, user: User, password: str = "") -> None:
    """Delete the caller's own account (after checking their password) by anonymising it."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password() and not user.check_password(password):
        raise ValidationFailed(fields={"password": [_("The password is incorrect.")]})
    user_anonymise(user=user)


@transaction.atomic
def user_anonymise(*, user: User) -> User:
    """Erase an account's personal data; the row stays.

    Ledger entries, swaps and reviews keep their counterpart, but every personal field is cleared,
    the address becomes ``deleted-<id>@deleted.invalid``, sign-in becomes impossible, Google links
    and refresh tokens go. ``extensions.user_deleted`` runs first, in the same transaction, while
    the hooks can still read the account. Used by self-service deletion and by "delete" in the
    Wagtail admin. Locks the user row.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        return user
    extensions.user_deleted(user)
    old_email = user.email
    old_files = [user.avatar.name or "", user.banner.name or ""]
    for name in PROFILE_FIELDS - {"language", "time_zone"}:
        field = User._meta.get_field(name)
        setattr(user, name, field.get_default() if not field.null else None)
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.avatar = None
    user.banner = None
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    tokens_revoke_all(user=user)
    _delete_files_on_commit(user, old_files)
    login_limits.attempt_succeeded(old_email)
    return user


# --- Google ------------------------------------------------------------------------------------


def _email_verified(user: User) -> bool:
    return EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


def _google_account(user: User, identity: GoogleIdentity) -> SocialAccount:
    try:
        with transaction.atomic():
            return SocialAccount.objects.create(
                user=user, provider="google", uid=identity.subject, extra_data=identity.claims
            )
    except IntegrityError:  # a concurrent sign-in linked it first
        return SocialAccount.objects.get(provider="google", uid=identity.subject)


def _google_new_user(identity: GoogleIdentity, email: str) -> tuple[User, bool]:
    user = User(
        email=email,
        first_name=identity.given_name[:150],
        last_name=identity.family_name[:150],
        language="ar" if identity.locale.lower().startswith("ar") else "en",
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # a concurrent request created it first
        return _by_email(email).get(), False
    user_onboard(user=user)
    return user, True


@transaction.atomic
def google_sign_in(
    *, identity: GoogleIdentity, tokens: GoogleTokens | None = None
) -> tuple[User, bool]:
    """Sign in with a verified Google identity: find, link or create the account.

    Lookup order: the Google account already linked; else the account with the same (Google-
    verified) e-mail, which gets linked; else a new member account without a password. When the
    matched account's address was never verified, whoever chose its password never proved they
    own the inbox, so that password is removed and its tokens revoked before linking.
    Google's tokens, when given (code exchange), are stored for the calendar sync.
    Returns ``(user, created)``.
    """
    if not identity.email_verified:
        raise AuthenticationRefused(
            _("Google has not verified this e-mail address."), code="google_email_unverified"
        )
    created = False
    account = (
        SocialAccount.objects.select_related("user")
        .filter(provider="google", uid=identity.subject)
        .first()
    )
    if account is not None:
        user = account.user
        if not user.is_active:
            raise _suspended()
        account.extra_data = {**account.extra_data, **identity.claims}
        account.last_login = timezone.now()
        account.save(update_fields=["extra_data", "last_login"])
    else:
        email = UserManager.normalize_email(identity.email)
        user = _by_email(email).select_for_update().first()
        if user is None:
            user, created = _google_new_user(identity, email)
        elif not user.is_active:
            raise _suspended()
        elif not _email_verified(user) and user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
            tokens_revoke_all(user=user)
        account = _google_account(user, identity)
    _email_mark_verified(user)
    if tokens is not None:
        google_credentials_store(account=account, tokens=tokens)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user, created


def google_credentials_store(*, account: SocialAccount, tokens: GoogleTokens) -> SocialToken:
    """Keep Google's access/refresh tokens and granted scopes for the calendar sync.

    Google sends a refresh token only on the first consent; a later exchange without one keeps
    the stored refresh token.
    """
    token = SocialToken.objects.filter(account=account).first() or SocialToken(account=account)
    token.token = tokens.access_token
    if tokens.refresh_token:
        token.token_secret = tokens.refresh_token
    token.expires_at = tokens.expires_at
    token.save()
    account.extra_data = {**account.extra_data, "granted_scopes": list(tokens.scopes)}
    account.save(update_fields=["extra_data"])
    return token


@transaction.atomic
def google_credentials_update(
    *, user: User, access_token: str, expires_at: datetime | None
) -> None:
    """Store an access token the calendar sync obtained by refreshing (keeps the refresh token)."""
    SocialToken.objects.filter(account__user=user, account__provider="google").update(
        token=access_token, expires_at=expires_at
    )
