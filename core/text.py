"""The one rule for text that members write, wherever it is stored.

Store what the member wrote, exactly, except for what can only deceive: control characters (other
than newline and tab) and the bidirectional override and isolate characters, which make text
display differently from what it says (a link that reads backwards). Unicode is normalised to NFC
so that the same word is stored the same way. Nothing else changes: ``<`` stays ``<`` (HTML is
escaped when it is shown, never stripped on input; docs/pitfalls.md), surrounding whitespace stays
(a form field may trim it), ordinary Arabic needs none of the removed characters.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except \t and \n, DEL, C1 controls, zero-width and directional marks/embeddings/
# overrides/isolates, the BOM, and the interlinear annotation characters.
_DECEPTIVE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb]"
)


def text_clean(raw: str | None) -> str:
    """Return ``raw`` NFC-normalised, with newlines as ``\\n`` and deceptive characters removed."""
    if not raw:
        return ""
    text = unicodedata.normalize("NFC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _DECEPTIVE.sub("", text)
