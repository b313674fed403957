"""Every text the forums show has an Arabic translation: in the catalogue, or pending for the
lead's merge in locale/pending/h1.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

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
    # given the catalogue's msgids and the pending ones
    catalogue = (ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po").read_text()
    translated = set(re.findall(r'^msgid "(.*)"$', catalogue, re.M))
    pending = json.loads((ROOT / "locale" / "pending" / "h1.json").read_text())

    # when the forums' texts are looked up
    missing = sorted(m for m in _msgids() if m not in translated and not pending.get(m))

    # then none is without Arabic
    assert missing == []
