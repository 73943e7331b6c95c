"""Similar areas: the nearest areas of the same level on structural context characteristics.

Only structure: density, age structure, household composition and urbanity. Never migration background
or any other group characteristic, and never a problem indicator (similar areas are for comparing
problems, so the problems themselves cannot define the similarity).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.records import plain

# Density is skewed over four orders of magnitude: its logarithm is standardised instead.
LOGARITHMIC = ("bevolkingsdichtheid",)
CHARACTERISTICS = (
    "bevolkingsdichtheid",
    "stedelijkheid",
    "inwoners_0_14",
    "inwoners_15_24",
    "inwoners_25_44",
    "inwoners_45_64",
    "inwoners_65_plus",
    "eenpersoonshuishoudens_pct",
    "huishoudens_met_kinderen_pct",
    "huishoudensgrootte",
)
# The most neighbours any caller asks for (a programme's comparison areas: 10 beyond the focus wijken, which
# it leaves out); the build stores this many per area and boundary year.
MOST_SIMILAR = 100
# The order of the characteristics in a similar area's description (and of their stored columns).
ORDERED = tuple(sorted(CHARACTERISTICS))


@dataclass(frozen=True)
class SimilarArea:
    code: str
    name: str | None
    distance: float
    characteristics: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def build_structure(con: duckdb.DuckDBPyConnection) -> None:
    """`area_structure`: per level and boundary year, the z-score of each characteristic of every area that
    has all of them (so every distance uses the same dimensions). A warehouse table, made once by the build.

    On 2024 boundaries the characteristics are those the build carried from older boundaries (see
    `wijkzicht.warehouse.harmonise`): a density or household size is carried only where the area did not
    change, so a changed area is compared on its published boundary year instead (`_best_boundary_year`)."""
    con.execute(
        """
        CREATE OR REPLACE TABLE area_structure AS
        WITH raw AS (
            SELECT o.area_code, o.level, o.boundary_year, o.indicator, o.value,
                   CASE WHEN list_contains($logarithmic, o.indicator) THEN ln(1 + o.value) ELSE o.value END
                       AS scaled
            FROM (SELECT area_code, level, boundary_year, period, subgroup, indicator, value
                  FROM published_observations
                  UNION ALL
                  SELECT area_code, level, boundary_year, period, subgroup, indicator, value
                  FROM published_harmonised) o
            WHERE o.subgroup = 'totaal' AND list_contains($characteristics, o.indicator)
              AND o.value IS NOT NULL AND o.level IN ('gemeente', 'wijk', 'buurt')
            -- one period per characteristic and boundary year (2024 holds periods carried from older
            -- boundaries too): the latest one measured there
            QUALIFY o.period = max(o.period) OVER (PARTITION BY o.level, o.boundary_year, o.indicator)
        ),
        complete AS (
            SELECT area_code, level, boundary_year FROM raw GROUP BY ALL
            HAVING count(DISTINCT indicator) = len($characteristics)
        )
        SELECT r.area_code, r.level, r.boundary_year, r.indicator, r.value,
               (r.scaled - avg(r.scaled) OVER w) / nullif(stddev_pop(r.scaled) OVER w, 0) AS z
        FROM raw r JOIN complete USING (area_code, level, boundary_year)
        WINDOW w AS (PARTITION BY r.level, r.boundary_year, r.indicator)
        ORDER BY r.level, r.boundary_year, r.area_code
        """,
        {"logarithmic": list(LOGARITHMIC), "characteristics": list(CHARACTERISTICS)},
    )


def store_similar(con: duckdb.DuckDBPyConnection) -> None:
    """`similar_nearest`: per area and boundary year in `area_structure`, the area itself (rank 0) and its
    MOST_SIMILAR nearest areas of the same level, each with its name, distance and characteristics (one
    column each); and `similar_year`: the boundary year `similar_areas` uses by default for every area with
    any characteristic. Made once by the build, after `build_structure`, so that a request is one lookup."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE similar_nearest AS
        WITH standardised AS (
            -- one row per area, so that every pair of areas is a single join row
            SELECT area_code, level, boundary_year, {_wide("z")}
            FROM area_structure GROUP BY area_code, level, boundary_year
        ),
        distances AS (
            SELECT t.area_code, t.boundary_year, s.area_code AS neighbour, sqrt({_squares()}) AS distance
            FROM standardised t JOIN standardised s USING (level, boundary_year)
        ),
        -- top-k per area without sorting every pair: the area itself first, then by distance and code
        nearest AS (
            SELECT area_code, boundary_year,
                   min_by({{'neighbour': neighbour, 'distance': distance}},
                          (neighbour <> area_code, distance, neighbour), $most + 1) AS found
            FROM distances GROUP BY area_code, boundary_year
        ),
        ranked AS (
            SELECT area_code, boundary_year, generate_subscripts(found, 1) - 1 AS rank,
                   unnest(found, recursive := true)
            FROM nearest
        ),
        described AS (
            SELECT s.area_code, s.boundary_year, a.name, {_wide("value", "s.")}
            FROM area_structure s JOIN areas a ON a.code = s.area_code AND a.boundary_year = s.boundary_year
            GROUP BY s.area_code, s.boundary_year, a.name
        )
        -- a neighbour missing from the area registry is left out after ranking, as it was when computed
        -- per request
        SELECT r.area_code, r.boundary_year, r.rank, r.neighbour, d.name, r.distance, d.* EXCLUDE
               (area_code, boundary_year, name)
        FROM ranked r JOIN described d ON d.area_code = r.neighbour AND d.boundary_year = r.boundary_year
        ORDER BY r.area_code, r.boundary_year, r.rank
        """,
        {"most": MOST_SIMILAR},
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE similar_year AS
        WITH complete AS (SELECT area_code, max(boundary_year) AS boundary_year
                          FROM area_structure GROUP BY area_code),
        partial AS (
            SELECT area_code, boundary_year FROM published_observations
            WHERE list_contains($characteristics, indicator) AND value IS NOT NULL
              AND area_code NOT IN (SELECT area_code FROM complete)
            GROUP BY area_code, boundary_year
            QUALIFY row_number() OVER (PARTITION BY area_code
                                       ORDER BY count(DISTINCT indicator) DESC, boundary_year DESC) = 1
        )
        SELECT * FROM (SELECT * FROM complete UNION ALL SELECT * FROM partial) ORDER BY area_code
        """,
        {"characteristics": list(CHARACTERISTICS)},
    )


def similar_areas(
    con: duckdb.DuckDBPyConnection, code: str, *, k: int = 10, boundary_year: int | None = None
) -> tuple[int, list[SimilarArea]]:
    """The boundary year used and the k nearest areas (Euclidean on z-scores), the area itself first: by
    default in the latest boundary year with every characteristic (2024 where they could be carried
    there), else in the year with the most of them. Read from the tables `store_similar` made."""
    if k > MOST_SIMILAR:
        raise WijkzichtError(key="error.similar.too_many", k=k, most=MOST_SIMILAR)
    columns = ", ".join(f'"{name}"' for name in ORDERED)
    # The default year is looked up in the same query: one query per request instead of two.
    rows = con.execute(
        f"""SELECT boundary_year, neighbour, name, distance, {columns} FROM similar_nearest
            WHERE area_code = $code AND rank <= $k AND boundary_year = coalesce(
                $year, (SELECT boundary_year FROM similar_year WHERE area_code = $code))
            ORDER BY rank""",
        {"code": code, "year": boundary_year, "k": k},
    ).fetchall()
    if not rows or rows[0][1] != code:
        year = boundary_year or _best_boundary_year(con, code)
        raise WijkzichtError(f"{code} lacks some structural characteristics in boundary year {year}")
    return rows[0][0], [
        SimilarArea(row[1], row[2], row[3], dict(zip(ORDERED, row[4:], strict=True))) for row in rows
    ]


def _wide(column: str, table: str = "") -> str:
    """One column per characteristic (in name order) holding `column` of `area_structure`'s rows."""
    return ", ".join(
        f"max({table}{column}) FILTER (WHERE {table}indicator = '{name}') AS \"{name}\"" for name in ORDERED
    )


def _squares() -> str:
    # A characteristic without variation has no z-score (NULL) and adds nothing to a distance.
    return " + ".join(f'coalesce((s."{name}" - t."{name}") ^ 2, 0)' for name in ORDERED)


def _best_boundary_year(con: duckdb.DuckDBPyConnection, code: str) -> int:
    row = con.execute("SELECT boundary_year FROM similar_year WHERE area_code = ?", [code]).fetchone()
    if row is None:
        raise WijkzichtError(
            f"no structural characteristics for {code} in the warehouse (the snapshot has them for "
            "gemeenten and wijken on 2017 boundaries, not for buurten)"
        )
    return row[0]
