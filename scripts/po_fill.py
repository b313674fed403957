#!/usr/bin/env python3
"""Fill translations of a .po file from JSON objects {msgid: msgstr}.

    python scripts/po_fill.py locale/ar/LC_MESSAGES/django.po locale/pending/*.json

Used after `manage.py makemessages -l ar`. An entry is (re)written when its msgid is in one of the
JSON files and it is untranslated or fuzzy (msgmerge's guess from a similar old msgid, which is
usually wrong); reviewed translations already in the file are kept. Multi-line (wrapped) msgids
are understood. Plural entries are left alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return body.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    return '"' + escaped.replace("\n", "\\n") + '"'


def _field(lines: list[str], keyword: str) -> tuple[int, int, str] | None:
    """(first line, end line, value) of ``msgid``/``msgstr`` with its continuation lines."""
    for start, line in enumerate(lines):
        if line.startswith(keyword + " "):
            end = start + 1
            while end < len(lines) and lines[end].startswith('"'):
                end += 1
            return start, end, "".join(unquote(part) for part in lines[start:end])
    return None


def fill_block(block: str, translations: dict[str, str]) -> tuple[str, bool]:
    lines = block.split("\n")
    if any(line.startswith(("msgid_plural", "#~")) for line in lines):
        return block, False
    msgid, msgstr = _field(lines, "msgid"), _field(lines, "msgstr")
    if msgid is None or msgstr is None or not msgid[2] or msgid[2] not in translations:
        return block, False
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
    if msgstr[2] and not fuzzy:
        return block, False
    kept = []
    for line in lines[: msgid[0]]:
        if line.startswith("#|"):
            continue  # the previous msgid msgmerge matched against
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",") if flag.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        kept.append(line)
    rebuilt = [*kept, *lines[msgid[0] : msgid[1]], f"msgstr {quote(translations[msgid[2]])}"]
    return "\n".join(rebuilt + lines[msgstr[1] :]), True


def fill(po_path: Path, translations: dict[str, str]) -> int:
    text = po_path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    filled = 0
    for index, block in enumerate(blocks):
        blocks[index], changed = fill_block(block, translations)
        filled += changed
    text = "\n\n".join(blocks)
    # makemessages marks a new file's header fuzzy, and msgfmt then drops its Plural-Forms.
    text = text.replace('#, fuzzy\nmsgid ""\nmsgstr ""\n', 'msgid ""\nmsgstr ""\n', 1)
    language = po_path.parent.parent.name
    text = text.replace('"Language: \\n"', f'"Language: {language}\\n"', 1)
    po_path.write_text(text, encoding="utf-8")
    return filled


if __name__ == "__main__":
    po = Path(sys.argv[1])
    merged: dict[str, str] = {}
    for source in sys.argv[2:]:
        merged.update(json.loads(Path(source).read_text(encoding="utf-8")))
    count = fill(po, merged)
    print(f"filled {count} translations in {po}")
