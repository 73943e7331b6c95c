"""Similar areas: the nearest areas of the same level on structural context characteristics.

Only structure: density, age structure, household composition and urbanity. Never migration background
or any other group characteristic, and never a problem indicator (similar areas are for comparing
problems, so the problems themselves cannot define the similarity).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.errors import WijkzichtError

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


@dataclass(frozen=True)
class SimilarArea:
    code: str
    name: str | None
    distance: float
    characteristics: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


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


def similar_areas(
    con: duckdb.DuckDBPyConnection, code: str, *, k: int = 10, boundary_year: int | None = None
) -> tuple[int, list[SimilarArea]]:
    """The boundary year used and the k nearest areas (Euclidean on z-scores), the area itself first."""
    year = boundary_year or _best_boundary_year(con, code)
    rows = con.execute(
        """
        WITH target AS (SELECT level, indicator, z FROM area_structure WHERE area_code = $code
                        AND boundary_year = $year),
        distances AS (
            SELECT s.area_code, sqrt(sum(coalesce((s.z - t.z) ^ 2, 0))) AS distance
            FROM area_structure s JOIN target t ON t.level = s.level AND t.indicator = s.indicator
            WHERE s.boundary_year = $year
            GROUP BY s.area_code
            ORDER BY s.area_code <> $code, distance, s.area_code
            LIMIT $limit
        )
        SELECT d.area_code, a.name, d.distance,
               map_from_entries(list((s.indicator, s.value) ORDER BY s.indicator)) AS characteristics
        FROM distances d
        JOIN areas a ON a.code = d.area_code AND a.boundary_year = $year
        JOIN area_structure s ON s.area_code = d.area_code AND s.boundary_year = $year
        GROUP BY d.area_code, a.name, d.distance
        ORDER BY d.area_code <> $code, d.distance, d.area_code
        """,
        {"code": code, "year": year, "limit": k + 1},
    ).fetchall()
    if not rows or rows[0][0] != code:
        raise WijkzichtError(f"{code} lacks some structural characteristics in boundary year {year}")
    return year, [SimilarArea(row[0], row[1], row[2], dict(row[3])) for row in rows]


def _best_boundary_year(con: duckdb.DuckDBPyConnection, code: str) -> int:
    """The latest boundary year with every characteristic (2024 where they could be carried there), else
    the year with the most of them."""
    row = (
        con.execute(
            "SELECT max(boundary_year) FROM area_structure WHERE area_code = ? HAVING count(*) > 0", [code]
        ).fetchone()
        or con.execute(
            """SELECT boundary_year FROM published_observations
           WHERE area_code = ? AND list_contains(?, indicator) AND value IS NOT NULL
           GROUP BY boundary_year ORDER BY count(DISTINCT indicator) DESC, boundary_year DESC LIMIT 1""",
            [code, list(CHARACTERISTICS)],
        ).fetchone()
    )
    if row is None:
        raise WijkzichtError(
            f"no structural characteristics for {code} in the warehouse (the snapshot has them for "
            "gemeenten and wijken on 2017 boundaries, not for buurten)"
        )
    return row[0]
