"""Base serializers for input: unknown fields refused, text cleaned, dates bounded (docs/api.md).

A field the API does not know is a 400 naming it, never dropped in silence: a client that misspells
``scheduled_start`` must learn it, not get a swap with no time. Every input serializer derives from
``InputSerializer`` or ``InputModelSerializer``; a test walks the schema's write endpoints and
sends each an unknown field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import BoundedDateField, BoundedDateTimeField, CleanCharField

UNKNOWN_FIELD_MESSAGE = _("This field is not known.")


# The classes below carry comments, not docstrings: drf-spectacular would publish a docstring as the
# description of every input component that derives from them.


class StrictFieldsMixin:
    # Refuse input keys that name no field of the serializer.

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = sorted(str(key) for key in data if key not in known)
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD_MESSAGE] for key in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class InputSerializer(StrictFieldsMixin, serializers.Serializer):
    # A plain input serializer: unknown fields are a 400.
    pass


class InputModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    # A model serializer for input: unknown fields are a 400, text cleaned, dates bounded.

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CleanCharField,
        models.TextField: CleanCharField,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
    }
