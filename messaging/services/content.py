"""What a message's text may be: the platform's text rule, plus the chat's trimming rules."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ValidationFailed
from core.text import text_clean

_BLANK_LINES = re.compile(r"\n{3,}")
PREVIEW_LENGTH = 140


def message_content_clean(raw: str | None) -> str:
    """Return the text as the member wrote it, minus what can only deceive, trimmed.

    ``core.text.text_clean`` drops control and bidi-override characters (a link that reads
    backwards) and normalises Unicode; nothing else is removed: ``if a<b and c>d then`` is stored
    as written and escaped wherever it is shown as HTML (docs/pitfalls.md, strip_tags). Runs of
    blank lines collapse to one and surrounding whitespace goes.
    """
    text = text_clean(raw)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def validated_content(raw: str | None, *, has_attachments: bool) -> str:
    """The cleaned text, or ``ValidationFailed`` (too long; empty without attachments)."""
    content = message_content_clean(raw)
    limit = settings.MESSAGING_MESSAGE_MAX_LENGTH
    if len(content) > limit:
        raise ValidationFailed(
            fields={
                "content": [
                    _("Ensure this field has no more than %(limit)d characters.") % {"limit": limit}
                ]
            }
        )
    if not content and not has_attachments:
        raise ValidationFailed(fields={"content": [_("Write a message or attach a file.")]})
    return content


def preview(content: str) -> str:
    """One line of at most ``PREVIEW_LENGTH`` characters (notifications, digests)."""
    flat = " ".join(content.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[: PREVIEW_LENGTH - 1] + "…"
