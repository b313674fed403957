"""JWT authentication for the REST API: simplejwt's, plus the account's token cutoff.

simplejwt refuses tokens of inactive accounts, but a suspension followed by a reactivation would
bring the access tokens issued before the suspension back to life (docs/pitfalls.md, simplejwt).
The account's ``tokens_valid_after`` (set by ``services.user_suspend``) is checked against the
token's ``iat``; the WebSocket middleware (``accounts.websocket_auth``) and the refresh service
apply the same rule through ``token_predates_cutoff``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password


def token_predates_cutoff(user: Any, issued_at: Any) -> bool:
    """Whether a token issued at ``issued_at`` (the JWT ``iat``, epoch seconds) is dead for
    ``user`` because it was issued at or before the account's ``tokens_valid_after``.

    ``iat`` has whole seconds, so a token from the very second of a suspension counts as issued
    before it: a token that predates a suspension must never come back to life.
    """
    cutoff = getattr(user, "tokens_valid_after", None)
    if cutoff is None:
        return False
    if not isinstance(issued_at, int | float) or isinstance(issued_at, bool):
        return True
    return int(issued_at) <= int(cutoff.timestamp())


@dataclass(frozen=True)
class _CompiledUserQuery:
    """``user_queryset().filter(pk=…)`` compiled once: its SQL and how to build the row."""

    sql: str
    params: tuple[Any, ...]
    pk_index: int  # where the id goes among the parameters
    model_slice: slice  # the model's columns in the row
    attnames: list[str]  # their attribute names, in order
    annotations: list[tuple[str, int]]  # (name, column) of role_name and email_is_verified
    converters: list[tuple[int, list[Any], Any]]  # (column, converters, expression)


# The authenticated user's query, compiled once per process and database: building the annotated
# query (role and e-mail verification) cost more CPU than running it, and so did a raw queryset's
# per-row column mapping (docs/benchmarks.md, "Reads and serving").
_USER_QUERY: dict[str, _CompiledUserQuery] = {}
_PK_MARK = -7_391_540_263  # no row has this id; it marks the id's place among the parameters


def _compile_user_query(alias: str) -> _CompiledUserQuery:
    from accounts.selectors import user_queryset

    compiler = user_queryset().filter(pk=_PK_MARK).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    select = compiler.select
    columns = compiler.klass_info["select_fields"]
    model_slice = slice(columns[0], columns[-1] + 1)
    converters = compiler.get_converters([column for column, _sql, _alias in select])
    return _CompiledUserQuery(
        sql=sql,
        params=tuple(params),
        pk_index=list(params).index(_PK_MARK),
        model_slice=model_slice,
        attnames=[column.target.attname for column, _sql, _alias in select[model_slice]],
        annotations=list(compiler.annotation_col_map.items()),
        converters=[(index, convs, expr) for index, (convs, expr) in converters.items()],
    )


def _user_by_id(user_model: Any, user_id: Any) -> Any:
    """The user with ``role_name`` and ``email_is_verified`` (as ``user_queryset()`` gives), or
    None when there is no such user."""
    from accounts.selectors import user_queryset

    try:
        pk = user_model._meta.pk.to_python(user_id)
    except (DjangoValidationError, TypeError, ValueError):
        return None
    if pk is None or user_model._meta.pk.attname != api_settings.USER_ID_FIELD:
        return user_queryset().filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    alias = router.db_for_read(user_model)
    query = _USER_QUERY.get(alias)
    if query is None:
        query = _USER_QUERY.setdefault(alias, _compile_user_query(alias))
    connection = connections[alias]
    if isinstance(pk, int):
        low, high = connection.ops.integer_field_range(user_model._meta.pk.get_internal_type())
        if not low <= pk <= high:  # no such row, and beyond what the driver binds
            return None
    params = list(query.params)
    params[query.pk_index] = pk
    with connection.cursor() as cursor:
        cursor.execute(query.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for index, convs, expression in query.converters:
        for converter in convs:
            row[index] = converter(row[index], expression, connection)
    user = user_model.from_db(alias, query.attnames, row[query.model_slice])
    for name, index in query.annotations:
        setattr(user, name, row[index])
    # SQLite answers EXISTS with 0 or 1.
    user.email_is_verified = bool(user.email_is_verified)
    return user


class JWTAuthentication(SimpleJWTAuthentication):
    """``Authorization: Bearer <access JWT>``; tokens from before a suspension are refused.

    The user comes from ``accounts.selectors.user_queryset()`` (role and e-mail verification
    computed in the same SQL), so a view that shows the caller's own profile needs no second user
    query. The checks are simplejwt's own (active account, password-change revocation), in order.
    """

    def get_user(self, validated_token: Any) -> Any:
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user = _user_by_id(self.user_model, user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        if token_predates_cutoff(user, validated_token.get("iat")):
            raise AuthenticationFailed(
                _("This token was issued before the account was suspended; sign in again."),
                code="token_not_valid",
            )
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The same ``jwtAuth`` bearer scheme in the OpenAPI schema as simplejwt's own class."""

    target_class = "accounts.authentication.JWTAuthentication"
