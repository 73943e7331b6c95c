"""Full-text search in the library, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Dutch words are matched on their Snowball stem after folding case and diacritics: "woningen" finds
"woning", "ééntje" finds "eentje", "buurten" finds "buurt". The folding and stemming happen here, in Python,
on the way into the index and on the way into the query, so both engines index the same words and find the
same entries; the engines do the indexing and ranking. A searched word also finds the words it begins, as
Dutch writes compounds as one word: "buurt" finds "buurtpreventie". Entries whose title holds every searched word come
first, then by the engine's rank (title words weigh more than body words).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import snowballstemmer
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from wijkzicht.wijkwijzer.models import Intervention

MAX_QUERY_WORDS = 12


@cache
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("dutch")


def fold(phrase: str) -> str:
    """Lower case without diacritics: 'Één café' -> 'een cafe'."""
    decomposed = unicodedata.normalize("NFKD", phrase.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def words(phrase: str) -> list[str]:
    """The folded, stemmed words of a phrase, in order (letters and digits only: safe in any query syntax)."""
    return _stemmer().stemWords(_folded_words(phrase))


def _folded_words(phrase: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(phrase))


def indexed(phrase: str) -> str:
    """Each word as its stem and, where that differs, as written (folded): the stemmer cuts compounds
    oddly ("jongerenwerk" -> "jonrenwerk"), so "jongeren" must also find the word as written."""
    forms: list[str] = []
    for word in _folded_words(phrase):
        stem = _stemmer().stemWord(word)
        forms.extend((stem,) if stem == word else (stem, word))
    return " ".join(forms)


def _query_forms(phrase: str) -> list[tuple[str, ...]]:
    """Per searched word (at most MAX_QUERY_WORDS, repeats dropped): its stem and the folded word."""
    forms: dict[str, tuple[str, ...]] = {}
    for word in _folded_words(phrase):
        stem = _stemmer().stemWord(word)
        forms.setdefault(stem, tuple(dict.fromkeys((stem, word))))
    return list(forms.values())[:MAX_QUERY_WORDS]


def index_words(intervention: Intervention) -> None:
    """Write what the index reads; called before every insert and update of an intervention."""
    intervention.search_title = indexed(intervention.title)
    intervention.search_body = indexed(" ".join((intervention.summary, intervention.target_group)))


def search(session: Session, phrase: str) -> list[int]:
    """The ids of the interventions holding every word of `phrase`, best first."""
    searched = _query_forms(phrase)
    if not searched:
        return []
    if session.get_bind().dialect.name == "sqlite":
        ranked = session.execute(
            text(
                "SELECT rowid, bm25(intervention_search, 10.0, 1.0) FROM intervention_search "
                "WHERE intervention_search MATCH :query"
            ),
            {"query": " AND ".join("(" + " OR ".join(f'"{f}"*' for f in forms) + ")" for forms in searched)},
        ).all()
        scores = {row[0]: row[1] for row in ranked}  # bm25: lower is better
    else:
        ranked = session.execute(
            text(
                "SELECT id, ts_rank(search_vector, query) FROM interventions, "
                "to_tsquery('simple', :query) AS query WHERE search_vector @@ query"
            ),
            {"query": " & ".join("(" + " | ".join(f"{f}:*" for f in forms) + ")" for forms in searched)},
        ).all()
        scores = {row[0]: -row[1] for row in ranked}  # ts_rank: higher is better
    titles = dict(
        session.execute(
            select(Intervention.id, Intervention.search_title).where(Intervention.id.in_(scores))
        ).all()
    )
    in_title = {key: all(_starts_a_word(forms, title) for forms in searched) for key, title in titles.items()}
    return sorted(scores, key=lambda key: (not in_title[key], scores[key], key))


def _starts_a_word(forms: tuple[str, ...], indexed_words: str) -> bool:
    return any(candidate.startswith(forms) for candidate in indexed_words.split())
