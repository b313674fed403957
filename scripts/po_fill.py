#!/usr/bin/env python3
"""Fill translations of a .po catalogue from JSON files of {msgid: translation}.

    python scripts/po_fill.py locale/ar/LC_MESSAGES/django.po locale/pending/*.json

Used after ``manage.py makemessages -l ar`` (docs/architecture.md, "Translations"). The catalogue
is read and written with polib, so wrapped, escaped and multi-line msgids (``\\n`` inside) are
understood exactly as gettext understands them.

- A key is the exact msgid, placeholders included. A msgid with a context is keyed
  ``"context\\u0004msgid"`` (gettext's own separator).
- The value of an ordinary entry is a string. The value of a plural entry (``msgid_plural``) is
  a list with one string per plural form of the catalogue's language, in the order of its
  ``Plural-Forms`` header (Arabic has six: zero, one, two, few, many, other).
- An entry is (re)written when its msgid is in a JSON file and it is untranslated or fuzzy
  (msgmerge's guess from a similar old msgid, usually wrong); reviewed translations are kept.
  Filling clears the fuzzy flag and the previous msgid msgmerge recorded.
- A value of the wrong kind (a string for a plural entry, a list of the wrong length, a list for
  an ordinary entry) is reported and left out; the script then exits with status 1.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polib

Translation = str | list[str]
CONTEXT_SEPARATOR = "\x04"
# The wrap width at which a round trip changes the fewest lines of a msgmerge-written catalogue.
WRAP_WIDTH = 79


@dataclass
class FillReport:
    filled: int = 0
    problems: list[str] = field(default_factory=list)


def plural_count(po: polib.POFile) -> int | None:
    """The ``nplurals`` of the catalogue's ``Plural-Forms`` header, or None without one."""
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else None


def entry_key(entry: polib.POEntry) -> str:
    if entry.msgctxt:
        return f"{entry.msgctxt}{CONTEXT_SEPARATOR}{entry.msgid}"
    return entry.msgid


def needs_translation(entry: polib.POEntry) -> bool:
    if "fuzzy" in entry.flags:
        return True
    if entry.msgid_plural:
        return not any(entry.msgstr_plural.values())
    return not entry.msgstr


def _fill_entry(
    entry: polib.POEntry, value: Translation, nplurals: int | None, report: FillReport
) -> bool:
    key = entry_key(entry)
    if entry.msgid_plural:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            report.problems.append(f"{key!r}: a plural entry needs a list of strings")
            return False
        if nplurals is not None and len(value) != nplurals:
            report.problems.append(
                f"{key!r}: {len(value)} plural forms given, the catalogue has {nplurals}"
            )
            return False
        entry.msgstr_plural = dict(enumerate(value))
    else:
        if not isinstance(value, str):
            report.problems.append(f"{key!r}: an entry without plural needs a string")
            return False
        entry.msgstr = value
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    entry.previous_msgctxt = None
    entry.previous_msgid = None
    entry.previous_msgid_plural = None
    return True


def fill_catalogue(po: polib.POFile, translations: Mapping[str, Translation]) -> FillReport:
    """Fill ``po`` in place from ``translations``; return what was filled and what was refused."""
    report = FillReport()
    nplurals = plural_count(po)
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        key = entry_key(entry)
        if key not in translations or not needs_translation(entry):
            continue
        report.filled += _fill_entry(entry, translations[key], nplurals, report)
    return report


def _fix_header(po: polib.POFile, po_path: Path) -> None:
    # makemessages marks a new catalogue's header fuzzy, and msgfmt then ignores its Plural-Forms.
    po.metadata_is_fuzzy = False
    if not po.metadata.get("Language"):
        po.metadata["Language"] = po_path.parent.parent.name


def fill(po_path: Path, translations: Mapping[str, Translation]) -> FillReport:
    """Fill the catalogue at ``po_path`` and write it back."""
    po = polib.pofile(str(po_path), wrapwidth=WRAP_WIDTH)
    report = fill_catalogue(po, translations)
    _fix_header(po, po_path)
    po.save(str(po_path))
    return report


def load_translations(sources: Iterable[Path]) -> dict[str, Translation]:
    """Merge the JSON files in order (a later file wins for the same msgid)."""
    merged: dict[str, Translation] = {}
    for source in sources:
        data = json.loads(source.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise SystemExit(f"{source}: expected a JSON object of msgid -> translation")
        merged.update(data)
    return merged


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    po_path = Path(argv[0])
    report = fill(po_path, load_translations(Path(source) for source in argv[1:]))
    print(f"filled {report.filled} translations in {po_path}")
    for problem in report.problems:
        print(f"not filled: {problem}", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
