"""Similar areas on structural characteristics, never on origin or on problems."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import error_text
from wijkzicht.monitor.similar import CHARACTERISTICS, MOST_SIMILAR, SimilarArea, similar_areas


def test_characteristics_are_structural_context_only() -> None:
    catalogue = load_catalogue()
    chosen = [catalogue.indicators[name] for name in CHARACTERISTICS]
    assert all(i.domain == "context" and not i.group_characteristic for i in chosen)


def test_similar_wijken_of_overvecht_are_urban_wijken_with_the_same_structure(warehouse_path: Path) -> None:
    with warehouse.opened(warehouse_path) as con:
        year, found = similar_areas(con, "WK034403", k=10)
        published_year, published = similar_areas(con, "WK034403", k=10, boundary_year=2017)
    target, *others = found
    # Overvecht did not change: its 2017 characteristics carry to 2024, the default boundary year, where the
    # density is the one published for 2024 (each characteristic's latest period)
    assert year == 2024 and target.code == "WK034403" and target.distance == 0
    carried = {k: v for k, v in target.characteristics.items() if k != "bevolkingsdichtheid"}
    assert published_year == 2017 and carried.items() <= published[0].characteristics.items()
    assert len(others) == 10 and all(a.code.startswith("WK") for a in others)
    assert [a.distance for a in others] == sorted(a.distance for a in others)
    assert all(
        a.characteristics["stedelijkheid"] <= 2 for a in others
    )  # very or strongly urban, like Overvecht
    assert set(target.characteristics) == set(CHARACTERISTICS)


def test_buurten_have_no_characteristics_in_the_snapshot(warehouse_path: Path) -> None:
    with warehouse.opened(warehouse_path) as con, pytest.raises(WijkzichtError, match="not for buurten"):
        similar_areas(con, "BU00140000")


def test_similar_command_lists_k_areas(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["similar", "GM0363", "-k", "3", "--format", "json", "--db", str(warehouse_path)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["similar"][0]["code"] == "GM0363"
    assert len(document["similar"]) == 4


def _computed(con: duckdb.DuckDBPyConnection, code: str, k: int, year: int) -> list[SimilarArea]:
    """The k nearest areas computed per request from `area_structure`, as similar_areas did before the
    build stored them: the reference the stored rows must equal."""
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
    return [SimilarArea(row[0], row[1], row[2], dict(row[3])) for row in rows]


def _computed_year(con: duckdb.DuckDBPyConnection, code: str) -> int | None:
    """The default boundary year as chosen per request before: the latest with every characteristic, else
    the one with the most of them."""
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
    return row[0] if row else None


def _sample(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Every 40th gemeente and every 200th wijk of each boundary year, by code (a fixed spread)."""
    return con.execute(
        """SELECT area_code, boundary_year FROM area_structure GROUP BY area_code, level, boundary_year
           QUALIFY row_number() OVER (PARTITION BY level, boundary_year ORDER BY area_code) %
                   CASE level WHEN 'gemeente' THEN 40 ELSE 200 END = 1
           ORDER BY ALL"""
    ).fetchall()


def test_stored_similar_areas_equal_the_computed_ones(con: duckdb.DuckDBPyConnection) -> None:
    sample = _sample(con)
    present = con.execute("SELECT DISTINCT left(area_code, 2), boundary_year FROM area_structure").fetchall()
    assert {(code[:2], year) for code, year in sample} == set(present)
    assert {prefix for prefix, _ in present} == {"GM", "WK"}
    for code, year in sample:
        for k in (1, 5, 10, MOST_SIMILAR):
            used, found = similar_areas(con, code, k=k, boundary_year=year)
            expected = _computed(con, code, k, year)
            assert used == year
            assert [(a.code, a.name, a.characteristics) for a in found] == [
                (a.code, a.name, a.characteristics) for a in expected
            ], (code, year, k)
            assert [a.distance for a in found] == pytest.approx([a.distance for a in expected], abs=1e-12)


def test_stored_default_year_equals_the_computed_one(con: duckdb.DuckDBPyConnection) -> None:
    complete = {code for code, _ in _sample(con)}
    # gemeenten and wijken with only some characteristics: the year with the most, where they still lack some
    partial = [
        row[0]
        for row in con.execute(
            """SELECT area_code FROM similar_year WHERE area_code NOT IN (SELECT area_code FROM area_structure)
               ORDER BY area_code LIMIT 20"""
        ).fetchall()
    ]
    assert len(partial) == 20
    for code in [*complete, *partial]:
        expected = _computed_year(con, code)
        if code in complete:
            assert similar_areas(con, code, k=1)[0] == expected
        else:
            with pytest.raises(
                WijkzichtError, match=f"lacks some structural characteristics in boundary year {expected}"
            ):
                similar_areas(con, code, k=1)


def test_more_similar_areas_than_stored_are_refused_in_the_readers_language(
    con: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(WijkzichtError) as refused:
        similar_areas(con, "GM0363", k=MOST_SIMILAR + 1)
    assert str(refused.value) == "at most 100 similar areas, not 101; ask for 100 or fewer"
    assert (
        error_text(refused.value, "nl")
        == "hoogstens 100 vergelijkbare gebieden, niet 101; vraag er 100 of minder"
    )
