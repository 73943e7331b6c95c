"""A goal's progress, measured in the monitor warehouse, never typed in.

The series is the area's figures for the goal's indicator and subgroup across periods on one boundary year,
as `wijkzicht.monitor.trends` builds it (older periods join only where boundaries allow). The baseline is the
last measurement at or before the programme's start; the latest is the last period with a value. The pace so
far (change per year from baseline to latest), carried on to the target year, says whether the goal is on
track, but only once there is a measurement after the start: a figure from before the programme says nothing
about it. See docs/method.md, "Voortgang van doelen".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

from wijkzicht.catalogue import Indicator, load_catalogue
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import trends
from wijkzicht.monitor.comparison import NATIONAL_CODE
from wijkzicht.programmes.context import Context, in_context
from wijkzicht.programmes.models import Goal
from wijkzicht.records import plain
from wijkzicht.warehouse.queries import one_value

G4 = ("GM0363", "GM0599", "GM0518", "GM0344")  # Amsterdam, Rotterdam, Den Haag, Utrecht
STATUSES = ("reached", "on_track", "off_track", "not_measured_since_start", "no_data")


@dataclass(frozen=True)
class Reference:
    """The figure a goal is compared with in one period, and what it leaves out or carries over."""

    value: float | None = None
    missing: list[str] = field(default_factory=list)  # names of members without a figure for the period
    changed: list[str] = field(default_factory=list)  # names of members whose boundaries changed since


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
    years_left: int  # target year - this year (0 once it has passed)
    projected_value: float | None  # latest + pace x (target year - latest period)
    status: str
    start_year: int  # the programme's
    forbidden: str | None  # why the method forbids a goal on this indicator (made before the rule), or None
    reference: str | None
    reference_value: float | None
    reference_missing: list[str]
    reference_changed: list[str]
    # the same indicator's change in similar areas outside every programme, and the verdict against it
    context: Context

    @property
    def baseline_revised(self) -> bool:
        """The warehouse now has another baseline figure than when the goal was set (a data revision)."""
        return (
            self.baseline_value is not None and abs(self.baseline_value - self.stored_baseline_value) > 1e-9
        )

    def as_dict(self) -> dict[str, object]:
        return {**plain(self), "baseline_revised": self.baseline_revised}


# Why an indicator cannot carry a goal (the catalogue's reason it is not scored): the method scores problems
# and a goal steers on a problem; context and residents' group characteristics (origin, marital status) are
# never one. A goal's refusal says it in the reader's language (translations: error.goal.unscored.*).
GOAL_REFUSALS = {
    "group_characteristic": "a group characteristic of residents",
    "context": "context (it describes the area, not a problem)",
    "neutral": "neutral (neither higher nor lower is better)",
    "local": "measured by some municipalities only",
}


def goal_indicators() -> list[Indicator]:
    """The indicators a goal may be set on, the catalogue's scored problem indicators, in catalogue order."""
    return [indicator for indicator in load_catalogue().indicators.values() if indicator.scored]


def check_goal_indicator(indicator_id: str) -> None:
    """The one rule for goals, applied whenever a goal is made or changed (API, forms, CLI all go through
    `records`): only the catalogue's scored problem indicators."""
    indicator = load_catalogue().indicators.get(indicator_id)
    if indicator is None:
        raise WijkzichtError(key="error.goal.not_indicator", field="indicator", indicator=indicator_id)
    if (refusal := indicator.unscored_because) is not None:
        raise WijkzichtError(key=f"error.goal.unscored.{refusal}", field="indicator", indicator=indicator_id)


Series = tuple[str, str, list[tuple[int, float | None]]]  # (name, unit, points)


def series(con: duckdb.DuckDBPyConnection, indicator: str, area_code: str, subgroup: str) -> Series:
    """(name, unit, points) of one area's series; one period alone is a series of one point."""
    found = trends.area_trends(con, area_code, indicator=indicator, subgroup=subgroup)
    return _series_among(con, found, indicator, area_code, subgroup)


def _series_among(
    con: duckdb.DuckDBPyConnection, found: list[trends.Trend], indicator: str, area_code: str, subgroup: str
) -> Series:
    """The series of `indicator` and `subgroup` among an area's trends, else its one measured period."""
    for trend in found:
        if trend.indicator == indicator and trend.subgroup == subgroup:
            return trend.name, trend.unit, trend.points
    rows = con.execute(
        """SELECT i.name_nl, i.unit, o.period, o.value FROM published_observations o
           JOIN indicators i ON i.id = o.indicator
           WHERE o.indicator = ? AND o.area_code = ? AND o.subgroup = ? AND o.value IS NOT NULL
           ORDER BY o.boundary_year DESC, o.period DESC LIMIT 1""",
        [indicator, area_code, subgroup],
    ).fetchall()
    return (rows[0][0], rows[0][1], [(rows[0][2], rows[0][3])]) if rows else ("", "", [])


def baseline_for(
    con: duckdb.DuckDBPyConnection, values: dict[str, object], gemeente_code: str, start_year: int
) -> dict[str, object]:
    """The baseline period and value of a new goal, read from the warehouse; a clear error when it has none.

    Unless the goal names one, the baseline is the last measurement at or before the programme's start year
    (the situation the programme starts from), or the first one when the series begins later."""
    indicator, area_code, subgroup = (
        str(values["indicator"]),
        str(values["area_code"]),
        str(values["subgroup"]),
    )
    check_goal_indicator(indicator)
    if con.execute("SELECT 1 FROM indicators WHERE id = ?", [indicator]).fetchone() is None:
        raise WijkzichtError(key="error.goal.not_indicator", field="indicator", indicator=indicator)
    area = con.execute("SELECT level, gemeente_code FROM area_years WHERE code = ?", [area_code]).fetchone()
    if area is None:
        raise WijkzichtError(key="error.goal.not_area_code", field="area_code", code=area_code)
    if (area_code if area[0] == "gemeente" else area[1]) != gemeente_code:
        raise WijkzichtError(
            key="error.goal.outside_gemeente", field="area_code", code=area_code, gemeente=gemeente_code
        )
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
        raise WijkzichtError(
            key="error.goal.no_figure_subgroups" if available else "error.goal.no_figure",
            field="indicator, subgroup",
            indicator=indicator,
            subgroup=subgroup,
            code=area_code,
            available=", ".join(available),
        )
    before_start = [period for period in measured if period <= start_year]
    period = values.get("baseline_period") or (max(before_start) if before_start else min(measured))
    if period not in measured:
        raise WijkzichtError(
            key="error.goal.baseline_period",
            field="baseline_period",
            indicator=indicator,
            code=area_code,
            periods=", ".join(map(str, sorted(measured))),
            period=period,
        )
    if int(values["target_year"]) <= period:  # type: ignore[call-overload]
        raise WijkzichtError(key="error.goal.target_year", field="target_year", period=period)
    return {"baseline_period": period, "baseline_value": measured[period]}


def goals_progress(
    con: duckdb.DuckDBPyConnection, goals: Sequence[Goal], today: date | None = None
) -> list[GoalProgress]:
    """Each goal's `goal_progress`, reading the trends of an area with several goals once for all of them:
    a report lists several goals per wijk, and one area's trends cost about as much as two single series."""
    goals_per_area = Counter(goal.area_code for goal in goals)
    shared = {code: trends.area_trends(con, code) for code, count in goals_per_area.items() if count > 1}
    return [
        goal_progress(
            con,
            goal,
            today,
            known_series=_series_among(
                con, shared[goal.area_code], goal.indicator, goal.area_code, goal.subgroup
            )
            if goal.area_code in shared
            else None,
        )
        for goal in goals
    ]


def goal_progress(
    con: duckdb.DuckDBPyConnection,
    goal: Goal,
    today: date | None = None,
    *,
    known_series: Series | None = None,
) -> GoalProgress:
    """The goal's progress as the warehouse measures it; `today` (default: the clock) counts the time left.
    `known_series`: the goal's series when the caller has read it already (`goals_progress`)."""
    if known_series is None:
        known_series = series(con, goal.indicator, goal.area_code, goal.subgroup)
    name, unit, points = known_series
    measured = [(period, value) for period, value in points if value is not None]
    baseline_value = dict(measured).get(goal.baseline_period)
    later = [(period, value) for period, value in measured if period >= goal.baseline_period]
    latest_period, latest_value = later[-1] if later else (None, None)
    change = per_year = distance = projected = None
    if latest_period is not None and latest_value is not None:
        distance = goal.target_value - latest_value
        if baseline_value is not None and latest_period > goal.baseline_period:
            change = latest_value - baseline_value
            per_year = change / (latest_period - goal.baseline_period)
            projected = latest_value + per_year * max(goal.target_year - latest_period, 0)
    start_year = goal.programme.start_year
    reference = reference_value(con, goal, latest_period) if goal.reference else Reference()
    catalogued = load_catalogue().indicators.get(goal.indicator)
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
        years_left=max(goal.target_year - (today or date.today()).year, 0),
        projected_value=projected,
        status=judge(
            goal.baseline_value,
            latest_value,
            projected,
            goal.target_value,
            latest_period,
            max(goal.baseline_period, start_year),
        ),
        start_year=start_year,
        forbidden=catalogued.unscored_because if catalogued else None,
        reference=goal.reference,
        reference_value=reference.value,
        reference_missing=reference.missing,
        reference_changed=reference.changed,
        context=_context(con, goal, latest_period, change, catalogued.direction if catalogued else "neutral"),
    )


def _context(
    con: duckdb.DuckDBPyConnection,
    goal: Goal,
    latest_period: int | None,
    change: float | None,
    direction: str,
) -> Context:
    """The goal's change against similar areas outside every programme; a verdict only on a measurement after
    the programme's start (or a later baseline), as the on-track judgement."""
    if latest_period is None or latest_period <= max(goal.baseline_period, goal.programme.start_year):
        return Context("no_change_yet", [])
    return in_context(
        con,
        indicator=goal.indicator,
        subgroup=goal.subgroup,
        area_code=goal.area_code,
        baseline_period=goal.baseline_period,
        latest_period=latest_period,
        change=change,
        direction=direction,
    )


def judge(
    baseline: float,
    latest: float | None,
    projected: float | None,
    target: float,
    latest_period: int | None,
    since: int,
) -> str:
    """The goal's way is from baseline to target: reached, on track at the pace so far, or off track; but only
    on a measurement after `since` (the programme's start, or a later baseline): no colour on older data."""
    if latest is None:
        return "no_data"
    if latest_period is None or latest_period <= since or projected is None:
        return "not_measured_since_start"
    wanted = (target > baseline) - (target < baseline)  # +1 up, -1 down, 0 hold the level
    if (latest - target) * wanted >= 0 and (wanted != 0 or latest == target):
        return "reached"
    return "on_track" if (projected - target) * wanted >= 0 else "off_track"


def reference_codes(con: duckdb.DuckDBPyConnection, goal: Goal) -> list[str]:
    """The members of the goal's reference: the country, the four largest cities, or the area's gemeente."""
    if goal.reference == "nederland":
        return [NATIONAL_CODE]
    if goal.reference == "g4":
        return list(G4)
    # the goal's area was checked against the warehouse when the goal was entered
    return [
        one_value(
            con, "SELECT coalesce(gemeente_code, code) FROM area_years WHERE code = ?", [goal.area_code]
        )
    ]


def reference_value(con: duckdb.DuckDBPyConnection, goal: Goal, period: int | None) -> Reference:
    """The reference the goal compares with (its gemeente, the G4, the country) in the latest period.

    Each member's own published figure for the period (on the latest boundaries that have it), combined by the
    indicator's aggregation, population-weighted with the weights of section 12 of the method. A member's
    figure counts on the boundaries of its year even when they changed later (Amsterdam before Weesp joined in
    2022): the reference names such members, and those without a figure, so nothing is left out silently."""
    if period is None:
        return Reference()
    members = reference_codes(con, goal)
    rows = con.execute(
        f"""
        WITH figures AS (
            SELECT area_code, max(boundary_year) AS boundary_year, arg_max(value, boundary_year) AS value
            FROM published_observations
            WHERE indicator = $indicator AND subgroup = $subgroup AND period = $period AND value IS NOT NULL
              AND area_code IN (SELECT unnest($members::VARCHAR[]))
            GROUP BY area_code
        )
        SELECT f.area_code, f.value, p.population,
               EXISTS (SELECT 1 FROM address_moves c
                       WHERE c.from_year = f.boundary_year AND c.to_year = {trends.MATRIX_YEAR}
                         AND c.variant = '{trends.MATRIX_VARIANT}' AND c.old_code <> c.new_code
                         AND f.area_code IN (c.old_code, c.new_code)) AS changed
        FROM figures f
        LEFT JOIN area_population p ON p.area_code = f.area_code AND p.boundary_year = f.boundary_year
        ORDER BY f.area_code
        """,
        {"indicator": goal.indicator, "subgroup": goal.subgroup, "period": period, "members": members},
    ).fetchall()
    aggregation = one_value(con, "SELECT aggregation FROM indicators WHERE id = ?", [goal.indicator])
    if len(members) > 1 and aggregation == "weighted_mean":
        rows = [row for row in rows if row[2] is not None]  # a mean over people needs each member's people
    found = [row[0] for row in rows]
    names = dict(
        con.execute(
            "SELECT code, name FROM area_years WHERE code IN (SELECT unnest(?::VARCHAR[]))", [members]
        ).fetchall()
    )
    return Reference(
        value=_combined([(row[1], row[2]) for row in rows], aggregation) if found else None,
        missing=[names.get(code, code) for code in members if code not in found],
        changed=[names.get(row[0], row[0]) for row in rows if row[3]],
    )


def _combined(figures: list[tuple[float, float | None]], aggregation: str) -> float | None:
    """Members' (value, population) as one figure: one member is itself; a sum adds, a mean weighs by people."""
    if len(figures) == 1:
        return figures[0][0]
    if aggregation == "sum":
        return sum(value for value, _ in figures)
    if aggregation == "weighted_mean":
        people = sum(population or 0 for _, population in figures)
        return sum(value * (population or 0) for value, population in figures) / people if people else None
    return None  # a ratio or a figure that cannot be combined without its parts
