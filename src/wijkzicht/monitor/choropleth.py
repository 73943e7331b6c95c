"""What a choropleth map shows: one measure for the areas of one level and partition, in classes that say
what they mean, and which boundaries those values may be drawn on.

A *measure* is the overall index, the stacking count, a domain score or an indicator. Values come from the
stored scores (`area_index`, `domain_scores`, view `standardised`) and the publishing gate
(`published_observations`), so a value suppressed for a small population is never drawn; areas are classed by
their national percentile within the level (fixed bands, so the classes read as "de 10% met de meeste
problemen"), by the stacking count, or, for an indicator without a direction, by value quintiles.

Boundaries come from the warehouse table `geometries`. Values and polygons must describe the same area: a
value on boundary year Y is drawn on the polygons of Y, or, when there are none, of the nearest year G that
has polygons, but only for codes whose boundaries did not change between Y and G. That is checked with the
VNG address matrices (`address_moves`, to 2024): a code is taken to be unchanged when it takes part in the
same boundary changes to 2024 from Y as from G (none at all, or the same pairs of old and new codes). See
docs/method.md, "Map".
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import duckdb

from wijkzicht.catalogue import LATEST_PICTURE, PARTITION_PREFERENCE, Catalogue, Indicator
from wijkzicht.errors import NotFoundError, WijkzichtError
from wijkzicht.warehouse.queries import has_table, one_value

MAP_LEVELS = ("gemeente", "wijk", "buurt")
# Percentile bands, from the fewest to the most problems; the last is the worst decile used for stacking.
PERCENTILE_BANDS = ((0, 25), (25, 50), (50, 75), (75, 90), (90, 100))
_BAND_UPPER_BOUNDS = [upper for _, upper in PERCENTILE_BANDS]
QUINTILES = 5
MATRIX_TARGET_YEAR = 2024  # the VNG matrices carry every earlier boundary year to 2024
# Simplification of the map's coverage per level, in degrees (WGS84). `ST_CoverageSimplify` removes a vertex
# when the triangle it makes with its neighbours is smaller than the tolerance squared (about 140 x 220 m,
# 70 x 110 m and 35 x 55 m): the snapshot's polygons are already simplified one by one, so a distance
# tolerance of 0.0002 (Douglas-Peucker) removed 0.4% of their vertices and changed nothing served.
SIMPLIFY_TOLERANCE = {"gemeente": 0.002, "wijk": 0.001, "buurt": 0.0005}


@dataclass(frozen=True)
class Measure:
    kind: str  # 'index', 'stacking', 'domain' or 'indicator'
    key: str | None = None  # the domain or indicator id

    @classmethod
    def parse(cls, text: str, catalogue: Catalogue) -> Measure:
        """`index`, `stacking`, `domain:<domain id>` or `indicator:<indicator id>`."""
        kind, _, key = text.strip().partition(":")
        if kind in ("index", "stacking") and not key:
            return cls(kind)
        if kind == "domain" and key in catalogue.problem_domains:
            return cls(kind, key)
        if kind == "indicator" and key in catalogue.indicators and mappable(catalogue.indicators[key]):
            return cls(kind, key)
        raise WijkzichtError(
            f"unknown measure {text!r}: expected index, stacking, domain:<id> (e.g. domain:health) or "
            "indicator:<id> (e.g. indicator:eenzaam)"
        )

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}" if self.key else self.kind

    def indicator(self, catalogue: Catalogue) -> Indicator | None:
        return catalogue.indicators[self.key] if self.kind == "indicator" and self.key else None

    def classed_by_percentile(self, catalogue: Catalogue) -> bool:
        indicator = self.indicator(catalogue)
        return self.kind in ("index", "domain") or (indicator is not None and indicator.scored)


def mappable(indicator: Indicator) -> bool:
    """Group characteristics (migration background) describe who lives somewhere: never mapped as a problem."""
    return not indicator.group_characteristic


@dataclass(frozen=True)
class Partition:
    boundary_year: int
    period: int
    subgroup: str


@dataclass(frozen=True)
class AreaValue:
    code: str
    name: str | None
    gemeente: str | None
    value: float | None
    percentile: float | None  # national, within the level; higher = more problems
    status: str  # 'ranked', 'suppressed' or 'missing'
    reason: str | None
    category: int | None = None  # index into the legend's classes
    worst_domains: tuple[str, ...] = ()
    drawn: bool = False  # whether a polygon of the map's geometry year shows this value
    gemeente_code: str | None = None
    stability: str | None = (
        None  # rank stability label of a score (monitor/stability.py), latest picture only
    )


# (code, name, gemeente, value, percentile, status, reason, worst domain names, gemeente code, stability label)
ValueRow = tuple[
    str, str | None, str | None, Any, float | None, str, str | None, list[str] | None, str | None, str | None
]


@dataclass(frozen=True)
class LegendClass:
    category: int
    kind: str  # 'band', 'count' or 'quintile'
    lower: float
    upper: float
    areas: int


@dataclass
class MapData:
    level: str
    measure: Measure
    partition: Partition | None
    partitions: list[Partition]
    geometry_year: int | None
    values: list[AreaValue] = field(default_factory=list)
    legend: list[LegendClass] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)  # requested settings that had no data, replaced

    @property
    def drawn(self) -> int:
        return sum(value.drawn for value in self.values)


# --- Which partitions a measure has ----------------------------------------------------------------


def partitions(con: duckdb.DuckDBPyConnection, level: str, measure: Measure) -> list[Partition]:
    """The (boundary year, period, subgroup) combinations with values, best first, as `wijkzicht rank`
    chooses: the latest boundary year; for the index and the stacking the partition whose scores cover the
    most domains; then the latest period; the latest picture, then 18+ before totaal."""
    source, condition, parameters = _partition_source(measure)
    domains = "max(domains_scored) DESC, " if source == "area_index" else ""
    rows = con.execute(
        f"""
        SELECT boundary_year, period, subgroup FROM {source}
        WHERE level = ? AND {condition}
        GROUP BY boundary_year, period, subgroup
        ORDER BY boundary_year DESC, {domains}period DESC, list_position(?, subgroup) NULLS LAST, subgroup
        """,
        [level, *parameters, list(PARTITION_PREFERENCE)],
    ).fetchall()
    return [Partition(*row) for row in rows]


def _partition_source(measure: Measure) -> tuple[str, str, list[object]]:
    if measure.kind in ("index", "stacking"):
        return "area_index", "TRUE", []
    if measure.kind == "domain":
        return "domain_scores", "domain = ?", [measure.key]
    # the partitions of the gate's values as the build counted them (reading the gate itself took 0.1-0.2 s
    # per indicator, the stored values 15 ms)
    return "published_value_partitions", "indicator = ? AND value_count > 0", [measure.key]


def choose_partition(
    available: list[Partition], period: int | None, subgroup: str | None, boundary_year: int | None
) -> tuple[Partition | None, list[str]]:
    """The best partition matching what was asked; as few settings as possible are given up, and named.

    The boundary year is given up first (it follows from the data), the period last. A period asked for
    without a subgroup means that period's own figures, not the latest picture (`index.latest_partition`).
    """
    if period is not None and subgroup is None:
        available = [candidate for candidate in available if candidate.subgroup != LATEST_PICTURE]
    asked = {"boundary_year": boundary_year, "subgroup": subgroup, "period": period}
    given = [setting for setting, value in asked.items() if value is not None]
    for count in range(len(given) + 1):
        for dropped in combinations(given, count):
            for candidate in available:
                if all(getattr(candidate, s) == asked[s] for s in given if s not in dropped):
                    return candidate, list(dropped)
    return None, given


# --- Values and classes ----------------------------------------------------------------------------


def map_data(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    level: str,
    measure: Measure,
    *,
    period: int | None = None,
    subgroup: str | None = None,
    boundary_year: int | None = None,
) -> MapData:
    """Everything a map needs for one level and measure; settings without data fall back to the best."""
    if level not in MAP_LEVELS:
        raise WijkzichtError(f"unknown level {level!r} (expected one of: {', '.join(MAP_LEVELS)})")
    available = partitions(con, level, measure)
    partition, adjusted = choose_partition(available, period, subgroup, boundary_year)
    if partition is None:
        return MapData(level, measure, None, available, None, adjusted=adjusted)
    rows = _read_values(con, level, measure, partition)
    geometry_year = nearest_geometry_year(con, level, partition.boundary_year)
    drawable = drawable_codes(con, level, partition.boundary_year, geometry_year) if geometry_year else set()
    if measure.kind == "stacking":
        legend, categories = _count_classes(rows)
    elif measure.classed_by_percentile(catalogue):
        legend, categories = _band_classes(rows)
    else:
        legend, categories = _quintile_classes(rows)
    values = [
        AreaValue(
            *row[:7],
            category=category,
            worst_domains=tuple(row[7] or ()),
            drawn=row[0] in drawable,
            gemeente_code=row[8],
            stability=row[9],
        )
        for row, category in zip(rows, categories, strict=True)
    ]
    return MapData(level, measure, partition, available, geometry_year, values, legend, adjusted)


def _read_values(
    con: duckdb.DuckDBPyConnection, level: str, measure: Measure, partition: Partition
) -> list[ValueRow]:
    """(code, name, gemeente, value, percentile, status, reason, worst domain names, gemeente code, stability
    label), most problems first."""
    key: list[object] = [level, partition.boundary_year, partition.period, partition.subgroup]
    in_partition = "level = ? AND boundary_year = ? AND period = ? AND subgroup = ?"
    if measure.kind in ("index", "stacking"):
        value = "worst_domains" if measure.kind == "stacking" else "score"
        source = f"""SELECT area_code, {value} AS value, percentile, 'ranked' AS status, NULL AS reason,
                            worst_domain_names FROM area_index WHERE {in_partition}"""
        parameters = key
    elif measure.kind == "domain":
        source = f"""SELECT area_code, score AS value, percentile, 'ranked' AS status, NULL AS reason,
                            NULL AS worst_domain_names FROM domain_scores WHERE {in_partition} AND domain = ?"""
        parameters = [*key, measure.key]
    elif _is_scored(con, measure.key):
        # A scored indicator carries its percentile and suppression in `standardised`.
        source = f"""SELECT area_code, value, percentile, status::VARCHAR AS status, reason,
                            NULL::VARCHAR[] AS worst_domain_names
                     FROM standardised WHERE {in_partition} AND indicator = ?"""
        parameters = [*key, measure.key]
    else:
        # The others are read through the publishing gate, which withholds the values of areas below the
        # minimum population.
        source = f"""SELECT area_code, value, NULL AS percentile,
                            CASE WHEN suppressed THEN 'suppressed' WHEN value IS NULL THEN 'missing'
                                 ELSE 'ranked' END AS status,
                            missing_reason AS reason, NULL::VARCHAR[] AS worst_domain_names
                     FROM published_observations WHERE {in_partition} AND indicator = ?"""
        parameters = [*key, measure.key]
    return con.execute(
        f"""
        SELECT v.area_code, a.name, g.name, v.value, v.percentile, v.status, v.reason, v.worst_domain_names,
               a.gemeente_code, st.label
        FROM ({source}) v
        LEFT JOIN areas a ON a.code = v.area_code AND a.boundary_year = ?
        LEFT JOIN areas g ON g.code = a.gemeente_code AND g.boundary_year = a.boundary_year
        LEFT JOIN rank_stability st ON st.area_code = v.area_code AND st.score = ?
             AND (st.level, st.boundary_year, st.period, st.subgroup) = (?, ?, ?, ?)
        ORDER BY v.value IS NULL, v.percentile DESC NULLS LAST, v.value DESC, v.area_code
        """,
        [*parameters, partition.boundary_year, _stability_score(measure), *key],
    ).fetchall()


def _is_scored(con: duckdb.DuckDBPyConnection, indicator: str | None) -> bool:
    """Whether the scores standardised any series of the indicator: its map then reads `standardised`
    alone (asking both sources and keeping one cost a pass over the gate, 60 ms for a buurt map)."""
    return bool(one_value(con, "SELECT count(*) > 0 FROM score_series WHERE indicator = ?", [indicator]))


def _stability_score(measure: Measure) -> str | None:
    """The score whose rank stability the map marks: the index (also behind the stacking view) or a domain."""
    if measure.kind in ("index", "stacking"):
        return "index"
    return measure.key if measure.kind == "domain" else None


# Each row's class (None without a value) beside the legend: a buurt map classes some 16,000 rows.
Classes = tuple[list[LegendClass], list[int | None]]


def _band_classes(rows: list[ValueRow]) -> Classes:
    """Fixed national percentile bands: the same class means the same position on every map."""
    last = len(PERCENTILE_BANDS) - 1  # the top band holds its upper bound, 100, too
    categories = [
        None if row[4] is None else min(bisect_right(_BAND_UPPER_BOUNDS, row[4]), last) for row in rows
    ]
    counts = Counter(categories)
    legend = [
        LegendClass(i, "band", lower, upper, counts[i]) for i, (lower, upper) in enumerate(PERCENTILE_BANDS)
    ]
    return legend, categories


def _count_classes(rows: list[ValueRow]) -> Classes:
    """Stacking: one class per number of domains in the worst decile, from 0 to the highest found."""
    categories = [None if row[3] is None else int(row[3]) for row in rows]
    highest = max((n for n in categories if n is not None), default=0)
    counts = Counter(categories)
    return [LegendClass(n, "count", n, n, counts[n]) for n in range(highest + 1)], categories


def _quintile_classes(rows: list[ValueRow]) -> Classes:
    """An indicator without a direction: five classes of (about) equal numbers of areas, by value."""
    ordered = sorted(row[3] for row in rows if row[3] is not None)
    if not ordered:
        return [], [None] * len(rows)
    # Upper bounds at the 20th, 40th ... percentile; ties stay in one class, so classes may be uneven.
    bounds = [ordered[min(len(ordered) - 1, (len(ordered) * q) // QUINTILES)] for q in range(1, QUINTILES)]
    bounds.append(ordered[-1])

    def class_of(value: float) -> int:
        return bisect_left(bounds, value)  # the first class whose upper bound holds the value

    # Each class is labelled with the smallest and largest value it holds, so labels never overlap.
    members: dict[int, list[float]] = {}
    for value in ordered:
        members.setdefault(class_of(value), []).append(value)
    legend = [LegendClass(i, "quintile", held[0], held[-1], len(held)) for i, held in sorted(members.items())]
    return legend, [None if row[3] is None else class_of(row[3]) for row in rows]


# --- Boundaries ------------------------------------------------------------------------------------


def geometry_years(con: duckdb.DuckDBPyConnection, level: str) -> list[int]:
    rows = con.execute(
        "SELECT DISTINCT boundary_year FROM geometries WHERE level = ? ORDER BY 1", [level]
    ).fetchall()
    return [row[0] for row in rows]


def nearest_geometry_year(con: duckdb.DuckDBPyConnection, level: str, boundary_year: int) -> int | None:
    """The values' own boundary year when it has polygons, else the nearest one (the later on a tie)."""
    years = geometry_years(con, level)
    return min(years, key=lambda year: (abs(year - boundary_year), -year)) if years else None


def drawable_codes(
    con: duckdb.DuckDBPyConnection, level: str, value_year: int, geometry_year: int
) -> set[str]:
    """Codes whose polygon of `geometry_year` is the area the values of `value_year` describe."""
    if value_year == geometry_year:
        rows = con.execute(
            "SELECT code FROM geometries WHERE level = ? AND boundary_year = ?", [level, geometry_year]
        ).fetchall()
        return {row[0] for row in rows}
    with_matrix = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT from_year FROM address_moves WHERE level = ? AND variant = 'adres'", [level]
        ).fetchall()
    } | {MATRIX_TARGET_YEAR}
    if not {value_year, geometry_year} <= with_matrix:
        return set()  # no way to tell whether the boundaries changed: draw nothing rather than guess
    rows = con.execute(
        """
        WITH moves AS (
            SELECT from_year, old_code, new_code FROM address_moves
            WHERE level = ? AND variant = 'adres' AND from_year IN (?, ?)
        ),
        involved AS (
            SELECT from_year, old_code AS code, old_code, new_code FROM moves
            UNION SELECT from_year, new_code AS code, old_code, new_code FROM moves
        ),
        relations AS (
            SELECT from_year, code, list((old_code, new_code) ORDER BY old_code, new_code) AS pairs
            FROM involved GROUP BY ALL
        )
        SELECT g.code FROM geometries g
        JOIN areas a ON a.code = g.code AND a.boundary_year = ? AND a.level = g.level
        LEFT JOIN relations v ON v.code = g.code AND v.from_year = ?
        LEFT JOIN relations r ON r.code = g.code AND r.from_year = ?
        WHERE g.level = ? AND g.boundary_year = ? AND v.pairs IS NOT DISTINCT FROM r.pairs
        """,
        [level, value_year, geometry_year, value_year, value_year, geometry_year, level, geometry_year],
    ).fetchall()
    return {row[0] for row in rows}


def boundaries_geojson(con: duckdb.DuckDBPyConnection, level: str, boundary_year: int) -> dict[str, object]:
    """The polygons of one level and year with only code and name (values join in the browser): the build's
    simplified coverage (`map_geometries`), or for a warehouse built without it the polygons as read."""
    if level not in MAP_LEVELS:
        raise WijkzichtError(f"unknown level {level!r} (expected one of: {', '.join(MAP_LEVELS)})")
    has_coverage = has_table(con, "map_geometries")
    rows = con.execute(
        f"""
        SELECT g.code, a.name, ST_AsGeoJSON(g.geom)
        FROM {"map_geometries" if has_coverage else "geometries"} g
        LEFT JOIN areas a ON a.code = g.code AND a.boundary_year = g.boundary_year
        WHERE g.level = ? AND g.boundary_year = ? ORDER BY g.code
        """,
        [level, boundary_year],
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no {level} boundaries for boundary year {boundary_year} in the warehouse")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": json.loads(geometry)}
            for code, name, geometry in rows
        ],
    }
