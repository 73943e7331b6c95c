"""The monitor's index: standardisation, domain scores, stacking, ranking and explanation.

Property tests run the SQL on small synthetic inputs in an in-memory DuckDB; the rest runs on a
warehouse built from the real snapshot (the `warehouse_path` fixture of conftest.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wijkzicht import warehouse
from wijkzicht.catalogue import Indicator, load_catalogue
from wijkzicht.cli.main import app
from wijkzicht.monitor import index
from wijkzicht.warehouse.queries import one_value

INPUT_COLUMNS = """indicator VARCHAR, subgroup VARCHAR, area_code VARCHAR, level VARCHAR,
    boundary_year INTEGER, period INTEGER, value DOUBLE, missing_reason VARCHAR, min_population INTEGER,
    population DOUBLE, population_year INTEGER, suppressed BOOLEAN"""


def indicator(
    id_: str, domain: str = "health", direction: str = "higher_is_worse", weight: float = 1.0
) -> Indicator:
    return Indicator(
        id=id_,
        name_nl=id_,
        name_en=id_,
        domain=domain,
        unit="%",
        direction=direction,
        aggregation="weighted_mean",
        sources=(),
        weight=weight,
    )


def score_synthetic(
    indicators: list[Indicator],
    values: dict[str, list[float | None]],
    populations: list[float] | None = None,
    min_population: int = 100,
) -> duckdb.DuckDBPyConnection:
    """Score one partition of buurten: `values[indicator][i]` is area i's value (None: missing)."""
    con = duckdb.connect()
    index.register_indicators(con, indicators)
    con.execute(f"CREATE TEMP TABLE score_input ({INPUT_COLUMNS})")
    population = [populations[i] if populations else 1000.0 for i in range(max(map(len, values.values())))]
    rows = [
        (
            name,
            "totaal",
            f"BU{i:08d}",
            "buurt",
            2020,
            2020,
            # as the publishing gate gives it: below the minimum population the value is withheld
            None if population[i] < min_population else value,
            None if value is not None else "onbekend",
            min_population,
            population[i],
            2024,
            population[i] < min_population,
        )
        for name, column in values.items()
        for i, value in enumerate(column)
    ]
    con.executemany("INSERT INTO score_input VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    index.number_series(con)
    index.score_from_input(con, index.Settings())
    return con


def percentiles(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, float | None]:
    return dict(
        con.execute("SELECT area_code, percentile FROM standardised WHERE indicator = ?", [name]).fetchall()
    )


def domain_scores(con: duckdb.DuckDBPyConnection, domain: str) -> dict[str, float]:
    return dict(
        con.execute("SELECT area_code, score FROM domain_scores WHERE domain = ?", [domain]).fetchall()
    )


values_strategy = st.lists(st.one_of(st.none(), st.integers(0, 30).map(float)), min_size=2, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values_strategy)
def test_percentiles_lie_between_0_and_100(values: list[float | None]) -> None:
    con = score_synthetic([indicator("a")], {"a": values})
    found = [p for p in percentiles(con, "a").values() if p is not None]
    assert len(found) == sum(v is not None for v in values)
    assert all(0 <= p <= 100 for p in found)


@settings(max_examples=60, deadline=None)
@given(values_strategy)
def test_flipping_the_direction_mirrors_the_percentiles(values: list[float | None]) -> None:
    worse = percentiles(score_synthetic([indicator("a")], {"a": values}), "a")
    better = percentiles(score_synthetic([indicator("a", direction="higher_is_better")], {"a": values}), "a")
    for code, p in worse.items():
        if p is None:
            assert better[code] is None
        else:
            assert better[code] == pytest.approx(100 - p)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_domain_score_ignores_a_change_in_another_domain(data: st.DataObject) -> None:
    size = data.draw(st.integers(3, 25))
    column = st.lists(st.floats(0, 100, allow_nan=False), min_size=size, max_size=size)
    health_a, health_b, before, after = (data.draw(column) for _ in range(4))
    catalogue = [
        indicator("a"),
        indicator("b", direction="higher_is_better"),
        indicator("c", domain="liveability"),
    ]
    first = score_synthetic(catalogue, {"a": health_a, "b": health_b, "c": before})
    second = score_synthetic(catalogue, {"a": health_a, "b": health_b, "c": after})
    assert domain_scores(first, "health") == pytest.approx(domain_scores(second, "health"))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=25), st.floats(0, 1e6, allow_nan=False)
)
def test_a_suppressed_value_never_reaches_a_result(values: list[float], secret: float) -> None:
    populations = [1000.0] * len(values) + [40.0]  # the last area is below the minimum of 100
    catalogue = [indicator("a")]
    first = score_synthetic(catalogue, {"a": [*values, secret]}, populations)
    second = score_synthetic(catalogue, {"a": [*values, -secret]}, populations)
    hidden = f"BU{len(values):08d}"
    row = first.execute(
        "SELECT status, value, percentile, reason FROM standardised WHERE area_code = ?", [hidden]
    ).fetchone()
    assert row[:3] == ("suppressed", None, None)
    assert row[3] == "minder dan 100 inwoners (40 in grensjaar 2024)"
    assert hidden not in domain_scores(first, "health")
    assert percentiles(first, "a") == percentiles(second, "a")
    assert domain_scores(first, "health") == domain_scores(second, "health")


def test_weights_from_the_catalogue_shift_the_domain_score() -> None:
    values = {"a": [0.0, 1.0, 2.0], "b": [2.0, 1.0, 0.0]}
    equal = domain_scores(score_synthetic([indicator("a"), indicator("b")], values), "health")
    weighted = domain_scores(score_synthetic([indicator("a", weight=3), indicator("b")], values), "health")
    assert equal == pytest.approx({"BU00000000": 50.0, "BU00000001": 50.0, "BU00000002": 50.0})
    assert weighted == pytest.approx({"BU00000000": 25.0, "BU00000001": 50.0, "BU00000002": 75.0})


def test_the_worst_decile_flags_the_worst_tenth_of_areas() -> None:
    con = score_synthetic([indicator("a")], {"a": [float(v) for v in range(50)]})
    flagged = sorted(
        code
        for (code,) in con.execute(
            "SELECT area_code FROM domain_scores WHERE worst AND subgroup = 'totaal'"
        ).fetchall()
    )
    assert flagged == [f"BU{i:08d}" for i in range(45, 50)]
    stacked = dict(
        con.execute("SELECT area_code, worst_domains FROM area_index WHERE subgroup = 'totaal'").fetchall()
    )
    assert stacked["BU00000049"] == 1 and stacked["BU00000000"] == 0


def test_the_latest_picture_takes_each_indicators_latest_figure_for_everyone_within_the_window() -> None:
    """Figures from different years stack in the latest picture: per indicator the latest series of the
    window (5 years up to the newest period, here 2018-2022), for everyone (18+ or total), never an age
    band; a series older than the window stays out."""
    con = duckdb.connect()
    index.register_indicators(
        con, [indicator("a", "health"), indicator("b", "housing"), indicator("c", "safety"), indicator("d")]
    )
    con.execute(f"CREATE TEMP TABLE score_input ({INPUT_COLUMNS})")
    series = [("a", "18plus", 2016), ("a", "18plus", 2020), ("b", "totaal", 2022), ("c", "totaal", 2017)]
    series += [("d", "65plus", 2022)]
    rows = [
        (
            name,
            subgroup,
            f"WK{i:06d}",
            "wijk",
            2024,
            period,
            float((i * 7 + period) % 11),
            None,
            0,
            1000.0,
            2024,
            False,
        )
        for name, subgroup, period in series
        for i in range(20)
    ]
    con.executemany("INSERT INTO score_input VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    index.number_series(con)
    index.score_from_input(con, index.Settings())
    picture = con.execute(
        """SELECT s.indicator, s.period, s.subgroup, m.period FROM score_memberships m JOIN score_series s
           USING (series) WHERE m.subgroup = 'actueel' ORDER BY s.indicator"""
    ).fetchall()
    assert picture == [("a", 2020, "18plus", 2022), ("b", 2022, "totaal", 2022)]
    domains = con.execute(
        "SELECT DISTINCT domains_scored FROM area_index WHERE subgroup = 'actueel' AND period = 2022"
    ).fetchall()
    assert domains == [(2,)]
    # the picture's domain score is the same as the score of the period the figure comes from
    same = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE p.score = o.score) FROM domain_scores p
           JOIN domain_scores o USING (area_code, domain)
           WHERE p.subgroup = 'actueel' AND o.subgroup = '18plus' AND o.period = 2020 AND p.domain = 'health'"""
    ).fetchone()
    assert same == (20, 20)
    explained = index.explain(con, "WK000003", index.Selection())
    assert (explained.period, explained.subgroup) == (2022, "actueel")
    assert {(part.indicator, part.period) for d in explained.domains for part in d.indicators} == {
        ("a", 2020),
        ("b", 2022),
    }
    # a period asked for is that period's own partition, not the picture whose window ends there
    assert index.latest_partition(con, index.Selection(period=2022)).subgroup == "totaal"


# --- On the real snapshot --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = warehouse.connect(warehouse_path)
    index.compute(con, load_catalogue())
    yield con
    con.close()


def test_context_and_neutral_indicators_are_never_scored(scored: duckdb.DuckDBPyConnection) -> None:
    catalogue = load_catalogue()
    used = {name for (name,) in scored.execute("SELECT DISTINCT indicator FROM standardised").fetchall()}
    assert "moeite_met_rondkomen" in used
    assert not {name for name in used if not catalogue.indicators[name].scored}
    assert not used & {"migratieachtergrond_niet_westers", "herkomst_marokko", "drinker", "inwoners"}


def test_buurt_ranking_on_money_worries_equals_a_sort_of_the_raw_file(
    scored: duckdb.DuckDBPyConnection, snapshot: Path
) -> None:
    """Ties share the mean of their positions (mid-rank); buurten under 100 inhabitants (KWB 2024) are out."""
    raw = scored.execute(
        """
        SELECT trim(h.Codering_3) AS code, TRY_CAST(h.MoeiteMetRondkomen_38 AS DOUBLE) AS value
        FROM read_csv(?, all_varchar = true) h
        LEFT JOIN read_csv(?, all_varchar = true) p ON p.nhood_id = trim(h.Codering_3)
        WHERE trim(h.Codering_3) LIKE 'BU%' AND TRY_CAST(h.MoeiteMetRondkomen_38 AS DOUBLE) IS NOT NULL
          AND (p.population IS NULL OR p.population::INTEGER >= 100)
        ORDER BY value
        """,
        [
            str(snapshot / "rivm_gezondheid/50090NED_gezondheid_wijk_buurt_2020_18plus.csv.gz"),
            str(snapshot / "cbs_kwb/85984NED_kwb2024_buurt_inwoners.csv.gz"),
        ],
    ).fetchall()
    expected = expected_mid_rank_percentiles([value for _, value in raw])
    ranked = dict(
        scored.execute(
            """SELECT area_code, percentile FROM standardised WHERE indicator = 'moeite_met_rondkomen'
           AND level = 'buurt' AND period = 2020 AND subgroup = '18plus' AND status = 'ranked'"""
        ).fetchall()
    )
    assert len(raw) > 10_000
    assert set(ranked) == {code for code, _ in raw}
    assert [ranked[code] for code, _ in raw] == pytest.approx(expected)


def expected_mid_rank_percentiles(sorted_values: list[float]) -> list[float]:
    positions: dict[float, list[int]] = {}
    for position, value in enumerate(sorted_values):
        positions.setdefault(value, []).append(position)
    last = len(sorted_values) - 1
    return [100 * sum(positions[value]) / len(positions[value]) / last for value in sorted_values]


@pytest.mark.parametrize("level", ["wijk", "buurt"])
def test_domain_scores_exist_for_nearly_every_area_with_data(
    scored: duckdb.DuckDBPyConnection, level: str
) -> None:
    with_data, with_score = scored.execute(
        """
        SELECT count(DISTINCT (s.area_code, s.domain)), count(DISTINCT (d.area_code, d.domain))
        FROM standardised s
        LEFT JOIN domain_scores d USING (area_code, level, boundary_year, period, subgroup, domain)
        WHERE s.status = 'ranked' AND s.level = ? AND s.period = 2020 AND s.subgroup = '18plus'
        """,
        [level],
    ).fetchone()
    assert with_data > {"wijk": 9000, "buurt": 30000}[level]
    assert with_score / with_data >= 0.95


@pytest.mark.parametrize("code", ["WK034403", "BU05991575", "GM0363", "BU00140000"])
def test_explain_contributions_sum_to_the_domain_score(scored: duckdb.DuckDBPyConnection, code: str) -> None:
    explained = index.explain(scored, code, index.Selection(period=2020, subgroup="18plus"))
    scored_domains = [d for d in explained.domains if d.score is not None]
    assert {d.domain for d in scored_domains} >= {"health", "work_poverty_inclusion"}
    for domain in scored_domains:
        contributions = [p.contribution for p in domain.indicators if p.status == "ranked"]
        assert sum(contributions) == pytest.approx(domain.score)
    assert explained.worst_domains == sorted(d.domain for d in scored_domains if d.worst)


def test_overvecht_is_among_the_worst_wijken_in_several_domains(scored: duckdb.DuckDBPyConnection) -> None:
    explained = index.explain(scored, "WK034403", index.Selection(period=2020, subgroup="18plus"))
    assert len(explained.worst_domains) >= 2
    assert explained.overall_percentile > 90


def test_a_gemeente_filter_keeps_national_percentiles(scored: duckdb.DuckDBPyConnection) -> None:
    partition = index.Selection("wijk", 2020, 2020, "18plus")
    national = {r.code: r for r in index.rank_areas(scored, partition)[1]}
    total, rotterdam = index.rank_areas(scored, partition, within=["GM0599"])
    assert total == len(rotterdam)
    assert rotterdam and all(r.code.startswith("WK0599") for r in rotterdam)
    assert all(r.percentile == national[r.code].percentile for r in rotterdam)
    assert [r.score for r in rotterdam] == sorted((r.score for r in rotterdam), reverse=True)


def test_flipping_a_real_indicator_mirrors_its_national_ranks(warehouse_path: Path) -> None:
    catalogue = load_catalogue()
    flipped = replace(
        catalogue,
        indicators={
            **catalogue.indicators,
            "eenzaam": replace(catalogue.indicators["eenzaam"], direction="higher_is_better"),
        },
    )
    wanted = index.Selection("wijk", 2020, 2020, "18plus")
    query = """SELECT area_code, percentile FROM standardised WHERE indicator = 'eenzaam' AND status = 'ranked'
               AND period = 2020 AND subgroup = '18plus'"""
    with warehouse.opened(warehouse_path) as con:
        index.compute(con, catalogue, wanted)
        original = dict(con.execute(query).fetchall())
        index.compute(con, flipped, wanted)
        mirrored = dict(con.execute(query).fetchall())
    assert len(original) > 3000
    assert all(mirrored[code] == pytest.approx(100 - p) for code, p in original.items())


# Other settings for the whole country and for one level and boundary year (a narrower selection numbers its
# series differently from the stored ones): each rescored on the stored standardisation as from the observations.
RESCORED = [
    (index.Selection(), index.Settings(worst_share=0.2)),
    (index.Selection(), index.Settings(picture_window=3)),
    (index.Selection("wijk", 2024), index.Settings(min_coverage=0.8, picture_window=2)),
]
SCORE_KEYS = {
    "domain_scores": ["area_code", *index.PARTITION, "domain"],
    "area_index": ["area_code", *index.PARTITION],
}


def rows_apart(con: duckdb.DuckDBPyConnection, table: str, other: str, keys: list[str]) -> int:
    """Rows of `table` and `other` that differ or lack a partner; a score may differ in its last rounded digit
    (a parallel sum's last bits, see index.SCORE_DECIMALS)."""
    tolerance = 10.0 ** -(index.SCORE_DECIMALS - 1)
    columns = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall()
    differs = [
        f"(a.{name} IS NULL) <> (b.{name} IS NULL) OR abs(a.{name} - b.{name}) > {tolerance}"
        if kind == "DOUBLE"
        else f"a.{name} IS DISTINCT FROM b.{name}"
        for name, kind in columns
    ]
    joined = " AND ".join(f"a.{key} = b.{key}" for key in keys)
    return one_value(
        con,
        f"""SELECT count(*) FROM {table} a FULL JOIN {other} b ON {joined}
            WHERE a.area_code IS NULL OR b.area_code IS NULL OR {" OR ".join(differs)}""",
    )


@pytest.mark.parametrize(("selection", "chosen"), RESCORED)
def test_other_settings_on_the_stored_standardisation_score_as_a_full_recompute(
    warehouse_path: Path, selection: index.Selection, chosen: index.Settings
) -> None:
    catalogue = load_catalogue()
    with warehouse.opened(warehouse_path) as con:
        index.compute(con, catalogue, selection, chosen)
        for table in SCORE_KEYS:
            con.execute(f"CREATE TEMP TABLE full_{table} AS SELECT * FROM temp.{table}")
        # On the same connection, so the full recompute's TEMP tables are there to shadow the stored ones.
        index.use_scores(con, selection, chosen)
        for table, keys in SCORE_KEYS.items():
            assert one_value(con, f"SELECT count(*) FROM temp.{table}") > 10_000
            assert rows_apart(con, f"temp.{table}", f"full_{table}", keys) == 0, table
        # The `standardised` view reads the stored tables again, all of them (named by the database, since a
        # TEMP table shadows even `main.standardised_values`).
        database = one_value(con, "SELECT current_database()")
        stored = one_value(con, f"SELECT count(*) FROM {database}.main.standardised_values")
        assert one_value(con, "SELECT count(*) FROM standardised") == stored


def test_rank_command_gives_code_score_and_national_percentile(warehouse_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "rank",
            "--level",
            "wijk",
            "--domain",
            "health",
            "--period",
            "2020",
            "--subgroup",
            "18plus",
            "--gemeente",
            "GM0599",
            "--format",
            "json",
            "--db",
            str(warehouse_path),
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert records and all(r["code"].startswith("WK0599") for r in records)
    assert all({"code", "score", "percentile"} <= r.keys() and 0 <= r["percentile"] <= 100 for r in records)


def test_explain_command_with_a_narrower_worst_share_flags_fewer_on_the_same_percentiles(
    warehouse_path: Path,
) -> None:
    """The stored scores (worst share 0.1) and a rescore with 0.05 explain Overvecht from the same figures:
    among the worst tenth in four domains, it is among the worst twentieth in two."""

    def explained(*options: str) -> tuple[set[str], dict[tuple[str, str], float | None]]:
        arguments = ["explain", "WK034403", "--format", "json", "--db", str(warehouse_path), *options]
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        percentiles = {
            (domain["domain"], part["indicator"]): part["percentile"]
            for domain in found["domains"]
            for part in domain["indicators"]
        }
        return set(found["worst_domains"]), percentiles

    (stored_worst, stored_percentiles), (narrower_worst, narrower_percentiles) = (
        explained(),
        explained("--worst-share", "0.05"),
    )
    assert set() < narrower_worst < stored_worst
    assert len(stored_percentiles) > 10
    assert narrower_percentiles == stored_percentiles


def test_explain_command_rejects_an_unknown_area_clearly(warehouse_path: Path) -> None:
    result = CliRunner().invoke(app, ["explain", "WK999999", "--db", str(warehouse_path)])
    assert result.exit_code == 1
    assert "onbekende gebiedscode" in result.output
