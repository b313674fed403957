"""Serializer fields that apply the platform's input rules at the API's edge."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.text import text_clean


class CleanCharField(serializers.CharField):
    """A CharField whose value passes ``core.text.text_clean`` (docs/api.md, "Text").

    Every free-text field that members write uses it: the text is stored as written, minus control
    and bidi-override characters, NFC-normalised. HTML is escaped when shown, never stripped here.
    """

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        cleaned = text_clean(value)
        if self.trim_whitespace:
            cleaned = cleaned.strip()
        if not cleaned and not self.allow_blank:
            self.fail("blank")
        return cleaned
