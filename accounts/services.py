"""Every write of the accounts app: ``<entity>_<action>(*, ...)`` under ``transaction.atomic``.

Side effects (e-mails) are enqueued after commit. Other apps hear about new, changed and deleted
accounts through ``accounts.extensions``, called inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import url_str_to_user_pk
from allauth.socialaccount.models import SocialAccount, SocialToken
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
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
from accounts.authentication import token_predates_cutoff
from accounts.google import GoogleIdentity, GoogleTokens
from accounts.groups import ACCOUNT_REVOKED, account_group
from accounts.models import User, UserManager
from accounts.roles import ROLE_GROUP_NAMES, STAFF_ROLES, Role, role_group
from accounts.tasks import email_verification_send_task, password_reset_send_task
from accounts.validators import validate_username
from core.exceptions import ApplicationError, Conflict, ValidationFailed
from core.images import ImageLimits, ImageRejected, image_prepare

# Fields a member edits on their own profile (images go through their own path).
PROFILE_FIELDS = frozenset(
    {
        "username",
        "first_name",
        "last_name",
        "display_name",
        "phone",
        "address",
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
# The picture slots of a profile: the bytes accepted and the box each picture is shrunk to fit.
IMAGE_LIMITS = {
    "avatar": ImageLimits(max_bytes=5 * 1024 * 1024, max_size=(512, 512)),
    "banner": ImageLimits(max_bytes=8 * 1024 * 1024, max_size=(1600, 600)),
}


class AuthenticationRefused(ApplicationError):
    """Credentials or a token were refused: 401 in the error shape."""

    status_code = 401
    code = "authentication_failed"


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"


def _by_email(email: str) -> QuerySet[User]:
    """Accounts with this address, whatever its case (uses the unique index on lower(email))."""
    return User.objects.alias(email_lower=Lower("email")).filter(
        email_lower=UserManager.normalize_email(email)
    )


def _by_username(username: str) -> QuerySet[User]:
    """Accounts with this username, whatever its case (the partial unique index on lower())."""
    return (
        User.objects.exclude(username="")
        .alias(username_lower=Lower("username"))
        .filter(username_lower=username.strip().lower())
    )


def user_by_login(login: str) -> User | None:
    """The account a sign-in name names: an e-mail address (it has an "@") or a username."""
    login = login.strip()
    if not login:
        return None
    queryset = _by_email(login) if "@" in login else _by_username(login)
    return queryset.first()


def _username_taken_error() -> ValidationFailed:
    return ValidationFailed(fields={"username": [_("This username is taken.")]})


def _username_check(username: str) -> None:
    try:
        validate_username(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"username": list(exc.messages)}) from None


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
        outstanding = OutstandingToken.objects.select_for_update(no_key=True).get(
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
    if token_predates_cutoff(user, token.get("iat")):
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


@transaction.atomic
def user_sign_out(*, user: User | None, refresh: str | None = None) -> int:
    """Sign out: blacklist ``refresh`` when given, else every live refresh token of ``user``.

    Without a refresh token the caller must be signed in (its access token names the account);
    returns how many refresh tokens were revoked (1 for a given token, revoked or not).
    """
    if refresh is not None:
        token_revoke(refresh=refresh)
        return 1
    if user is None:
        raise AuthenticationRefused(
            _("Send the refresh token, or sign in to end every session."),
            code="not_authenticated",
        )
    return tokens_revoke_all(user=user)


# --- sign-up and sign-in -----------------------------------------------------------------------


@transaction.atomic
def user_signup(
    *,
    email: str,
    password: str,
    username: str = "",
    first_name: str = "",
    last_name: str = "",
    display_name: str = "",
    language: str = "en",
    time_zone: str = "UTC",
    interests: Mapping[str, Any] | None = None,
) -> User:
    """Create a member account and e-mail a verification link after commit.

    E-mail and username uniqueness are case-insensitive and enforced by the database (unique
    lower(email), unique lower(username)), so two concurrent sign-ups with one address or one
    username in any case give one account and one validation error naming the field.
    """
    email = UserManager.normalize_email(email)
    username = username.strip()
    if username:
        _username_check(username)
    if _by_email(email).exists():
        raise _email_taken_error()
    if username and _by_username(username).exists():
        raise _username_taken_error()
    user = User(
        email=email,
        username=username,
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
        # A concurrent sign-up won the race; the unique index it hit says which field.
        if username and _by_username(username).exists():
            raise _username_taken_error() from None
        raise _email_taken_error() from None
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    user_onboard(user=user)
    email_verification_send_task.delay_on_commit(user.pk)
    return user


@transaction.atomic
def user_login(*, login: str, password: str) -> User:
    """Check the credentials and record the sign-in; ``login`` is an e-mail address or username.

    Attempts are counted per account in the shared cache (``accounts.login_limits``), whichever
    name was typed for it; raises ``login_limits.LoginLocked`` while its sign-in is locked.
    """
    user = user_by_login(login)
    key = login_limits.login_key(user.pk if user is not None else None, login)
    login_limits.attempt_begin(key)
    if user is None:
        make_password(password)  # same work as a real check: timing tells nothing
        valid = False
    else:
        valid = user.check_password(password)
    if not valid:
        raise AuthenticationRefused(_("Incorrect e-mail address, username or password."))
    login_limits.attempt_succeeded(key)
    if not user.is_active:
        raise _suspended()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user


# --- profile -----------------------------------------------------------------------------------


def _image_store(slot: str, upload: UploadedFile) -> str:
    """Check and re-encode ``upload`` for ``slot``, write it to storage, return its name.

    Runs before any row lock: decoding and storage writes take their time (docs/pitfalls.md).
    """
    try:
        prepared = image_prepare(upload, limits=IMAGE_LIMITS[slot])
    except ImageRejected as exc:
        raise ValidationFailed(fields={slot: [str(exc)]}) from None
    field = User._meta.get_field(slot)
    content = prepared.as_file()
    return field.storage.save(field.generate_filename(None, content.name), content)


def _storage() -> Storage:
    return User._meta.get_field("avatar").storage


def _delete_files_on_commit(names: list[str]) -> None:
    storage = _storage()
    for name in names:
        if name:
            transaction.on_commit(lambda name=name: storage.delete(name), robust=True)


def _username_change(user: User, username: str, now: datetime) -> None:
    """Validate a new username for ``user`` (called while holding the user row lock)."""
    if username:
        _username_check(username)
        if _by_username(username).exclude(pk=user.pk).exists():
            raise _username_taken_error()
    cooldown = timedelta(days=getattr(settings, "ACCOUNTS_USERNAME_CHANGE_COOLDOWN_DAYS", 30))
    last = user.username_changed_at
    if not user.is_staff and last is not None and now < last + cooldown:
        raise ValidationFailed(
            fields={
                "username": [
                    _("You can change your username again on %(date)s.")
                    % {"date": (last + cooldown).date().isoformat()}
                ]
            }
        )


def user_profile_update(
    *,
    user: User,
    data: Mapping[str, Any],
    avatar: UploadedFile | None = UNSET,
    banner: UploadedFile | None = UNSET,
    writes: Mapping[str, Any] | None = None,
) -> User:
    """Change the owner's profile fields; ``avatar``/``banner`` None removes the picture.

    New pictures are re-encoded (``core.images``) and written to storage first, before any lock;
    then, in one transaction holding the user row lock (FOR NO KEY UPDATE), the fields change and
    the picture references are swapped. Replaced files are deleted after commit; the new files
    are deleted again when the transaction fails. ``writes`` are values for the profile writers
    other apps register (``extensions.register_profile_writer``), applied in the same
    transaction. Calls ``extensions.profile_changed`` with the names that really changed.

    A username change is validated (format, reserved names, unique in any case) and refused
    within ``ACCOUNTS_USERNAME_CHANGE_COOLDOWN_DAYS`` of the previous change, staff excepted.
    """
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    writers = extensions.profile_writers()
    unknown = set(writes or {}) - set(writers)
    if unknown:
        raise ValueError(f"no profile writer for: {sorted(unknown)}")
    stored: dict[str, str | None] = {}
    try:
        for slot, upload in (("avatar", avatar), ("banner", banner)):
            if upload is UNSET:
                continue
            stored[slot] = None if upload is None else _image_store(slot, upload)
        return _profile_apply(user=user, data=data, images=stored, writes=writes or {})
    except BaseException:
        storage = _storage()
        for name in stored.values():
            if name:
                storage.delete(name)
        raise


@transaction.atomic
def _profile_apply(
    *,
    user: User,
    data: Mapping[str, Any],
    images: Mapping[str, str | None],
    writes: Mapping[str, Any],
) -> User:
    """The locked part of ``user_profile_update``: only field values and file names change."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    now = timezone.now()
    changed: set[str] = set()
    for name, value in data.items():
        if getattr(user, name) == value:
            continue
        if name == "username":
            _username_change(user, value, now)
            user.username_changed_at = now
            changed.add("username_changed_at")
        setattr(user, name, value)
        changed.add(name)
    if (user.latitude is None) != (user.longitude is None):
        missing = "longitude" if user.longitude is None else "latitude"
        raise ValidationFailed(
            fields={missing: [_("Give both latitude and longitude, or neither.")]}
        )
    try:
        user.full_clean(
            exclude=["password", "email", "avatar", "banner"],
            validate_unique=False,
            validate_constraints=False,
        )
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from None
    replaced: list[str] = []
    for slot, name in images.items():
        old_name = getattr(user, slot).name or ""
        if name is None and not old_name:
            continue
        setattr(user, slot, name)
        replaced.append(old_name)
        changed.add(slot)
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=sorted(changed))
        except IntegrityError:  # a concurrent change took the username first
            raise _username_taken_error() from None
        _delete_files_on_commit(replaced)
    writers = extensions.profile_writers()
    for name, value in writes.items():
        writers[name].apply(user, value)
        changed.add(name)
    if changed:
        extensions.profile_changed(user, changed - {"username_changed_at"})
    return user


# --- passwords ---------------------------------------------------------------------------------


@transaction.atomic
def user_password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Set a new password after checking the current one; every refresh token is revoked.

    Accounts without a password (Google sign-in only) set their first one by password reset,
    so a stolen access token cannot add a password to them. Locks the user row.
    """
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
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
    user = User.objects.select_for_update(no_key=True).filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise _reset_link_invalid()
    errors = _password_errors(new_password, user)
    if errors:
        raise ValidationFailed(fields={"new_password": errors})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    tokens_revoke_all(user=user)
    _email_mark_verified(user)
    login_limits.attempt_succeeded(login_limits.login_key(user.pk, user.email))
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
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    target = role_group(role)
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUP_NAMES).exclude(pk=target.pk))
    user.groups.add(target)
    keeps_other_groups = user.groups.exclude(name__in=ROLE_GROUP_NAMES).exists()
    user.is_staff = role in STAFF_ROLES or keeps_other_groups
    if role != Role.ADMIN:
        user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def _sockets_close(user_id: int) -> None:
    """Tell every open socket of the account to close (4403); runs after commit."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(account_group(user_id), {"type": ACCOUNT_REVOKED})


@transaction.atomic
def user_suspend(*, user: User, reason: str) -> User:
    """Suspend an account: it cannot sign in, its tokens and sockets stop working at once.

    Access tokens are refused because the account is inactive, and those issued until now stay
    refused after a reactivation (``tokens_valid_after``; accounts.authentication and the
    WebSocket middleware check both); refresh tokens are blacklisted. After commit, every open
    socket of the account, idle ones included, is closed with 4403 through the channel layer.
    Locks the user row.
    """
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    if user.deleted_at is not None:
        raise Conflict(_("This account has been deleted."))
    if user.suspended_at is not None:
        raise Conflict(_("This account is already suspended."))
    now = timezone.now()
    user.is_active = False
    user.suspended_at = now
    user.suspension_reason = reason
    user.tokens_valid_after = now
    user.save(
        update_fields=["is_active", "suspended_at", "suspension_reason", "tokens_valid_after"]
    )
    tokens_revoke_all(user=user)
    user_id = user.pk
    transaction.on_commit(lambda: _sockets_close(user_id), robust=True)
    return user


@transaction.atomic
def user_reactivate(*, user: User) -> User:
    """Lift a suspension; tokens issued before it stay dead. Locks the user row."""
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
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
    """Delete the caller's own account (after checking their password) by anonymising it.

    Takes the same row lock as ``user_anonymise`` (FOR UPDATE: the e-mail, a key, changes).
    """
    user = User.objects.select_for_update(no_key=False).get(pk=user.pk)
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
    Wagtail admin. Locks the user row with FOR UPDATE, not NO KEY UPDATE: the e-mail column
    has a unique index, so rewriting it is a key change.
    """
    user = User.objects.select_for_update(no_key=False).get(pk=user.pk)
    if user.deleted_at is not None:
        return user
    extensions.user_deleted(user)
    old_files = [user.avatar.name or "", user.banner.name or ""]
    for name in PROFILE_FIELDS - {"language", "time_zone"}:
        field = User._meta.get_field(name)
        setattr(user, name, field.get_default() if not field.null else None)
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.username_changed_at = None
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
    _delete_files_on_commit(old_files)
    login_limits.attempt_succeeded(login_limits.login_key(user.pk, ""))
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


# PostgreSQL's SQLSTATE for "deadlock detected": the server aborted one transaction of a cycle.
DEADLOCK_DETECTED = "40P01"
GOOGLE_SIGN_IN_ATTEMPTS = 3


def _is_deadlock(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def google_sign_in(
    *, identity: GoogleIdentity, tokens: GoogleTokens | None = None
) -> tuple[User, bool]:
    """``_google_sign_in`` in its own transaction, tried again when PostgreSQL breaks a deadlock.

    Simultaneous first sign-ins of one Google account each insert the member, the onboarding
    rows (wallet, signup bonus) and the link; under load PostgreSQL can find a lock cycle
    between them and abort one transaction. Everything it did is rolled back, so running it again
    is safe, and it then finds the account the other one made.
    """
    for attempt in range(1, GOOGLE_SIGN_IN_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _google_sign_in(identity=identity, tokens=tokens)
        except OperationalError as error:
            if attempt == GOOGLE_SIGN_IN_ATTEMPTS or not _is_deadlock(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _google_sign_in(
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
        user = _by_email(email).select_for_update(no_key=True).first()
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
