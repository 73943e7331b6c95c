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


def similar_areas(
    con: duckdb.DuckDBPyConnection, code: str, *, k: int = 10, boundary_year: int | None = None
) -> tuple[int, list[SimilarArea]]:
    """The boundary year used and the k nearest areas (Euclidean on z-scores), the area itself first."""
    year = boundary_year or _best_boundary_year(con, code)
    rows = con.execute(
        """
        WITH target AS (SELECT level FROM areas WHERE code = ? AND boundary_year = ?),
        raw AS (
            SELECT o.area_code, o.indicator,
                   CASE WHEN list_contains(?, o.indicator) THEN ln(1 + o.value) ELSE o.value END AS value
            FROM observations o, target
            WHERE o.level = target.level AND o.boundary_year = ? AND o.subgroup = 'totaal'
              AND list_contains(?, o.indicator) AND o.value IS NOT NULL
        ),
        complete AS (  -- only areas with every characteristic, so all distances use the same dimensions
            SELECT area_code FROM raw GROUP BY area_code HAVING count(DISTINCT indicator) = len(?)
        ),
        standardised AS (
            SELECT r.area_code, r.indicator,
                   (r.value - avg(r.value) OVER w) / nullif(stddev_pop(r.value) OVER w, 0) AS z
            FROM raw r JOIN complete USING (area_code)
            WINDOW w AS (PARTITION BY r.indicator)
        ),
        distances AS (
            SELECT s.area_code, sqrt(sum(coalesce((s.z - t.z) ^ 2, 0))) AS distance
            FROM standardised s JOIN standardised t ON t.indicator = s.indicator AND t.area_code = ?
            GROUP BY s.area_code
        )
        SELECT d.area_code, a.name, d.distance,
               map_from_entries(list((o.indicator, o.value) ORDER BY o.indicator)) AS characteristics
        FROM distances d
        JOIN areas a ON a.code = d.area_code AND a.boundary_year = ?
        JOIN observations o ON o.area_code = d.area_code AND o.boundary_year = ? AND o.subgroup = 'totaal'
             AND list_contains(?, o.indicator)
        GROUP BY d.area_code, a.name, d.distance
        ORDER BY d.area_code <> ?, d.distance, d.area_code
        LIMIT ?
        """,
        [code, year, list(LOGARITHMIC), year, list(CHARACTERISTICS), list(CHARACTERISTICS), code,
         year, year, list(CHARACTERISTICS), code, k + 1],
    ).fetchall()  # fmt: skip
    if not rows or rows[0][0] != code:
        raise WijkzichtError(f"{code} lacks some structural characteristics in boundary year {year}")
    return year, [SimilarArea(row[0], row[1], row[2], dict(row[3])) for row in rows]


def _best_boundary_year(con: duckdb.DuckDBPyConnection, code: str) -> int:
    row = con.execute(
        """SELECT boundary_year FROM observations
           WHERE area_code = ? AND list_contains(?, indicator) AND value IS NOT NULL
           GROUP BY boundary_year ORDER BY count(DISTINCT indicator) DESC, boundary_year DESC LIMIT 1""",
        [code, list(CHARACTERISTICS)],
    ).fetchone()
    if row is None:
        raise WijkzichtError(
            f"no structural characteristics for {code} in the warehouse (the snapshot has them for "
            "gemeenten and wijken on 2017 boundaries, not for buurten)"
        )
    return row[0]
