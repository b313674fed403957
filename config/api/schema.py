"""OpenAPI: every operation documents the error bodies it can answer with (docs/api.md)."""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code, e.g. validation_error.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages; empty unless the request body was invalid.",
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="Seconds to wait (throttled responses only)."
    )


class ErrorResponseSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorResponseSerializer, description=description)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses each operation can produce."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, str] = {}
        if self.method in {"POST", "PUT", "PATCH"} or self._has_query_filters():
            errors["400"] = "Invalid input (`validation_error`, `parse_error`)."
        if not self._allows_anonymous():
            errors["401"] = "Missing, invalid or expired access token."
            errors["403"] = "Authenticated but not allowed."
        if "{" in self.path:
            errors["404"] = "Not found, or not visible to the caller."
        if self._is_paginated_list():
            errors.setdefault(
                "400", "Invalid input (`validation_error`: e.g. `page` is not a number from 1)."
            )
            errors.setdefault("404", "Not found: `page` is past the last page.")
        if getattr(self.view, "throttle_classes", None):
            errors["429"] = "Rate limit exceeded; see `Retry-After`."
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error_response(description), code, direction=direction
                )
        return responses

    def _allows_anonymous(self) -> bool:
        classes = getattr(self.view, "permission_classes", [])
        # A permission may let anonymous callers use only some methods (reads of a public
        # catalogue): it names them in ``anonymous_methods``.
        return any(
            klass in (permissions.AllowAny,)
            or self.method in getattr(klass, "anonymous_methods", ())
            for klass in classes
        )

    def _is_paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and self._get_paginator() is not None
            and self._is_list_view(self.get_response_serializers())
        )

    def _has_query_filters(self) -> bool:
        return self.method == "GET" and bool(getattr(self.view, "filterset_class", None))


def only_public_api(endpoints: list[tuple], **kwargs: object) -> list[tuple]:
    """drf-spectacular preprocessing hook: keep the endpoints under /api/v1/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
