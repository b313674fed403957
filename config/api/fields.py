"""Serializer fields that apply the platform's input rules at the API's edge (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.text import text_clean

# Every date and time a member sends must fall in this window: far enough for any real schedule or
# birth date, near enough that adding a duration or a time zone offset can never overflow
# (``9999-12-31T23:59:59Z`` plus an hour is an OverflowError in Python; docs/pitfalls.md).
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2200, 12, 31)


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


class BoundedDateTimeField(serializers.DateTimeField):
    """A DateTimeField that refuses instants outside ``DATE_MIN``..``DATE_MAX`` with a 400."""

    default_error_messages = {
        "out_of_range": _("Enter a date between %(min)s and %(max)s."),
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        parsed = super().to_internal_value(value)
        if not DATE_MIN <= parsed.date() <= DATE_MAX:
            self.fail("out_of_range", min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
        return parsed


class BoundedDateField(serializers.DateField):
    """A DateField that refuses dates outside ``DATE_MIN``..``DATE_MAX`` with a 400."""

    default_error_messages = {
        "out_of_range": _("Enter a date between %(min)s and %(max)s."),
    }

    def to_internal_value(self, value: Any) -> dt.date:
        parsed = super().to_internal_value(value)
        if not DATE_MIN <= parsed <= DATE_MAX:
            self.fail("out_of_range", min=DATE_MIN.isoformat(), max=DATE_MAX.isoformat())
        return parsed
