#!/usr/bin/env python3
"""Fill empty translations of a .po file from a JSON object {msgid: msgstr}.

    python scripts/po_fill.py locale/ar/LC_MESSAGES/django.po translations.json

Only single-line msgids with an empty single-line msgstr are filled; existing translations are
kept, so running it again changes nothing. Used after `manage.py makemessages -l ar`.
"""

import json
import re
import sys
from pathlib import Path


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


def fill(po_path: Path, translations: dict[str, str]) -> int:
    text = po_path.read_text(encoding="utf-8")
    filled = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal filled
        msgid = unescape(match.group(2))
        if msgid in translations:
            filled += 1
            prefix = match.group(1) or ""
            return f'{prefix}msgid "{match.group(2)}"\nmsgstr "{escape(translations[msgid])}"\n'
        return match.group(0)

    pattern = re.compile(r'^(#, fuzzy\n)?msgid "(.+)"\nmsgstr ""\n(?!")', re.MULTILINE)
    text = pattern.sub(lambda m: replace(m).replace("#, fuzzy\n", ""), text)
    # makemessages marks a new file's header fuzzy, and msgfmt then drops its Plural-Forms.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', 1)
    language = po_path.parent.parent.name
    text = text.replace('"Language: \\n"', f'"Language: {language}\\n"', 1)
    po_path.write_text(text, encoding="utf-8")
    return filled


if __name__ == "__main__":
    po, source = Path(sys.argv[1]), Path(sys.argv[2])
    count = fill(po, json.loads(source.read_text(encoding="utf-8")))
    print(f"filled {count} translations in {po}")
