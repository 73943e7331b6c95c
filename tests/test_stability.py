"""Rank stability: the scoring repeated over its reasonable choices (docs/method.md, "Rank stability")."""

from __future__ import annotations

import math
from dataclasses import replace

import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkzicht.catalogue.variation import Labels, load_variation
from wijkzicht.monitor import index, stability

LEVELS = stability.STABILITY_LEVELS


def _default_run(
    con: duckdb.DuckDBPyConnection, level: str
) -> tuple[index.Selection, stability.PictureMatrix, dict[str, stability.ScoreRun]]:
    partition = index.latest_partition(con, index.Selection(level=level))
    matrix = stability.load_matrix(con, partition)
    variation = replace(load_variation().switched_off(), variants=3)
    return partition, matrix, stability.run(matrix, variation)


def _stored(
    con: duckdb.DuckDBPyConnection, partition: index.Selection, sql: str
) -> dict[str, tuple[float, bool]]:
    where, parameters = partition.where("t")
    return {row[0]: (row[1], row[2]) for row in con.execute(sql.format(where=where), parameters).fetchall()}


def _order(codes: list[str], scores: np.ndarray) -> list[str]:
    """Most problems first, ties by area code: the order of `index.rank_areas`."""
    return [codes[i] for i in sorted(np.flatnonzero(~np.isnan(scores)), key=lambda i: (-scores[i], codes[i]))]


@pytest.mark.parametrize("level", LEVELS)
def test_with_every_choice_switched_off_the_run_reproduces_the_stored_domain_ranking(
    con: duckdb.DuckDBPyConnection, level: str
) -> None:
    partition, matrix, runs = _default_run(con, level)
    for domain in matrix.domain_names:
        stored = _stored(
            con,
            partition,
            f"SELECT area_code, score, worst FROM domain_scores t WHERE {{where}} AND domain = '{domain}'",
        )
        run = runs[domain]
        for variant in range(3):  # every variant is the default scoring
            scores = run.scores[:, variant]
            assert _order(matrix.areas, scores) == sorted(stored, key=lambda c: (-stored[c][0], c))
            flagged = {matrix.areas[i] for i in np.flatnonzero(run.worst[:, variant])}
            assert flagged == {code for code, (_, worst) in stored.items() if worst}


@pytest.mark.parametrize("level", LEVELS)
def test_with_every_choice_switched_off_the_run_reproduces_the_stored_index_and_its_worst_decile(
    con: duckdb.DuckDBPyConnection, level: str
) -> None:
    partition, matrix, runs = _default_run(con, level)
    total, ranked = index.rank_areas(con, partition)
    run = runs[stability.INDEX_SCORE]
    assert _order(matrix.areas, run.scores[:, 0]) == [area.code for area in ranked]
    # the worst decile of the index by the rule of the domain flag: the share at least as bad is at most 10%
    worst = {a.code for a in ranked if sum(b.score >= a.score for b in ranked) / total <= 0.1}
    assert {matrix.areas[i] for i in np.flatnonzero(run.worst[:, 0])} == worst
    assert 0 < len(worst) <= 0.1 * total


def _constructed() -> stability.PictureMatrix:
    """Twenty areas, one domain of two indicators: D (95, 95) is always worst and A (90, 90) second unless the
    weights tip B (100, 70) or C (70, 100) past it, which needs one weight more than twice the other."""
    ordinary = [(float(i), float(i)) for i in range(16)]
    figures = np.array([*ordinary, (95.0, 95.0), (90.0, 90.0), (100.0, 70.0), (70.0, 100.0)])
    return stability.PictureMatrix(
        [f"A{i:02}" for i in range(20)], ["x", "y"], ["d", "d"], np.ones(2), figures, figures
    )


def _share_of(matrix: stability.PictureMatrix, width: float, seed: int, area: str) -> float:
    variation = replace(
        load_variation().switched_off(), variants=400, seed=seed, indicator_weight_factor=(1 / width, width)
    )
    summary = stability.summarise(matrix, stability.run(matrix, variation), variation)
    return next(s.worst_share for s in summary if s.area_code == area and s.score == "d")


@settings(max_examples=25, deadline=None)
@given(st.floats(1.0, 6.0), st.floats(1.0, 6.0), st.integers(0, 2**32 - 1))
def test_the_share_in_the_worst_decile_is_monotone_in_the_width_of_the_weight_range(
    narrow: float, wide: float, seed: int
) -> None:
    narrow, wide = sorted((narrow, wide))
    matrix = _constructed()
    # A leaves the worst decile only when the weights tip B or C past it; a wider range tips them more often
    assert _share_of(matrix, wide, seed, "A17") <= _share_of(matrix, narrow, seed, "A17")
    assert _share_of(matrix, wide, seed, "A18") >= _share_of(matrix, narrow, seed, "A18")
    assert _share_of(matrix, wide, seed, "A16") == 1.0  # D is worst under every weight


def test_weights_within_a_factor_two_of_each_other_never_move_the_constructed_ranking() -> None:
    matrix = _constructed()
    assert _share_of(matrix, math.sqrt(2), 1, "A17") == 1.0
    assert _share_of(matrix, math.sqrt(2), 1, "A18") == 0.0
    assert 0 < _share_of(matrix, 4.0, 1, "A17") < 1


@given(st.floats(0, 1), st.floats(0.01, 1), st.floats(0.01, 1))
def test_the_labels_follow_the_thresholds(share: float, first: float, second: float) -> None:
    borderline, robust = sorted((first, second))
    label = Labels(robust=robust, borderline=borderline).label(share)
    assert label == ("robust" if share >= robust else "borderline" if share >= borderline else "not_worst")


def test_the_stored_run_labels_every_area_by_the_stated_thresholds(con: duckdb.DuckDBPyConnection) -> None:
    labels = load_variation().labels
    rows = con.execute(
        "SELECT worst_share, label, rank_low, rank_median, rank_high FROM rank_stability"
    ).fetchall()
    assert rows
    assert all(label == labels.label(share) for share, label, *_ in rows)
    assert all(low <= median <= high for _, _, low, median, high in rows)
    robust = [share for share, label, *_ in rows if label == "robust"]
    assert robust and all(share == 1.0 for share in robust)


def test_the_stored_run_has_the_stated_variants_and_is_deterministic(con: duckdb.DuckDBPyConnection) -> None:
    variation = load_variation()
    assert variation.variants >= 1000
    assert {row[0] for row in con.execute("SELECT DISTINCT variants FROM rank_stability").fetchall()} >= {
        variation.variants
    }
    assert {row[0] for row in con.execute("SELECT DISTINCT variants FROM rank_sensitivity").fetchall()} == {
        variation.sensitivity_variants
    }
    partition = index.latest_partition(con, index.Selection(level="gemeente"))
    matrix = stability.load_matrix(con, partition)
    small = replace(variation, variants=50)
    first = stability.summarise(matrix, stability.run(matrix, small), small)
    again = stability.summarise(matrix, stability.run(matrix, small), small)
    assert first == again
    assert {s.label for s in first} == {"robust", "borderline", "not_worst"}


def _robust_and_borderline_wijk(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    rows = dict(
        con.execute(
            """SELECT label, min(area_code) FROM rank_stability
               WHERE level = 'wijk' AND score = 'index' AND label IN ('robust', 'borderline') GROUP BY label"""
        ).fetchall()
    )
    return rows["robust"], rows["borderline"]


def test_the_profile_shows_the_stability_of_the_index(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    robust, borderline = _robust_and_borderline_wijk(con)
    page = web.get(f"/gebied/{robust}").text
    assert 'id="index-stability"' in page
    assert "in elke variant bij de 10% met de meeste problemen" in page
    assert "grensgeval" in web.get(f"/gebied/{borderline}").text
    english = web.get(f"/gebied/{borderline}?lang=en").text
    assert "borderline case" in english
    profile = web.get(f"/api/areas/{borderline}/profile").json()
    assert profile["stability"]["index"]["label"] == "borderline"
    assert 0.1 <= profile["stability"]["index"]["worst_share"] < 1


def test_the_rankings_show_a_sortable_stability_column(
    web: TestClient, con: duckdb.DuckDBPyConnection
) -> None:
    page = web.get("/ranglijst?level=wijk&sort=stability").text
    assert "Stabiliteit" in page and 'aria-sort="ascending"' in page
    assert "in elke variant bij de 10% met de meeste problemen" in page
    items = web.get("/api/rankings?level=wijk&sort=stability&size=250").json()["items"]
    shares = [item["stability_share"] for item in items]
    assert shares == sorted(shares, reverse=True) and shares[0] == 1.0
    assert {item["stability"] for item in items} <= {"robust", "borderline", "not_worst"}
    assert all(item["rank_low"] <= item["rank_high"] for item in items)
    health = web.get("/api/rankings?level=wijk&domain=health&size=5").json()["items"]
    assert all(item["stability"] is not None for item in health)


def test_the_map_marks_borderline_areas(web: TestClient) -> None:
    values = web.get("/api/map/values?level=wijk&measure=index").json()["values"]
    borderline = [v for v in values if v["stability"] == "borderline"]
    assert borderline and all(v["stability_label"] == "grensgeval" for v in borderline)
    assert 'class="legend-borderline"' in web.get("/kaart?level=wijk&measure=index").text


def test_the_sensitivity_page_has_a_table_per_score_and_level(web: TestClient) -> None:
    page = web.get("/methode/gevoeligheid").text
    for level in LEVELS:
        assert f'id="sensitivity-{level}-index"' in page
    assert "Gewichten van de indicatoren" in page and "grensgevallen" in page
    assert "Indicator weights" in web.get("/methode/gevoeligheid?lang=en").text
