"""core.text.text_clean: keep what the member wrote, drop only what deceives."""

import pytest

from core.text import text_clean


@pytest.mark.parametrize(
    "text",
    [
        "if a<b and c>d then",
        "<script>alert(1)</script>",
        "مرحبا بالعالم",
        "  spaces around  ",
        "tabs\tand\nnewlines",
        "emoji 🎉 and café",
    ],
)
def test_ordinary_text_is_kept_exactly(text):
    assert text_clean(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override
        ("a\u2066b\u2069c", "abc"),  # isolates
        ("zero\u200bwidth", "zerowidth"),
        ("bell\x07 and del\x7f", "bell and del"),
        ("\ufeffBOM", "BOM"),
        ("cafe\u0301", "café"),  # NFC
        ("windows\r\nline", "windows\nline"),
        ("old mac\rline", "old mac\nline"),
    ],
)
def test_deceptive_characters_go_and_text_is_normalised(raw, clean):
    assert text_clean(raw) == clean


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_is_an_empty_string(empty):
    assert text_clean(empty) == ""
