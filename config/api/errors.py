"""The one error shape of the API (docs/api.md, "Errors"), for every error from every endpoint.

    {"error": {"code": "validation_error", "message": "…", "fields": {"email": ["…"]}}}

Services raise the ``ApplicationError`` family (``core/exceptions.py``); DRF and Django raise their
own exceptions; this module maps all of them, in the request's language, with the right status.
Unhandled exceptions become a 500 whose body never carries a traceback (the log gets it).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.unavailable import RETRY_AFTER_SECONDS, service_unavailable, unavailable_message
from core.exceptions import ApplicationError

logger = logging.getLogger("skillswap.api")


# DRF exception class → our code. Order matters: subclasses before their bases.
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "validation_error"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]

VALIDATION_MESSAGE = _("Some fields are not valid.")
SERVER_ERROR_MESSAGE = _("Something went wrong on our side. Please try again later.")
NOT_FOUND_MESSAGE = _("Not found.")
TOO_LARGE_MESSAGE = _("The request body is too large.")
BAD_REQUEST_MESSAGE = _("The request could not be understood.")


def error_body(code: str, message: str, fields: dict | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"code": code, "message": force_str(message), "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def _flatten_fields(detail: Any) -> dict[str, list[str]]:
    """Turn DRF's nested detail into ``{"field": ["message", …]}`` (nested keys dotted)."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                fields.setdefault(prefix or "non_field_errors", []).extend(
                    force_str(item) for item in value
                )
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields.setdefault(prefix or "non_field_errors", []).append(force_str(value))

    walk("", detail)
    return fields


def _drf_code(exc: exceptions.APIException) -> str:
    for klass, code in _DRF_CODES:
        if isinstance(exc, klass):
            return code
    return force_str(getattr(exc, "default_code", "error"))


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes the one error shape."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code
        )

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when DRF reads it.
        exc = exceptions.ParseError(TOO_LARGE_MESSAGE)
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        # Too many fields, a malformed multipart body: the client's fault, never a 500.
        exc = exceptions.ParseError(BAD_REQUEST_MESSAGE)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )

    if not isinstance(exc, exceptions.APIException) and service_unavailable(exc):
        # The pool timed out or PostgreSQL is down: try again shortly (config/unavailable.py).
        logger.warning("Database unavailable: %s", exc)
        set_rollback()
        return Response(
            error_body("service_unavailable", unavailable_message()),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API exception", exc_info=exc)
        set_rollback()
        return Response(
            error_body("server_error", SERVER_ERROR_MESSAGE),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    code = _drf_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        message = VALIDATION_MESSAGE
        non_field = fields.get("non_field_errors")
        if non_field and len(fields) == 1:
            message = non_field[0]
    else:
        fields = {}
        detail = exc.detail
        if isinstance(detail, dict):
            # simplejwt puts its explanation under "detail" and extra data under "messages".
            message = force_str(detail.get("detail", exc.default_detail))
        elif isinstance(detail, list):
            message = " ".join(force_str(item) for item in detail)
        else:
            message = force_str(detail)
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    set_rollback()
    return Response(
        error_body(code, message, fields, **extra), status=exc.status_code, headers=headers
    )


# --- Django-level errors under /api/ (unknown URL, crashes outside a DRF view) -------------------


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error_response(
    request: HttpRequest, status_code: int, *, code: str | None = None, message: Any = None
) -> JsonResponse:
    default_code, default_message = {
        400: ("bad_request", BAD_REQUEST_MESSAGE),
        403: ("permission_denied", _("You do not have permission to perform this action.")),
        404: ("not_found", NOT_FOUND_MESSAGE),
        500: ("server_error", SERVER_ERROR_MESSAGE),
    }[status_code]
    return JsonResponse(
        error_body(code or default_code, message or default_message),
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )


def api_unavailable_response(request: HttpRequest) -> JsonResponse:
    """503 in the error shape, with Retry-After: the database cannot be reached right now."""
    response = JsonResponse(
        error_body("service_unavailable", unavailable_message()),
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Exempt: a POST to a path that does not exist is a 404, not Django's HTML CSRF page (the API
# authenticates with bearer tokens, never cookies, so there is no session to protect here).
@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown paths under /api/: a 404 in the error shape, whatever the method."""
    return api_error_response(request, 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a 403 in the error shape under /api/, Django's page elsewhere."""
    if is_api_request(request):
        return api_error_response(
            request,
            403,
            code="csrf_failed",
            message=_("The request was refused: its CSRF check failed."),
        )
    return django_csrf_failure(request, reason=reason)
