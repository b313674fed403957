"""Every non-trivial read of the accounts app: ``<entity>_list`` / ``<entity>_get``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts import extensions
from accounts.models import User
from accounts.roles import Role, parse_role, role_expression

USER_STATUSES = ("active", "suspended", "deleted")
USER_STATUS_CHOICES = [(status, status) for status in USER_STATUSES]


def _email_verified() -> Exists:
    return Exists(
        EmailAddress.objects.filter(user_id=OuterRef("pk"), email=OuterRef("email"), verified=True)
    )


def user_queryset() -> QuerySet[User]:
    """Users with ``role_name`` and ``email_is_verified`` computed in SQL (one query a list)."""
    return User.objects.annotate(role_name=role_expression(), email_is_verified=_email_verified())


def user_profile_get(*, user_id: int) -> User:
    """The full profile of one account (the owner's own view)."""
    return user_queryset().get(pk=user_id)


@functools.cache
def _active_member_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    meta = User._meta
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    active = quote(meta.get_field("is_active").column)
    suspended = quote(meta.get_field("suspended_at").column)
    # Identifiers from the model's own metadata, quoted; the id is a parameter.
    return f"SELECT {pk} FROM {table} WHERE {pk} = %s AND {active} AND {suspended} IS NULL"  # noqa: S608


def active_member_ref(*, user_id: int) -> User | None:
    """The active, unsuspended account ``user_id`` as a reference (only its id loaded; any other
    field loads on first use), or None. One indexed read, for a request naming its recipient."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    low, high = connection.ops.integer_field_range(User._meta.pk.get_internal_type())
    if not low <= user_id <= high:  # no such row, and out of the driver's range
        return None
    with connection.cursor() as cursor:
        cursor.execute(_active_member_sql(alias), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    return User.from_db(alias, [User._meta.pk.attname], [row[0]])


def user_public_queryset(*, viewer: User) -> QuerySet[User]:
    """Accounts whose public profile ``viewer`` may see: active ones; every one for staff."""
    queryset = user_queryset()
    if viewer.has_perm("accounts.view_user"):
        return queryset
    return queryset.filter(is_active=True, deleted_at__isnull=True)


def user_list() -> QuerySet[User]:
    """Every account for staff screens, newest first; filter with the two functions below."""
    return user_queryset().order_by("-date_joined", "-id")


def users_of_role(queryset: QuerySet[User], role: str) -> QuerySet[User]:
    """Narrow a ``user_queryset()`` to one role (seed 004's aliases accepted)."""
    parsed = parse_role(role)
    if parsed is None:
        return queryset.none()
    return queryset.filter(role_name=parsed.value)


def users_of_status(queryset: QuerySet[User], status: str) -> QuerySet[User]:
    """Narrow to ``active``, ``suspended`` or ``deleted`` accounts."""
    if status == "active":
        return queryset.filter(is_active=True, deleted_at__isnull=True)
    if status == "suspended":
        return queryset.filter(deleted_at__isnull=True).filter(
            Q(is_active=False) | Q(suspended_at__isnull=False)
        )
    if status == "deleted":
        return queryset.filter(deleted_at__isnull=False)
    return queryset.none()


def role_members(*, role: Role) -> QuerySet[User]:
    """Active accounts of one role (for other apps: "every expert", "every moderator")."""
    return (
        User.objects.annotate(role_name=role_expression())
        .filter(role_name=role.value, is_active=True)
        .order_by("id")
    )


# --- Google credentials ------------------------------------------------------------------------


@dataclass(frozen=True)
class GoogleCredentials:
    """What google-auth's ``Credentials(...)`` needs to call Google APIs for the user."""

    token: str
    refresh_token: str
    token_uri: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    expiry: datetime | None

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def google_credentials_get(user: User) -> GoogleCredentials | None:
    """The user's stored Google OAuth credentials, or None when they never granted any.

    Scopes are those Google reported at the code exchange (``POST auth/google`` with a code);
    for the browser flow, where django-allauth does not keep Google's answer, they are the
    scopes requested in SOCIALACCOUNT_PROVIDERS, and a call missing one fails with Google's 403.
    """
    token = (
        SocialToken.objects.select_related("account")
        .filter(account__user=user, account__provider="google")
        .order_by("-id")
        .first()
    )
    if token is None:
        return None
    requested = settings.SOCIALACCOUNT_PROVIDERS.get("google", {}).get("SCOPE", [])
    scopes = token.account.extra_data.get("granted_scopes") or requested
    return GoogleCredentials(
        token=token.token,
        refresh_token=token.token_secret,
        token_uri=settings.GOOGLE_TOKEN_URL,
        client_id=settings.GOOGLE_CLIENT_ID,
        client_secret=settings.GOOGLE_CLIENT_SECRET,
        scopes=tuple(sorted(scopes)),
        expiry=token.expires_at,
    )


# --- data export -------------------------------------------------------------------------------


def user_export(*, user: User) -> dict[str, Any]:
    """Everything accounts (and, through extensions, every other app) holds on ``user``."""
    user = user_queryset().get(pk=user.pk)
    social = SocialAccount.objects.filter(user=user).order_by("id")
    return {
        "generated_at": timezone.now(),
        "account": user,
        "email_addresses": list(
            EmailAddress.objects.filter(user=user)
            .order_by("id")
            .values("email", "verified", "primary")
        ),
        "social_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": account.date_joined,
                "last_login": account.last_login,
                "granted_scopes": account.extra_data.get("granted_scopes", []),
            }
            for account in social
        ],
        "sections": extensions.export_sections(user),
    }
