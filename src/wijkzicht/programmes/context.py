"""A goal's progress in context: how the same indicator moved in similar areas outside every programme.

The NPRZ midterm review advised judging results against comparable areas rather than an average. For a
goal the comparison group is the k most similar areas of the goal's level (`wijkzicht.monitor.similar`, on
the structure of the boundary year closest to the baseline), leaving out every wijk of a focus area. Their
change over the goal's own periods (baseline to latest, same subgroup and boundary year) gives a band, the
25th to 75th percentile; the goal's change is better than the band, within it, or worse. See docs/method.md,
"Voortgang in context".
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import quantiles

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import similar
from wijkzicht.monitor.focus import load_focus_areas

SIMILAR_COUNT = 10
# Fewer areas with a change than this make no band: a quartile of three numbers says nothing.
MINIMUM_AREAS = 5
VERDICTS = ("better", "equal", "worse", "too_few_areas", "no_change_yet")


@dataclass(frozen=True)
class Context:
    verdict: str  # one of VERDICTS
    areas: list[str]  # the similar areas whose change makes the band
    low: float | None = None  # 25th percentile of their change
    high: float | None = None  # 75th percentile
    structure_year: int | None = None  # the boundary year of the similarity


def in_context(
    con: duckdb.DuckDBPyConnection,
    *,
    indicator: str,
    subgroup: str,
    area_code: str,
    baseline_period: int,
    latest_period: int | None,
    change: float | None,
    direction: str,
) -> Context:
    """The band of similar areas' change from baseline to latest, and where the goal's change falls."""
    if change is None or latest_period is None:
        return Context("no_change_yet", [])
    try:
        year, nearest = _similar_outside_programmes(con, area_code, baseline_period)
    except WijkzichtError:
        return Context("too_few_areas", [])
    # one reading for the goal's area and its similar areas together
    changes = _changes(con, indicator, subgroup, (baseline_period, latest_period), [area_code, *nearest])
    own_years = [boundary_year for code, boundary_year in changes if code == area_code]
    if not own_years:  # the goal's series joined older boundaries: no single boundary year holds both periods
        return Context("too_few_areas", [], structure_year=year)
    # the similar areas' change on the boundaries of the goal's own: the latest that has both periods
    own_year = max(own_years)
    band = {
        code: found
        for (code, boundary_year), found in changes.items()
        if code != area_code and boundary_year == own_year
    }
    if len(band) < MINIMUM_AREAS:
        return Context("too_few_areas", sorted(band), structure_year=year)
    low, _, high = quantiles(band.values(), n=4, method="inclusive")
    return Context(_verdict(change, low, high, direction), sorted(band), low, high, year)


def _verdict(change: float, low: float, high: float, direction: str) -> str:
    """Better than the band when the change is beyond its favourable edge, worse beyond the other edge."""
    if low <= change <= high:
        return "equal"
    favourable = change < low if direction == "higher_is_worse" else change > high
    return "better" if favourable else "worse"


def _similar_outside_programmes(
    con: duckdb.DuckDBPyConnection, code: str, baseline_period: int
) -> tuple[int, list[str]]:
    """The structure year closest to the baseline and the SIMILAR_COUNT nearest areas in no focus area."""
    years = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT boundary_year FROM area_structure WHERE area_code = ?", [code]
        ).fetchall()
    ]
    if not years:
        raise WijkzichtError(f"{code} has no structural characteristics")
    year = min(years, key=lambda candidate: (abs(candidate - baseline_period), candidate))
    focus = {wijk for area in load_focus_areas() for wijk in area.wijken}
    # ask for enough neighbours that the focus wijken left out still leave SIMILAR_COUNT (within the most
    # the build stores)
    wanted = min(SIMILAR_COUNT + len(focus), similar.MOST_SIMILAR)
    _, nearest = similar.similar_areas(con, code, k=wanted, boundary_year=year)
    outside = [area.code for area in nearest[1:] if area.code not in focus]
    return year, outside[:SIMILAR_COUNT]


def _changes(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    subgroup: str,
    periods: tuple[int, int],
    codes: list[str],
) -> dict[tuple[str, int], float]:
    """Per area and boundary year with a published figure in both periods: latest minus baseline.

    Read from the gate's stored rows (`published_values`, sorted by area code), the codes as a semi-join:
    DuckDB then skips the blocks of other areas, where the view with `list_contains` read every figure of
    the indicator (a tenth of the cost per goal: a report asks once per goal)."""
    rows = con.execute(
        """
        SELECT area_code, boundary_year, arg_max(value, period) - arg_min(value, period)
        FROM published_values
        WHERE indicator = $indicator AND subgroup = $subgroup AND period IN ($first, $last)
          AND value IS NOT NULL AND area_code IN (SELECT unnest($codes::VARCHAR[]))
        GROUP BY area_code, boundary_year HAVING count(*) = 2
        """,
        {
            "indicator": indicator,
            "subgroup": subgroup,
            "first": periods[0],
            "last": periods[1],
            "codes": codes,
        },
    ).fetchall()
    return {(code, boundary_year): change for code, boundary_year, change in rows}
