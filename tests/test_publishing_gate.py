"""One gate for publishing: no output shows a figure that `published_observations` withholds.

The areas are the real ones the gate bites on: the three smallest buurten (by population) that have figures
the gate withholds, and the smallest wijken that have such figures. Every output path is walked for them:
and Stadspark (15 inhabitants), whose drinking figure the map published before (issue #16). For each:
the values API and its exports (CSV, Parquet, GeoJSON), the map's values and its table page, the profile
(API and page), explain, ondermijning, similar areas, rankings, the programme reports' progress and the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from wijkzicht.cli.main import app
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import format_number
from wijkzicht.programmes import progress

SOURCE = Path(__file__).resolve().parents[1] / "src" / "wijkzicht"
# The tables that hold figures before the gate: only the warehouse build reads them.
RAW_TABLES = r"(observations|harmonised_observations|harmonisation|crime_counts|stage_cells)"
RAW_READ = re.compile(rf"\b(FROM|JOIN)\s+{RAW_TABLES}\b", re.IGNORECASE)
# Readers of the raw figures above the warehouse: none (the scores read the gate too).
ALLOWED_RAW_READERS: set[str] = set()
STADSPARK = "BU00140108"  # Groningen, 15 inhabitants; issue #16: the map published 75.8 for it
runner = CliRunner()


@dataclass(frozen=True)
class Withheld:
    """A figure the raw table holds and the gate withholds."""

    area_code: str
    level: str
    indicator: str
    subgroup: str
    boundary_year: int
    period: int
    value: float


def test_nothing_above_the_warehouse_reads_the_raw_figures() -> None:
    readers = {
        path.relative_to(SOURCE).as_posix()
        for path in SOURCE.rglob("*.py")
        if path.relative_to(SOURCE).parts[0] != "warehouse"
        and RAW_READ.search(path.read_text(encoding="utf-8"))
    }
    assert readers == ALLOWED_RAW_READERS


def test_the_gate_catches_a_raw_read_when_there_is_one() -> None:
    assert RAW_READ.search("SELECT value FROM observations o JOIN indicators i")
    assert RAW_READ.search("LEFT JOIN harmonised_observations h ON TRUE")
    assert not RAW_READ.search("SELECT value FROM published_observations")


@pytest.mark.parametrize(
    ("gate", "raw"), [("published_observations", "observations"), ("published_harmonised", "harmonisation")]
)
def test_the_gate_withholds_exactly_the_figures_below_their_minimum(
    con: duckdb.DuckDBPyConnection, gate: str, raw: str
) -> None:
    """The rule written out once more, row by row against the raw table: below the indicator's minimum (else
    its table's) the value is withheld with the minimum as the reason; every other row passes unchanged."""
    expected = f"""
        SELECT o.indicator, o.subgroup, o.area_code, o.boundary_year, o.period, below AS suppressed,
               CASE WHEN below THEN NULL ELSE o.value END AS value,
               CASE WHEN below THEN 'minder dan ' || minimum || ' inwoners' ELSE o.missing_reason END AS reason
        FROM (SELECT o.*, coalesce(i.min_population, t.min_population, 0) AS minimum,
                     o.level <> 'land' AND a.population IS NOT NULL
                         AND a.population < coalesce(i.min_population, t.min_population, 0) AS below
              FROM {raw} o JOIN indicators i ON i.id = o.indicator
              JOIN provenance p ON p.source_id = o.source_id LEFT JOIN tables t ON t.table_id = p.source_table
              LEFT JOIN area_population a
                  ON a.area_code = o.area_code AND a.boundary_year = o.boundary_year) o
        """
    published = f"""SELECT indicator, subgroup, area_code, boundary_year, period, suppressed, value, missing_reason
                    FROM {gate}"""
    withheld = con.execute(f"SELECT count(*) FILTER (WHERE suppressed) FROM {gate}").fetchone()
    assert withheld is not None and withheld[0] > 1000  # the gate bites on the real data
    for first, second in ((expected, published), (published, expected)):
        differing = con.execute(f"SELECT count(*) FROM ({first} EXCEPT ALL {second})").fetchone()
        assert differing == (0,)


@pytest.fixture(scope="module")
def withheld(con: duckdb.DuckDBPyConnection) -> list[Withheld]:
    rows = con.execute(
        """
        WITH withheld AS (
            SELECT o.area_code, o.level, o.indicator, o.subgroup, o.boundary_year, o.period, o.value,
                   a.population
            FROM observations o
            JOIN published_observations p USING (area_code, indicator, subgroup, boundary_year, period)
            JOIN area_population a USING (area_code, boundary_year)
            WHERE p.suppressed AND o.value IS NOT NULL
        ),
        -- of equally small areas, those with the most withheld figures: the walk then checks the most
        smallest AS (
            SELECT area_code FROM (
                SELECT area_code, level, min(population) AS population, count(*) AS figures
                FROM withheld GROUP BY ALL
            )
            QUALIFY row_number() OVER (PARTITION BY level ORDER BY population, figures DESC, area_code) <= 3
        )
        SELECT * EXCLUDE (population) FROM withheld
        WHERE area_code IN (SELECT area_code FROM smallest) OR area_code = ?
        ORDER BY ALL
        """,
        [STADSPARK],
    ).fetchall()
    return [Withheld(*row) for row in rows]


def areas(withheld: list[Withheld]) -> list[str]:
    return sorted({w.area_code for w in withheld})


def of(withheld: list[Withheld], code: str) -> list[Withheld]:
    return [w for w in withheld if w.area_code == code]


def test_the_walk_covers_small_buurten_and_wijken(withheld: list[Withheld]) -> None:
    levels = {w.level for w in withheld}
    assert levels == {"buurt", "wijk"}
    assert len(areas(withheld)) == 7  # three buurten and three wijken, and Stadspark
    assert any(w.area_code == STADSPARK and w.indicator == "drinker" and w.value == 75.8 for w in withheld)


# --- Finding a withheld value in an answer --------------------------------------------------------


def leaks(document: object, figures: list[Withheld]) -> list[tuple[Withheld, object]]:
    """Every withheld value that a JSON answer about one area shows: an object naming an indicator is
    matched on the fields it has (area, subgroup, boundary year, period), a trend on each of its points."""
    found = []
    for item in _objects(document):
        for point in _points(item):
            for figure in figures:
                if _describes(point, figure) and point.get("value") == figure.value:
                    found.append((figure, point))
    return found


def _objects(document: object) -> Iterator[dict[str, object]]:
    if isinstance(document, dict):
        if "indicator" in document:
            yield document
        for value in document.values():
            yield from _objects(value)
    elif isinstance(document, list):
        for value in document:
            yield from _objects(value)


def _points(item: dict[str, object]) -> Iterator[dict[str, object]]:
    yield item
    for point in item.get("points") or []:  # a trend: [period, value] pairs
        yield {**item, "period": point[0], "value": point[1]}


def _describes(item: dict[str, object], figure: Withheld) -> bool:
    code = item.get("area_code", item.get("code", figure.area_code))
    wanted = {
        "indicator": figure.indicator,
        "subgroup": figure.subgroup,
        "boundary_year": figure.boundary_year,
        "period": figure.period,
    }
    return code == figure.area_code and all(item.get(key, value) == value for key, value in wanted.items())


def test_the_finder_finds_a_leak_and_passes_a_withheld_figure() -> None:
    figure = Withheld(STADSPARK, "buurt", "drinker", "18plus", 2020, 2012, 75.8)
    shown = {"figures": [{"indicator": "drinker", "subgroup": "18plus", "period": 2012, "value": 75.8}]}
    trend = {"indicator": "drinker", "subgroup": "18plus", "boundary_year": 2020, "points": [[2012, 75.8]]}
    withheld = {"code": STADSPARK, "indicator": "drinker", "period": 2012, "value": None}
    assert leaks(shown, [figure]) and leaks(trend, [figure])
    assert not leaks(withheld, [figure])
    assert not leaks({**shown["figures"][0], "area_code": "BU00140109"}, [figure])


# --- The output paths -----------------------------------------------------------------------------


def test_values_api_and_every_export_format_withhold(
    web: TestClient, withheld: list[Withheld], tmp_path: Path
) -> None:
    for code in areas(withheld):
        figures = of(withheld, code)
        answer = web.get("/api/values", params={"area": code, "size": 1000}).json()
        assert answer["total"] == len(answer["items"]) and not leaks(answer["items"], figures)
        exported = web.get("/api/values/export", params={"area": code, "format": "csv"}).text
        rows = [
            {**row, "value": float(row["value"]) if row["value"] else None}
            for row in csv.DictReader(io.StringIO(exported))
        ]
        typed = [
            {**row, "boundary_year": int(row["boundary_year"]), "period": int(row["period"])} for row in rows
        ]
        assert len(typed) == answer["total"] and not leaks(typed, figures)
        parquet = tmp_path / f"{code}.parquet"
        parquet.write_bytes(web.get("/api/values/export", params={"area": code, "format": "parquet"}).content)
        assert not leaks(_parquet_rows(parquet), figures)
        geojson = web.get("/api/values/export", params={"area": code, "format": "geojson"}).json()
        assert not leaks([feature["properties"] for feature in geojson["features"]], figures)


def _parquet_rows(path: Path) -> list[dict[str, object]]:
    with duckdb.connect() as reader:
        cursor = reader.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_map_withholds_in_its_values_and_its_table(web: TestClient, withheld: list[Withheld]) -> None:
    stadspark = next(
        w for w in withheld if (w.area_code, w.indicator, w.period) == (STADSPARK, "drinker", 2012)
    )
    for figure in [stadspark, *_one_mappable_figure_per_area(withheld)]:
        state = {
            "level": figure.level,
            "measure": f"indicator:{figure.indicator}",
            "period": figure.period,
            "subgroup": figure.subgroup,
            "boundary_year": figure.boundary_year,
        }
        answer = web.get("/api/map/values", params=state).json()
        assert answer["adjusted"] == []
        [shown] = [v for v in answer["values"] if v["code"] == figure.area_code]
        assert shown["value"] is None and shown["status"] == "suppressed", shown
        numbers = re.findall(r'<td class="number">(.*?)</td>', _table_row(web, state, figure.area_code))
        assert format_number(figure.value, "nl") not in numbers


def _one_mappable_figure_per_area(withheld: list[Withheld]) -> list[Withheld]:
    """The first figure of each area that the map can show (group characteristics are never mapped)."""
    chosen: dict[str, Withheld] = {}
    for figure in withheld:
        if not figure.indicator.startswith("migratieachtergrond"):
            chosen.setdefault(figure.area_code, figure)
    return list(chosen.values())


def _table_row(web: TestClient, state: dict[str, object], code: str) -> str:
    """The table row of the map page that shows the area, for its gemeente."""
    gemeente = f"GM{code[2:6]}"
    for page in range(1, 200):
        html = web.get("/kaart", params={**state, "gemeente": gemeente, "page": page}).text
        rows = [row for row in re.findall(r"<tr\b.*?</tr>", html, re.DOTALL) if code in row]
        if rows:
            return rows[0]
        if f"page={page + 1}" not in html:
            break
    raise AssertionError(f"{code} is in no row of the map's table")


def test_profile_explain_ondermijning_and_similar_withhold(web: TestClient, withheld: list[Withheld]) -> None:
    for code in areas(withheld):
        figures = of(withheld, code)
        for path in (f"/api/areas/{code}/profile", f"/api/ondermijning/{code}", f"/api/areas/{code}/similar"):
            answer = web.get(path)
            assert answer.status_code in (200, 400), (path, answer.text)  # 400: no characteristics
            assert not leaks(answer.json(), figures), path
        explained = web.get(f"/api/areas/{code}/explain")
        assert explained.status_code in (200, 400) and not leaks(explained.json(), figures)
        page = web.get(f"/gebied/{code}")
        assert page.status_code == 200


def test_the_profile_page_shows_the_reason_not_the_value(web: TestClient, withheld: list[Withheld]) -> None:
    html = web.get(f"/gebied/{STADSPARK}").text
    assert "minder dan 100 inwoners" in html or "te weinig inwoners" in html.lower()


def test_rankings_carry_no_withheld_value(web: TestClient, withheld: list[Withheld]) -> None:
    for level in ("wijk", "buurt"):
        exported = web.get("/api/rankings/export", params={"level": level, "format": "csv"}).text
        rows = {row["code"]: row for row in csv.DictReader(io.StringIO(exported))}
        for figure in (w for w in withheld if w.level == level and w.area_code in rows):
            row = rows[figure.area_code]
            assert str(figure.value) not in (row["score"], row["percentile"])


def test_the_programme_reports_progress_reads_published_figures(
    con: duckdb.DuckDBPyConnection, withheld: list[Withheld]
) -> None:
    for figure in withheld:
        _, _, points = progress.series(con, figure.indicator, figure.area_code, figure.subgroup)
        assert (figure.period, figure.value) not in points


def test_a_goal_cannot_start_from_a_withheld_figure(con: duckdb.DuckDBPyConnection) -> None:
    values = {"indicator": "eenzaam", "area_code": STADSPARK, "subgroup": "18plus", "target_year": 2030}
    with pytest.raises(WijkzichtError, match="no figure of eenzaam"):
        progress.baseline_for(con, values, "GM0014", start_year=2023)


def test_the_cli_withholds(warehouse_path: Path, withheld: list[Withheld]) -> None:
    for code in areas(withheld):
        figures = of(withheld, code)
        result = runner.invoke(app, ["area", code, "--format", "json", "--db", str(warehouse_path)])
        assert result.exit_code == 0, result.output
        assert not leaks(json.loads(result.output), figures)
    table = runner.invoke(
        app, ["area", STADSPARK, "--period", "2012", "--boundary-year", "2020", "--db", str(warehouse_path)]
    )
    # In 2012 Stadspark has health-monitor figures only, every one below its minimum of 100 inhabitants.
    assert "75,8" not in table.output and "inwoners" in table.output  # the reason, wrapped in a narrow table
