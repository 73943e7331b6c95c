"""Focus areas as CBS wijken, and aggregates of area sets that add counts and weight rates honestly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.cli.main import app
from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor.focus import (
    aggregate,
    find_focus_area,
    load_focus_areas,
    populations,
    validate_focus_areas,
)

FOCUS_AREAS = load_focus_areas()


@pytest.fixture(scope="module")
def focus_con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.connect(warehouse_path)
    yield con
    con.close()


def test_there_are_twenty_focus_areas_matching_the_programme_list(
    focus_con: duckdb.DuckDBPyConnection,
) -> None:
    listed = focus_con.execute(
        "SELECT number, name, gemeente_code FROM focus_areas ORDER BY number"
    ).fetchall()
    assert [(a.number, a.name, a.gemeente_code) for a in FOCUS_AREAS] == listed


def test_every_focus_area_resolves_to_wijken_of_its_own_gemeente(
    focus_con: duckdb.DuckDBPyConnection,
) -> None:
    validate_focus_areas(focus_con, FOCUS_AREAS)
    for area in FOCUS_AREAS:
        found = focus_con.execute(
            """SELECT count(*) FROM areas WHERE level = 'wijk' AND boundary_year = 2024
               AND gemeente_code = ? AND code IN (SELECT unnest(?))""",
            [area.gemeente_code, list(area.wijken)],
        ).fetchone()[0]
        assert found == len(area.wijken) >= 1, area.name
        assert area.reasoning and area.certainty in ("high", "medium", "low")


def test_an_unknown_code_names_the_focus_area(focus_con: duckdb.DuckDBPyConnection) -> None:
    broken = FOCUS_AREAS[0].__class__(**{**FOCUS_AREAS[0].as_dict(), "wijken": ("WK999999",)})
    with pytest.raises(WijkzichtError, match=f"focus area {broken.name}: WK999999"):
        validate_focus_areas(focus_con, [broken])


def test_a_wijk_of_another_gemeente_is_refused(focus_con: duckdb.DuckDBPyConnection) -> None:
    overvecht = find_focus_area(FOCUS_AREAS, "Utrecht Overvecht")
    broken = overvecht.__class__(**{**overvecht.as_dict(), "wijken": ("WK059910",)})
    with pytest.raises(WijkzichtError, match="outside GM0344"):
        validate_focus_areas(focus_con, [broken])


def test_focus_areas_are_found_by_number_name_or_unique_part() -> None:
    assert find_focus_area(FOCUS_AREAS, "9").name == "Rotterdam-Zuid"
    assert find_focus_area(FOCUS_AREAS, "rotterdam zuid").name == "Rotterdam-Zuid"
    assert find_focus_area(FOCUS_AREAS, "overvecht").name == "Utrecht Overvecht"
    with pytest.raises(WijkzichtError, match="ambiguous"):
        find_focus_area(FOCUS_AREAS, "amsterdam")


def test_focus_list_shows_the_population_as_the_sum_of_its_wijken(
    warehouse_path: Path, focus_con: duckdb.DuckDBPyConnection
) -> None:
    result = CliRunner().invoke(app, ["focus", "list", "--format", "json", "--db", str(warehouse_path)])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert len(listed) == 20
    for entry in listed:
        members = populations(focus_con, entry["wijken"])
        assert set(members) == set(entry["wijken"])
        assert entry["inwoners_2024"] == sum(members.values()) > 0


def test_the_aggregated_population_equals_the_sum_of_the_member_wijken(
    focus_con: duckdb.DuckDBPyConnection,
) -> None:
    rotterdam_zuid = find_focus_area(FOCUS_AREAS, "Rotterdam-Zuid")
    [figure] = aggregate(focus_con, list(rotterdam_zuid.wijken), indicator="inwoners", period=2024)
    assert figure.value == sum(populations(focus_con, list(rotterdam_zuid.wijken)).values())
    assert figure.used == figure.members == 3 and figure.versus_national is None  # a count gets no words


def own_values(con: duckdb.DuckDBPyConnection, code: str) -> dict[tuple, float]:
    rows = con.execute(
        """SELECT o.indicator, o.subgroup, o.boundary_year, o.period, o.value FROM observations o
           JOIN indicators i ON i.id = o.indicator
           WHERE o.area_code = ? AND i.aggregation IN ('sum', 'weighted_mean') AND o.value IS NOT NULL""",
        [code],
    ).fetchall()
    return {tuple(row[:4]): row[4] for row in rows}


def wijken_with_population(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Wijken whose population is known and large enough for every figure (the weight of a rate)."""
    return [
        code
        for (code,) in con.execute(
            """SELECT area_code FROM area_population WHERE area_code LIKE 'WK%' AND boundary_year = 2020
               AND population >= 1000 ORDER BY area_code"""
        ).fetchall()
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_one_area_set_has_that_areas_own_values(
    focus_con: duckdb.DuckDBPyConnection, data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(wijken_with_population(focus_con)))
    figures = aggregate(focus_con, [code])
    own = own_values(focus_con, code)
    changed = {
        (f.indicator, f.subgroup, f.boundary_year, f.period) for f in figures if "changed" in f.left_out
    }
    published = {(f.indicator, f.subgroup, f.boundary_year, f.period): f.value for f in figures if f.used}
    assert set(published) == set(own) - changed
    for key, value in published.items():
        assert value == pytest.approx(own[key], rel=1e-12), key


def suppressed_wijk_with_a_value(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """A wijk below the health monitor's minimum population that nevertheless has an 'eenzaam' value,
    and a fully publishable wijk of the same gemeente."""
    return con.execute(
        """
        SELECT small.area_code, large.area_code
        FROM observations small
        JOIN area_population ps ON ps.area_code = small.area_code AND ps.boundary_year = 2020
        JOIN observations large ON large.indicator = 'eenzaam' AND large.subgroup = '18plus'
             AND large.period = 2020 AND large.level = 'wijk' AND large.value IS NOT NULL
             AND substr(large.area_code, 3, 4) = substr(small.area_code, 3, 4)
        JOIN area_population pl ON pl.area_code = large.area_code AND pl.boundary_year = 2020
        WHERE small.indicator = 'eenzaam' AND small.subgroup = '18plus' AND small.period = 2020
          AND small.level = 'wijk' AND small.value IS NOT NULL AND ps.population < 100
          AND pl.population >= 1000
        ORDER BY small.area_code, large.area_code LIMIT 1
        """
    ).fetchone()


def test_a_suppressed_value_never_reaches_the_aggregate(focus_con: duckdb.DuckDBPyConnection) -> None:
    small, large = suppressed_wijk_with_a_value(focus_con)
    [both] = aggregate(focus_con, [small, large], indicator="eenzaam", subgroup="18plus", period=2020)
    [alone] = aggregate(focus_con, [large], indicator="eenzaam", subgroup="18plus", period=2020)
    assert both.value == pytest.approx(alone.value)
    assert both.used == 1 and both.left_out == {"suppressed": 1}
    assert "1 onder de minimumbevolking" in both.note


def test_rates_are_weighted_by_population(focus_con: duckdb.DuckDBPyConnection) -> None:
    codes = list(find_focus_area(FOCUS_AREAS, "Den Haag Zuidwest").wijken)
    [figure] = aggregate(focus_con, codes, indicator="eenzaam", subgroup="18plus", period=2020)
    rows = focus_con.execute(
        """SELECT o.value, p.population FROM observations o
           JOIN area_population p USING (area_code, boundary_year)
           WHERE o.indicator = 'eenzaam' AND o.subgroup = '18plus' AND o.period = 2020
             AND o.area_code IN (SELECT unnest(?)) AND o.value IS NOT NULL AND p.population >= 100""",
        [codes],
    ).fetchall()
    expected = sum(value * weight for value, weight in rows) / sum(weight for _, weight in rows)
    assert figure.used == len(rows) and figure.value == pytest.approx(expected)
    assert figure.gemeente_value is not None and figure.versus_gemeente is not None


def test_mixed_levels_are_refused(focus_con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(WijkzichtError, match="mixes levels"):
        aggregate(focus_con, ["WK034403", "GM0344"])


def test_focus_show_prints_the_aggregate(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "focus",
            "show",
            "Rotterdam-Zuid",
            "--indicator",
            "eenzaam",
            "--period",
            "2020",
            "--subgroup",
            "18plus",
            "--format",
            "json",
            "--db",
            str(warehouse_path),
        ],
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["focus_area"]["wijken"] == ["WK059910", "WK059915", "WK059912"]
    [figure] = shown["figures"]
    assert figure["versus_national"].startswith("hoger dan het landelijk gemiddelde")
