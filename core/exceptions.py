"""The domain error family: a service refuses a request by raising one of these.

Each class fixes an HTTP-agnostic ``status_code`` and a machine ``code``. The API layer
(``config/api/errors.py``) is the only place that turns them into a response; services, selectors
and models raise them without knowing about HTTP (docs/architecture.md, "Errors").
"""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A business rule refused the request. Subclasses fix the status and the code."""

    status_code = 400
    code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else force_str(self.default_message)
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class Forbidden(ApplicationError):
    status_code = 403
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    """The object's current state does not allow the move (state machine, double booking)."""

    status_code = 409
    code = "conflict"
    default_message = _("The request conflicts with the current state of the resource.")
