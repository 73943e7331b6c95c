"""A goal's progress, measured in the monitor warehouse, never typed in.

The series is the area's figures for the goal's indicator and subgroup across periods on one boundary year,
as `wijkzicht.monitor.trends` builds it (older periods join only where boundaries allow). The baseline is the
goal's baseline period in that series; the latest is the last period with a value. The pace so far
(change per year from baseline to latest), carried on to the target year, says whether the goal is on
track. See docs/method.md, "Voortgang van doelen".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import focus, trends
from wijkzicht.monitor.comparison import NATIONAL_CODE
from wijkzicht.programmes.models import Goal
from wijkzicht.warehouse.queries import one_value

G4 = ("GM0363", "GM0599", "GM0518", "GM0344")  # Amsterdam, Rotterdam, Den Haag, Utrecht
STATUSES = ("reached", "on_track", "off_track", "no_new_data", "no_data")


@dataclass(frozen=True)
class GoalProgress:
    goal_id: int
    indicator: str
    name: str
    unit: str
    area_code: str
    subgroup: str
    points: list[tuple[int, float | None]]
    baseline_period: int
    baseline_value: float | None  # in the warehouse now
    stored_baseline_value: float  # read from the warehouse when the goal was set
    latest_period: int | None
    latest_value: float | None
    change: float | None  # latest - baseline
    per_year: float | None  # the pace so far
    target_value: float
    target_year: int
    distance_to_target: float | None  # target - latest
    years_left: int | None  # target year - latest period
    projected_value: float | None  # latest + pace x years left
    status: str
    reference: str | None
    reference_value: float | None

    @property
    def baseline_revised(self) -> bool:
        """The warehouse now has another baseline figure than when the goal was set (a data revision)."""
        return (
            self.baseline_value is not None and abs(self.baseline_value - self.stored_baseline_value) > 1e-9
        )

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "baseline_revised": self.baseline_revised}


def series(
    con: duckdb.DuckDBPyConnection, indicator: str, area_code: str, subgroup: str
) -> tuple[str, str, list[tuple[int, float | None]]]:
    """(name, unit, points) of one area's series; one period alone is a series of one point."""
    found = trends.area_trends(con, area_code, indicator=indicator, subgroup=subgroup)
    if found:
        return found[0].name, found[0].unit, found[0].points
    rows = con.execute(
        """SELECT i.name_nl, i.unit, o.period, o.value FROM published_observations o
           JOIN indicators i ON i.id = o.indicator
           WHERE o.indicator = ? AND o.area_code = ? AND o.subgroup = ? AND o.value IS NOT NULL
           ORDER BY o.boundary_year DESC, o.period DESC LIMIT 1""",
        [indicator, area_code, subgroup],
    ).fetchall()
    return (rows[0][0], rows[0][1], [(rows[0][2], rows[0][3])]) if rows else ("", "", [])


def baseline_for(
    con: duckdb.DuckDBPyConnection, values: dict[str, object], gemeente_code: str
) -> dict[str, object]:
    """The baseline period and value of a new goal, read from the warehouse; a clear error when it has none."""
    indicator, area_code, subgroup = (
        str(values["indicator"]),
        str(values["area_code"]),
        str(values["subgroup"]),
    )
    if con.execute("SELECT 1 FROM indicators WHERE id = ?", [indicator]).fetchone() is None:
        raise WijkzichtError(f"indicator: {indicator!r} is not an indicator of the monitor")
    area = con.execute("SELECT level, gemeente_code FROM area_years WHERE code = ?", [area_code]).fetchone()
    if area is None:
        raise WijkzichtError(f"area_code: {area_code} is not a CBS area code")
    if (area_code if area[0] == "gemeente" else area[1]) != gemeente_code:
        raise WijkzichtError(f"area_code: {area_code} lies outside the focus area's gemeente {gemeente_code}")
    _, _, points = series(con, indicator, area_code, subgroup)
    measured = {period: value for period, value in points if value is not None}
    if not measured:
        available = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT subgroup FROM published_observations "
                "WHERE indicator = ? AND area_code = ? AND value IS NOT NULL ORDER BY 1",
                [indicator, area_code],
            ).fetchall()
        ]
        hint = f" (it has subgroups: {', '.join(available)})" if available else ""
        raise WijkzichtError(
            f"indicator, subgroup: the monitor has no figure of {indicator} ({subgroup}) for {area_code}{hint}"
        )
    period = values.get("baseline_period") or min(measured)
    if period not in measured:
        raise WijkzichtError(
            f"baseline_period: the monitor has {indicator} for {area_code} in "
            f"{', '.join(map(str, sorted(measured)))}, not in {period}"
        )
    if int(values["target_year"]) <= period:  # type: ignore[call-overload]
        raise WijkzichtError(f"target_year: must come after the baseline period {period}")
    return {"baseline_period": period, "baseline_value": measured[period]}


def goal_progress(con: duckdb.DuckDBPyConnection, goal: Goal) -> GoalProgress:
    name, unit, points = series(con, goal.indicator, goal.area_code, goal.subgroup)
    measured = [(period, value) for period, value in points if value is not None]
    baseline_value = dict(measured).get(goal.baseline_period)
    later = [(period, value) for period, value in measured if period >= goal.baseline_period]
    latest_period, latest_value = later[-1] if later else (None, None)
    change = per_year = distance = years_left = projected = None
    if latest_period is not None and latest_value is not None:
        distance = goal.target_value - latest_value
        years_left = goal.target_year - latest_period
        if baseline_value is not None and latest_period > goal.baseline_period:
            change = latest_value - baseline_value
            per_year = change / (latest_period - goal.baseline_period)
            projected = latest_value + per_year * max(years_left, 0)
    return GoalProgress(
        goal_id=goal.id,
        indicator=goal.indicator,
        name=name,
        unit=unit,
        area_code=goal.area_code,
        subgroup=goal.subgroup,
        points=points,
        baseline_period=goal.baseline_period,
        baseline_value=baseline_value,
        stored_baseline_value=goal.baseline_value,
        latest_period=latest_period,
        latest_value=latest_value,
        change=change,
        per_year=per_year,
        target_value=goal.target_value,
        target_year=goal.target_year,
        distance_to_target=distance,
        years_left=years_left,
        projected_value=projected,
        status=judge(
            goal.baseline_value,
            latest_value,
            projected,
            goal.target_value,
            latest_period,
            goal.baseline_period,
        ),
        reference=goal.reference,
        reference_value=reference_value(con, goal, latest_period) if goal.reference else None,
    )


def judge(
    baseline: float,
    latest: float | None,
    projected: float | None,
    target: float,
    latest_period: int | None,
    baseline_period: int,
) -> str:
    """The goal's way is from baseline to target: reached, on track at the pace so far, or off track."""
    if latest is None:
        return "no_data"
    wanted = (target > baseline) - (target < baseline)  # +1 up, -1 down, 0 hold the level
    if (latest - target) * wanted >= 0 and (wanted != 0 or latest == target):
        return "reached"
    if latest_period is None or latest_period <= baseline_period or projected is None:
        return "no_new_data"
    return "on_track" if (projected - target) * wanted >= 0 else "off_track"


def reference_value(con: duckdb.DuckDBPyConnection, goal: Goal, period: int | None) -> float | None:
    """The reference the goal compares with (its gemeente, the G4, the country) in the latest period."""
    if period is None:
        return None
    codes = {"nederland": [NATIONAL_CODE], "g4": list(G4)}.get(goal.reference or "")
    if codes is None:
        # the goal's area was checked against the warehouse when the goal was entered
        codes = [
            one_value(
                con, "SELECT coalesce(gemeente_code, code) FROM area_years WHERE code = ?", [goal.area_code]
            )
        ]
    figures = [
        figure
        for figure in focus.aggregate(
            con, codes, period=period, subgroup=goal.subgroup, indicator=goal.indicator
        )
        if figure.value is not None
    ]
    return max(figures, key=lambda figure: figure.boundary_year).value if figures else None
