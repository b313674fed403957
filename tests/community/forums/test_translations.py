"""Every text the forums show has an Arabic translation in the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _msgids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "community" / "forums").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        found.update(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)*)"\s*\)', path.read_text()))
    for path in (ROOT / "site" / "templates" / "community" / "forums").rglob("*.html"):
        text = path.read_text()
        found.update(re.findall(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"', text))
        found.update(re.findall(r"{%\s*translate\s+'((?:[^'\\]|\\.)*)'", text))
        for block in re.findall(
            r"{%\s*blocktranslate[^%]*%}(.*?){%\s*endblocktranslate", text, re.S
        ):
            for part in re.split(r"{%\s*plural\s*%}", block):
                found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", part))
    return found


def test_every_forum_text_has_arabic():
    # given the catalogue's msgids
    catalogue = polib.pofile(str(ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"))
    translated = {
        text
        for entry in catalogue
        if entry.translated() and not entry.obsolete
        for text in (entry.msgid, entry.msgid_plural)
        if text
    }

    # when the forums' texts are looked up
    missing = sorted(m for m in _msgids() if m not in translated)

    # then none is without Arabic
    assert missing == []
