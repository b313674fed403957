"""Every text events shows a member has an Arabic translation: in the project's catalogue, or in
``locale/pending/h3.json`` until the lead merges it (scripts/po_fill.py)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

from messaging import notification_kinds

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    *sorted((ROOT / "community" / "events").rglob("*.py")),
    *sorted((ROOT / "site" / "templates" / "community" / "events").glob("*.html")),
]
# _("…") in Python; {% translate "…" %} and single-line {% blocktranslate %}…{% plural %} in
# templates (the blocktranslate msgid is its text with {{ name }} as %(name)s).
PYTHON_MSGID = re.compile(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)')
TEMPLATE_MSGID = re.compile(r'{% translate "([^"]+)" %}')
BLOCK_MSGID = re.compile(r"{% blocktranslate[^%]*%}(.*?){% (?:plural|endblocktranslate) %}")


def _arabic() -> dict[str, object]:
    catalogue = polib.pofile(str(ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    known: dict[str, object] = {
        entry.msgid: entry.msgstr or any(entry.msgstr_plural.values())
        for entry in catalogue
        if not entry.obsolete and "fuzzy" not in entry.flags
    }
    pending = ROOT / "locale" / "pending" / "h3.json"
    if pending.exists():
        known.update(json.loads(pending.read_text(encoding="utf-8")))
    return known


def _msgids() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found.update(ast.literal_eval(f'"{match}"') for match in PYTHON_MSGID.findall(text))
        else:
            found.update(TEMPLATE_MSGID.findall(text))
            found.update(
                re.sub(r"{{ (\w+) }}", r"%(\1)s", block) for block in BLOCK_MSGID.findall(text)
            )
    return found


def test_every_text_of_events_has_an_arabic_translation():
    known = _arabic()
    missing = sorted(msgid for msgid in _msgids() if not known.get(msgid))
    assert missing == []


@pytest.mark.parametrize(
    "kind", [spec.kind for spec in notification_kinds.kinds() if spec.kind.startswith("event_")]
)
def test_each_event_notification_has_arabic_texts(kind):
    spec = notification_kinds.get(kind)
    known = _arabic()
    assert 800 <= spec.order <= 849
    with translation.override(None):
        msgids = [str(text) for text in (spec.label, spec.title, spec.body)]
    assert [msgid for msgid in msgids if not known.get(msgid)] == []
