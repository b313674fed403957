"""scripts/po_fill.py fills a catalogue through polib: escapes, wrapping, plurals, fuzzy."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import polib
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "po_fill.py"

_spec = importlib.util.spec_from_file_location("po_fill", SCRIPT)
po_fill = importlib.util.module_from_spec(_spec)
sys.modules["po_fill"] = po_fill  # dataclasses look their module up while the class is built
_spec.loader.exec_module(po_fill)

HEADER = r"""# Arabic catalogue.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: SkillSwap\n"
"Language: \n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 "
"&& n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;\n"
"""

ENTRIES = r"""
#: messaging/services.py:10
msgid ""
"First line\n"
"Second line with a \"quote\" and a tab\t."
msgstr ""

#: accounts/api/views.py:3
msgid "Welcome, %(name)s."
msgstr "أهلًا، %(name)s."

#: exchanges/models.py:5
#, fuzzy, python-format
#| msgid "Swap %(id)s old"
msgid "Swap %(id)s is booked."
msgstr "ترجمة قديمة خاطئة"

#: rewards/models.py:9
#, python-format
msgid "%(count)d point"
msgid_plural "%(count)d points"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""
msgstr[3] ""
msgstr[4] ""
msgstr[5] ""

msgctxt "month"
msgid "May"
msgstr ""

#~ msgid "Gone"
#~ msgstr ""
"""

PLURAL_AR = [
    "%(count)d نقطة",
    "نقطة واحدة",
    "نقطتان",
    "%(count)d نقاط",
    "%(count)d نقطة",
    "%(count)d نقطة",
]


@pytest.fixture
def catalogue(tmp_path):
    path = tmp_path / "ar" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + ENTRIES, encoding="utf-8")
    return path


def _entries(path):
    po = polib.pofile(str(path))
    return po, {po_fill.entry_key(entry): entry for entry in po}


def test_msgid_with_newlines_quotes_and_tabs_is_matched_exactly(catalogue):
    msgid = 'First line\nSecond line with a "quote" and a tab\t.'

    report = po_fill.fill(catalogue, {msgid: 'السطر الأول\nالسطر "الثاني".'})

    _, entries = _entries(catalogue)
    assert report.filled == 1
    assert report.problems == []
    assert entries[msgid].msgstr == 'السطر الأول\nالسطر "الثاني".'


def test_plural_entry_gets_all_six_arabic_forms(catalogue):
    report = po_fill.fill(catalogue, {"%(count)d point": PLURAL_AR})

    _, entries = _entries(catalogue)
    assert report.filled == 1
    assert entries["%(count)d point"].msgstr_plural == dict(enumerate(PLURAL_AR))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("%(count)d نقطة", "a plural entry needs a list of strings"),
        (PLURAL_AR[:2], "2 plural forms given, the catalogue has 6"),
    ],
)
def test_plural_entry_with_the_wrong_shape_is_reported_and_left_alone(catalogue, value, problem):
    report = po_fill.fill(catalogue, {"%(count)d point": value})

    _, entries = _entries(catalogue)
    assert report.filled == 0
    assert report.problems == [f"'%(count)d point': {problem}"]
    assert set(entries["%(count)d point"].msgstr_plural.values()) == {""}


def test_list_for_an_ordinary_entry_is_reported(catalogue):
    msgid = 'First line\nSecond line with a "quote" and a tab\t.'

    report = po_fill.fill(catalogue, {msgid: ["a", "b"]})

    assert report.filled == 0
    assert len(report.problems) == 1
    assert report.problems[0].endswith("an entry without plural needs a string")


def test_reviewed_translation_is_kept(catalogue):
    report = po_fill.fill(catalogue, {"Welcome, %(name)s.": "مرحبا"})

    _, entries = _entries(catalogue)
    assert report.filled == 0
    assert entries["Welcome, %(name)s."].msgstr == "أهلًا، %(name)s."


def test_fuzzy_entry_is_replaced_and_loses_its_flag_and_previous_msgid(catalogue):
    report = po_fill.fill(catalogue, {"Swap %(id)s is booked.": "تم حجز التبادل %(id)s."})

    _, entries = _entries(catalogue)
    entry = entries["Swap %(id)s is booked."]
    assert report.filled == 1
    assert entry.msgstr == "تم حجز التبادل %(id)s."
    assert entry.flags == ["python-format"]
    assert entry.previous_msgid is None
    assert "#| msgid" not in catalogue.read_text(encoding="utf-8")


def test_context_entries_are_keyed_with_the_gettext_separator(catalogue):
    report = po_fill.fill(catalogue, {"month\x04May": "مايو", "May": "wrong: no context"})

    _, entries = _entries(catalogue)
    assert report.filled == 1
    assert entries["month\x04May"].msgstr == "مايو"


def test_header_loses_fuzzy_keeps_plural_forms_and_gets_the_language(catalogue):
    po_fill.fill(catalogue, {})

    po, _ = _entries(catalogue)
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "ar"
    assert po.metadata["Plural-Forms"].startswith("nplurals=6;")


def test_obsolete_entries_are_not_filled(catalogue):
    report = po_fill.fill(catalogue, {"Gone": "ذهب"})

    assert report.filled == 0
    assert '#~ msgstr ""' in catalogue.read_text(encoding="utf-8")


def test_filled_catalogue_compiles_and_translates(catalogue):
    msgid = 'First line\nSecond line with a "quote" and a tab\t.'
    po_fill.fill(catalogue, {msgid: "سطران", "%(count)d point": PLURAL_AR})

    mo = catalogue.with_suffix(".mo")
    polib.pofile(str(catalogue)).save_as_mofile(str(mo))

    import gettext

    translations = gettext.GNUTranslations(mo.open("rb"))
    assert translations.gettext(msgid) == "سطران"
    assert translations.ngettext("%(count)d point", "%(count)d points", 2) == "نقطتان"
    assert translations.ngettext("%(count)d point", "%(count)d points", 5) == "%(count)d نقاط"


def test_command_line_merges_files_in_order_and_fails_on_problems(catalogue, tmp_path):
    first = tmp_path / "h1.json"
    second = tmp_path / "h2.json"
    first.write_text(json.dumps({"month\x04May": "أيار"}), encoding="utf-8")
    second.write_text(
        json.dumps({"month\x04May": "مايو", "%(count)d point": "bad"}), encoding="utf-8"
    )

    result = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, str(SCRIPT), str(catalogue), str(first), str(second)],
        capture_output=True,
        text=True,
        check=False,
    )

    _, entries = _entries(catalogue)
    assert result.returncode == 1
    assert result.stdout == f"filled 1 translations in {catalogue}\n"
    assert "a plural entry needs a list of strings" in result.stderr
    assert entries["month\x04May"].msgstr == "مايو"
