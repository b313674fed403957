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
    """A query word, the vocabulary words close enough to stand for it, and the English and
    Arabic stems (as tsquery text) of all of them."""

    word: str
    similar: tuple[str, ...] = ()
    stems: tuple[str, ...] = ()


EXPAND_SQL = """
WITH q(word) AS (SELECT unnest(%s::text[])),
near AS (
    SELECT q.word, w.word AS candidate, similarity(w.word, q.word) AS score
    FROM q CROSS JOIN LATERAL (
        SELECT word FROM marketplace_searchword ORDER BY word <-> q.word LIMIT %s
    ) AS w
    WHERE length(q.word) >= %s AND w.word <> q.word AND similarity(w.word, q.word) >= %s
),
candidates AS (
    SELECT word, word AS candidate, 2.0::real AS score FROM q
    UNION ALL SELECT word, candidate, score FROM near
)
SELECT word, candidate, score = 2.0 AS original,
       plainto_tsquery('english', candidate)::text, plainto_tsquery('arabic', candidate)::text
FROM candidates ORDER BY word, score DESC, candidate
"""


def expand_words(query: list[str]) -> list[Expansion]:
    """Widen each query word with its nearest vocabulary words and stem everything (PostgreSQL).

    One statement for all words: the nearest neighbours by trigram distance (``<->``, served by
    the GiST index of the vocabulary) kept when their similarity reaches the threshold, and the
    ``english``/``arabic`` stems of the words and their neighbours. Elsewhere: the words alone.
    """
    if not query or not is_postgresql():
        return [Expansion(word) for word in query]
    similar: dict[str, list[str]] = {word: [] for word in query}
    stems: dict[str, list[str]] = {word: [] for word in query}
    with connection.cursor() as cursor:
        cursor.execute(
            EXPAND_SQL,
            [
                query,
                int(settings.MARKETPLACE_SEARCH_EXPANSIONS) + 1,
                int(settings.MARKETPLACE_SEARCH_FUZZY_MIN),
                float(settings.MARKETPLACE_SEARCH_SIMILARITY),
            ],
        )
        for word, candidate, original, english, arabic in cursor.fetchall():
            if not original:
                similar[word].append(candidate)
            stems[word].extend(stem for stem in (english, arabic) if stem)
    return [
        Expansion(word, tuple(similar[word]), tuple(dict.fromkeys(stems[word]))) for word in query
    ]


def tsquery_text(expansions: Iterable[Expansion]) -> str:
    """One tsquery: every query word must match, by prefix, by a stem, or by a near word.

    Alternatives are de-duplicated: PostgreSQL estimates an OR of repeated terms to match far
    more rows than it does, and then prefers a sequential scan to the GIN index (measured at
    100,000 offers: 295 ms against 18 ms).
    """
    groups = []
    for expansion in expansions:
        terms = [_quote_lexeme(expansion.word) + ":*"]
        terms.extend(_quote_lexeme(word) for word in expansion.similar)
        terms.extend(f"( {stem} )" if " " in stem else stem for stem in expansion.stems)
        groups.append("( " + " | ".join(dict.fromkeys(terms)) + " )")
    return " & ".join(groups)


def search_query(expansions: Iterable[Expansion]) -> SearchQuery:
    """The tsquery as an expression; ``simple`` only lower-cases, so stems pass unchanged."""
    return SearchQuery(tsquery_text(expansions), config="simple", search_type="raw")


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
