"""The names the area search matches: every area's name, its name without CBS's province tag and the
aliases of `catalogue/area_aliases.yaml`, each in a search form made once by the build (making it per query
costs more than the whole search)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import duckdb

from wijkzicht.codes import normalise
from wijkzicht.yamltext import load_packaged_yaml

_OTHER_SIGNS = re.compile("[^a-z0-9]+")


def search_words(text: str) -> str:
    """A text in search form: lower case, no accents, every run of other signs one space ("Súdwest-Fryslân"
    is "sudwest fryslan"). One function for the names the build stores and the queries people type."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    # every mark goes, not only the combining accents: a letter's vowel signs are no part of its search form
    unmarked = "".join(sign for sign in decomposed if not unicodedata.category(sign).startswith("M"))
    return _OTHER_SIGNS.sub(" ", unmarked).strip()


@cache
def load_aliases() -> tuple[dict[str, object], ...]:
    """The entries of `catalogue/area_aliases.yaml`: each an `alias` with a CBS `code` or a `focus` number."""
    text = resources.files("wijkzicht").joinpath("catalogue/area_aliases.yaml").read_text("utf-8")
    return tuple(load_packaged_yaml(text)["aliases"])


def code_aliases() -> list[tuple[str, str]]:
    return [(str(e["alias"]), normalise(str(e["code"]))) for e in load_aliases() if "code" in e]


def focus_aliases() -> list[tuple[str, int]]:
    return [(str(e["alias"]), int(str(e["focus"]))) for e in load_aliases() if "focus" in e]


def build_area_names(con: duckdb.DuckDBPyConnection) -> None:
    """One row per name of an area, with its level and latest published population (the search's order)."""
    aliases = code_aliases()
    con.create_function("search_words", search_words, ["VARCHAR"], "VARCHAR")
    try:
        _store_area_names(con, aliases)
    finally:
        con.remove_function("search_words")


def _store_area_names(con: duckdb.DuckDBPyConnection, aliases: list[tuple[str, str]]) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE area_names AS
        WITH names AS (
            SELECT code, name AS known_as FROM area_years
            UNION
            -- "Bergen (NH.)" is also just "Bergen": the tag tells two gemeenten apart, people leave it out
            SELECT code, regexp_replace(name, '\\s*\\([^)]*\\)\\s*$', '') FROM area_years WHERE name LIKE '%)'
            UNION
            SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])
        )
        SELECT n.code, a.level, n.known_as, search_words(n.known_as) AS words,
               replace(words, ' ', '') AS compact, p.population
        FROM names n JOIN area_years a USING (code)
        LEFT JOIN (SELECT area_code AS code, arg_max(value, (boundary_year, period)) AS population
                   FROM published_observations WHERE indicator = 'inwoners' AND subgroup = 'totaal'
                   GROUP BY area_code) p USING (code)
        ORDER BY n.code
        """,
        [[code for _, code in aliases], [alias for alias, _ in aliases]],
    )
