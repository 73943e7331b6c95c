"""The area search as people type: aliases, hyphens, accents, typos, focus areas and codes, on the real
warehouse; the rankings page's gemeente box that takes a name; the search page's count in words; the
search in memory against the search in SQL it replaced, on a few thousand typed queries."""

from __future__ import annotations

import random
import string
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from wijkzicht.monitor.areas import Area, AreaNames, choose, search
from wijkzicht.monitor.focus import FOCUS_LEVEL, load_focus_areas
from wijkzicht.monitor.trends import MATRIX_YEAR
from wijkzicht.warehouse.search_names import code_aliases, focus_aliases, search_words

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
from search_benchmark import QUERIES

# (what a person types, the first result they mean); a focus area's code is its number
TYPED = [
    ("den haag", "GM0518"),
    ("Den Haag", "GM0518"),
    ("DEN HAAG", "GM0518"),
    ("den-haag", "GM0518"),
    ("the hague", "GM0518"),
    ("'s-Gravenhage", "GM0518"),
    ("s gravenhage", "GM0518"),
    ("Den Bosch", "GM0796"),
    ("hertogenbosch", "GM0796"),
    ("s-Hertogenbosch", "GM0796"),
    ("bergen (nh)", "GM0373"),
    ("Bergen (NH.)", "GM0373"),
    ("bergen nh", "GM0373"),
    ("Bergen (L)", "GM0893"),
    ("nuenen", "GM0820"),
    ("Nuenen, Gerwen en Nederwetten", "GM0820"),
    ("Sudwest-Fryslan", "GM1900"),
    ("sudwest fryslan", "GM1900"),
    ("Súdwest-Fryslân", "GM1900"),
    ("noardeast fryslan", "GM1970"),
    ("Ljouwert", "GM0080"),
    ("Alphen a/d Rijn", "GM0484"),
    ("capelle a/d ijssel", "GM0502"),
    ("Hengelo", "GM0164"),  # the gemeente before the buurt Hengelo of Bronckhorst
    ("Rotterdam-Zuid", "9"),
    ("Rotterdam Zuid", "9"),
    ("rotterdam zuid", "9"),
    ("rotterdamzuid", "9"),
    ("zuidoost", "11"),
    ("amsterdam zuidoost", "11"),
    ("Bijlmer", "11"),
    ("nieuw west", "12"),
    ("Overvech", "15"),
    ("utrecht overvecht", "15"),
    ("woensel zuid", "6"),
    ("Schiedam Nieuwland", "8"),
    ("Roosendaal stad", "20"),
    ("rotterdam", "GM0599"),
    ("Rotterdm", "GM0599"),
    ("Amsterdm", "GM0363"),
    ("groningn", "GM0014"),
    ("eindhovn", "GM0772"),
    ("maastrich", "GM0935"),
    ("feyenoord", "WK059910"),
    ("charloi", "WK059915"),
    ("presikhaf", "WK020204"),
    ("GM0599", "GM0599"),
    ("gm0599", "GM0599"),
    ("wk036390", "WK036390"),
    ("BU03440343", "BU03440343"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPED)
def test_the_first_result_is_the_area_people_mean(
    con: duckdb.DuckDBPyConnection, typed: str, meant: str
) -> None:
    assert search(con, typed, limit=5)[0].code == meant


def test_every_alias_names_a_known_area(con: duckdb.DuckDBPyConnection) -> None:
    known = {code for (code,) in con.execute("SELECT code FROM area_years").fetchall()}
    assert {code for _, code in code_aliases()} <= known
    assert {number for _, number in focus_aliases()} <= {area.number for area in load_focus_areas()}


def test_a_gemeente_comes_before_its_focus_area_wijken_and_buurten(con: duckdb.DuckDBPyConnection) -> None:
    levels = [area.level for area in search(con, "rotterdam", limit=50)]
    assert levels[:2] == ["gemeente", FOCUS_LEVEL]
    assert levels.index("wijk") < levels.index("buurt")


def test_two_gemeenten_of_one_name_come_larger_first(con: duckdb.DuckDBPyConnection) -> None:
    found = [area.code for area in search(con, "bergen", limit=3)]
    population = dict(
        con.execute(
            "SELECT area_code, arg_max(value, (boundary_year, period)) FROM published_observations "
            "WHERE indicator = 'inwoners' AND subgroup = 'totaal' AND area_code IN ('GM0373', 'GM0893') "
            "GROUP BY area_code"
        ).fetchall()
    )
    larger, smaller = sorted(population, key=population.__getitem__, reverse=True)
    assert found[:2] == [larger, smaller]


def test_a_level_filter_and_a_near_miss_limit(con: duckdb.DuckDBPyConnection) -> None:
    assert {area.level for area in search(con, "zuid", level="wijk")} == {"wijk"}
    assert search(con, "xqzwv") == []
    assert search(con, "bos", level=FOCUS_LEVEL) == []  # three letters: no typo tolerance


@pytest.mark.parametrize(
    ("typed", "code", "candidates"),
    [
        ("Rotterdam", "GM0599", []),
        ("den haag", "GM0518", []),
        ("GM0344", "GM0344", []),
        ("Utrecht", "GM0344", []),  # exact, though Utrechtse Heuvelrug starts with it
        ("Bergen", None, ["GM0373", "GM0893"]),
        ("xqzwv", None, []),
    ],
)
def test_a_box_that_wants_one_gemeente(
    con: duckdb.DuckDBPyConnection, typed: str, code: str | None, candidates: list[str]
) -> None:
    chosen = choose(con, typed, level="gemeente")
    assert (chosen.area.code if chosen.area else None) == code
    assert [area.code for area in chosen.candidates] == candidates


def test_the_rankings_page_takes_a_gemeente_by_name(web: TestClient) -> None:
    by_name = web.get("/ranglijst", params={"level": "wijk", "gemeente": "Rotterdam", "per": 250})
    by_code = web.get("/ranglijst", params={"level": "wijk", "gemeente": "GM0599", "per": 250})
    assert by_name.status_code == 200 and 'id="gemeente-problem"' not in by_name.text
    assert by_name.text.count("<td>Rotterdam</td>") == by_code.text.count("<td>Rotterdam</td>") > 10
    assert "<td>Amsterdam</td>" not in by_name.text


@pytest.mark.parametrize(
    ("typed", "lang", "message"),
    [
        ("Bergen", "nl", "past bij meer dan één gemeente"),
        ("Bergen", "en", "fits more than one municipality"),
        ("Xqzwv", "nl", "Geen gemeente gevonden voor"),
        ("Xqzwv", "en", "No municipality found for"),
    ],
)
def test_an_unknown_or_ambiguous_gemeente_is_explained(
    web: TestClient, typed: str, lang: str, message: str
) -> None:
    page = web.get("/ranglijst", params={"gemeente": typed, "lang": lang})
    assert page.status_code == 200 and message in page.text and typed in page.text and "422" not in page.text
    if typed == "Bergen":
        assert "gemeente=GM0373" in page.text and "gemeente=GM0893" in page.text


def test_the_api_still_wants_a_gemeente_code(web: TestClient) -> None:
    assert web.get("/api/rankings", params={"gemeente": "Rotterdam"}).status_code == 422


@pytest.mark.parametrize(
    ("query", "lang", "text"),
    [
        ("the hague", "nl", "1 gebied gevonden voor"),
        ("the hague", "en", "1 area found for"),
        ("rotterdam", "nl", "gebieden gevonden voor"),
        ("rotterdam", "en", "areas found for"),
    ],
)
def test_the_search_page_counts_in_words(web: TestClient, query: str, lang: str, text: str) -> None:
    page = web.get("/zoeken", params={"q": query, "lang": lang}).text
    assert text in page
    assert "1 gebieden" not in page and "1 areas" not in page


# --- The in-memory search answers as the search in SQL it replaced -------------------------------------

# The search as one DuckDB query (until schema version 14): the specification the in-memory search keeps to.
# DuckDB's own search form of the query text, as the build made the names' forms then.
_SQL_WORDS = "trim(regexp_replace(strip_accents(lower({})), '[^a-z0-9]+', ' ', 'g'))"
REFERENCE_SQL = f"""
    WITH q AS (SELECT upper($text) AS code, {_SQL_WORDS.format("$text")} AS words,
                      replace({_SQL_WORDS.format("$text")}, ' ', '') AS compact),
    focus AS (
        SELECT f.code, f.name, [$focus_year] AS boundary_years, f.gemeente_code, g.name AS gemeente_name
        FROM (SELECT unnest($focus_numbers) AS code, unnest($focus_names) AS name,
                     unnest($focus_gemeenten) AS gemeente_code) f
        LEFT JOIN area_years g ON g.code = f.gemeente_code
    ),
    focus_names AS (
        SELECT code, {_SQL_WORDS.format("known_as")} AS words,
               replace({_SQL_WORDS.format("known_as")}, ' ', '') AS compact
        FROM (SELECT unnest($focus_known_numbers) AS code, unnest($focus_known_as) AS known_as)
    ),
    names AS (
        SELECT code, level, words, compact, population FROM area_names
        UNION ALL
        SELECT code, '{FOCUS_LEVEL}', words, compact, NULL FROM focus_names
    ),
    candidates AS (
        SELECT n.*, CASE WHEN length(q.compact) >= 4 AND n.compact[1] = q.compact[1]
                         THEN least(levenshtein(q.compact, left(n.compact, length(q.compact))),
                                    levenshtein(q.compact, n.compact)) END AS typos
        FROM names n, q
        WHERE q.compact <> '' AND ($level IS NULL OR n.level = $level)
          AND (n.code = q.code OR contains(n.compact, q.compact)
               OR typos <= CASE WHEN length(q.compact) < 8 THEN 1 ELSE 2 END)
    ),
    matched AS (
        SELECT c.code, c.level, c.population, c.typos,
               CASE WHEN c.code = q.code AND c.level <> '{FOCUS_LEVEL}' THEN 0
                    WHEN c.compact = q.compact THEN 1
                    WHEN starts_with(c.compact, q.compact) THEN 2
                    WHEN contains(' ' || c.words, ' ' || q.words) THEN 3
                    WHEN contains(c.compact, q.compact) THEN 4
                    ELSE 5 END AS tier
        FROM candidates c, q
        QUALIFY row_number() OVER (PARTITION BY c.level, c.code ORDER BY tier, c.typos) = 1
    ),
    found AS (
        SELECT code, level, name, boundary_years, gemeente_code, gemeente_name FROM area_years
        WHERE code IN (SELECT code FROM matched)
        UNION ALL
        SELECT code, '{FOCUS_LEVEL}', name, boundary_years, gemeente_code, gemeente_name FROM focus
    )
    SELECT f.code, f.level, f.name, f.boundary_years, f.gemeente_code, f.gemeente_name, m.tier
    FROM matched m JOIN found f USING (code, level)
    ORDER BY m.tier, CASE WHEN m.tier = 5 THEN m.typos ELSE 0 END,
             list_position($level_order, m.level), m.population DESC NULLS LAST, f.name, f.code
    LIMIT $limit
"""


def reference_search(con: duckdb.DuckDBPyConnection, text: str, level: str | None, limit: int) -> list[tuple]:
    focus_areas = load_focus_areas()
    known_as = [(area.name, area.number) for area in focus_areas] + focus_aliases()
    parameters = {
        "text": text.strip(),
        "level": level,
        "limit": limit,
        "level_order": ["land", "gemeente", FOCUS_LEVEL, "wijk", "buurt"],
        "focus_numbers": [str(area.number) for area in focus_areas],
        "focus_names": [area.name for area in focus_areas],
        "focus_gemeenten": [area.gemeente_code for area in focus_areas],
        "focus_known_as": [name for name, _ in known_as],
        "focus_known_numbers": [str(number) for _, number in known_as],
        "focus_year": MATRIX_YEAR,
    }
    rows = con.execute(REFERENCE_SQL, parameters).fetchall()
    return [(Area(r[0], r[1], r[2], tuple(r[3]), r[4], r[5]), r[6]) for r in rows]


def typed_queries(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What people type: the benchmark's queries and this file's, names of every level cut short, with a
    typo or two, codes, focus numbers, single letters, accents and signs only."""
    names = [row[0] for row in con.execute("SELECT known_as FROM area_names ORDER BY known_as").fetchall()]
    draw = random.Random(18)
    sample = draw.sample(names, 60)

    def typo(text: str) -> str:
        at, letter = draw.randrange(1, len(text)), draw.choice(string.ascii_lowercase)
        return [
            text[:at] + letter + text[at + 1 :],
            text[:at] + text[at + 1 :],
            text[:at] + letter + text[at:],
        ][draw.randrange(3)]

    return [
        *QUERIES,
        *(typed for typed, _ in TYPED),
        *sample,
        *(name[: draw.randrange(1, len(name) + 1)] for name in sample),
        *(typo(name) for name in sample if len(name) > 2),
        *(typo(typo(name)) for name in sample if len(name) > 4),
        *("a", "z", "1", "12", "20", "-", "?!", "é", "ß", "erk", "kerk", "gm", "NL01", "BU0", "WK0363"),
        *("  Rotterdam  ", "Rottérdam", "rotterdamm", "otterdam", "rottedam", "xqzwv", "amsterdamnieuwwest"),
    ]


def test_the_search_answers_as_the_search_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    names = AreaNames.read(con)
    compared = 0
    for text in typed_queries(con):
        for level, limit in [
            (None, 20),
            (None, 50),
            ("gemeente", 6),
            ("wijk", 20),
            ("buurt", 8),
            (FOCUS_LEVEL, 20),
        ]:
            if not text.strip():
                continue
            assert names.ranked(text, level, limit) == reference_search(con, text, level, limit), (
                text,
                level,
            )
            compared += 1
    assert compared > 1500


def test_names_and_queries_take_the_search_form_duckdb_gave_them(con: duckdb.DuckDBPyConnection) -> None:
    # every sign Python's Unicode tables know, between letters and doubled (DuckDB's tables may be newer)
    signs = [
        chr(point) for point in range(1, 0x30000) if unicodedata.category(chr(point)) not in ("Cn", "Cs")
    ]
    texts = [f"a{sign}b" for sign in signs] + [f"X{sign}y{sign}" for sign in signs]
    texts += [row[0] for row in con.execute("SELECT known_as FROM area_names").fetchall()]
    query = f"SELECT {_SQL_WORDS.format('text')} FROM unnest($texts) t(text)"
    theirs = [row[0] for row in con.execute(query, {"texts": texts}).fetchall()]
    assert [search_words(text) for text in texts] == theirs
