"""Offer and skill search: one normalisation for documents and queries, two database strategies.

Documents and queries go through the same ``normalise`` so that spelling variants meet:

- case folded, Latin accents removed (``café`` → ``cafe``), Arabic-Indic digits made ASCII;
- Arabic diacritics (tashkeel) and tatweel removed, letter variants unified:
  ``أ إ آ ٱ → ا``, ``ة → ه``, ``ى → ي``;
- the Arabic definite article and its attached prepositions (``ال وال بال كال فال لل``) are
  stripped from a word, because PostgreSQL's Arabic snowball stemmer strips only one prefix
  ("البرمجة" and "برمجة" would otherwise stem differently).

PostgreSQL: a weighted ``tsvector`` (title A, skills and category B, description C) built with the
``simple``, ``english`` and ``arabic`` configurations, queried per word with a prefix match and
both stemmers, each word widened with the vocabulary words nearest to it by trigram similarity
(pg_trgm, ``SearchWord``) so that "pyhton" still finds "python"; ranked with ``ts_rank``.

Elsewhere (the embedded SQLite runtime): every query word must occur in the normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC = re.compile("[\u0600-\u06ff]")
# Longest first: "وال" before "ال".
_ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_MAX_WORD = 64

STOP_WORDS = frozenset(
    {
        # English
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        # Arabic (already normalised)
        "في",
        "من",
        "علي",
        "الي",
        "عن",
        "مع",
        "و",
        "او",
        "ثم",
    }
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _light_stem(word: str) -> str:
    if not _ARABIC.search(word):
        return word
    for prefix in _ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    return word


def words(text: str | None) -> list[str]:
    """The normalised words of ``text``, in order (see the module docstring)."""
    if not text:
        return []
    text = _DIACRITICS.sub("", text)
    text = text.translate(_LETTERS)
    text = _strip_accents(text).casefold()
    return [_light_stem(word)[:_MAX_WORD] for word in _WORD.findall(text)]


def normalise(*texts: str | None) -> str:
    """``texts`` as one normalised, space-separated string."""
    return " ".join(word for text in texts for word in words(text))


def query_words(query: str) -> list[str]:
    """Distinct normalised words of a search query, stop words dropped (unless only those)."""
    all_words = list(dict.fromkeys(words(query)))
    meaningful = [word for word in all_words if word not in STOP_WORDS]
    return (meaningful or all_words)[:10]


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Expansion:
    """A query word and the vocabulary words close enough to stand for it."""

    word: str
    similar: tuple[str, ...]


def expand_words(query: list[str]) -> list[Expansion]:
    """Widen each query word with its nearest vocabulary words (PostgreSQL, pg_trgm).

    One statement for all words: the nearest neighbours by trigram distance (``<->``, served by
    the GiST index of the vocabulary), kept when their similarity reaches the threshold.
    """
    candidates = [word for word in query if len(word) >= settings.MARKETPLACE_SEARCH_FUZZY_MIN]
    similar: dict[str, list[str]] = {word: [] for word in query}
    if candidates and is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT q.word, w.word FROM unnest(%s::text[]) AS q(word)
                CROSS JOIN LATERAL (
                    SELECT word FROM marketplace_searchword
                    ORDER BY word <-> q.word
                    LIMIT %s
                ) AS w
                WHERE w.word <> q.word AND similarity(w.word, q.word) >= %s
                ORDER BY q.word, similarity(w.word, q.word) DESC, w.word
                """,
                [
                    candidates,
                    int(settings.MARKETPLACE_SEARCH_EXPANSIONS) + 1,
                    float(settings.MARKETPLACE_SEARCH_SIMILARITY),
                ],
            )
            for word, near in cursor.fetchall():
                similar[word].append(near)
    return [Expansion(word, tuple(similar[word])) for word in query]


def search_query(expansions: Iterable[Expansion]) -> SearchQuery | None:
    """One ``tsquery``: all query words must match, each by prefix, stem or a near word."""
    combined: SearchQuery | None = None
    for expansion in expansions:
        alternatives = SearchQuery(
            _quote_lexeme(expansion.word) + ":*", config="simple", search_type="raw"
        )
        for candidate in (expansion.word, *expansion.similar):
            alternatives |= SearchQuery(candidate, config="english")
            alternatives |= SearchQuery(candidate, config="arabic")
        for candidate in expansion.similar:
            alternatives |= SearchQuery(candidate, config="simple")
        combined = alternatives if combined is None else combined & alternatives
    return combined


def _quote_lexeme(word: str) -> str:
    return "'" + word.replace("\\", "").replace("'", "") + "'"


# The search columns of one offer: normalised text, then the weighted tsvector built from the
# normalised title (A), skill and category names (B) and description (C), each with the simple,
# english and arabic configurations. Parameters: text, title ×3, skills ×3, description ×3, id.
OFFER_DOCUMENT_UPDATE_SQL = """
UPDATE marketplace_offer SET
    search_text = %s,
    search_vector =
        setweight(to_tsvector('simple', %s) || to_tsvector('english', %s)
                  || to_tsvector('arabic', %s), 'A')
        || setweight(to_tsvector('simple', %s) || to_tsvector('english', %s)
                     || to_tsvector('arabic', %s), 'B')
        || setweight(to_tsvector('simple', %s) || to_tsvector('english', %s)
                     || to_tsvector('arabic', %s), 'C')
WHERE id = %s
"""


def offer_document_params(
    offer_id: int, text: str, title: str, skills: str, description: str
) -> list[object]:
    return [text, *[title] * 3, *[skills] * 3, *[description] * 3, offer_id]
