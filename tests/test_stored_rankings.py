"""The rankings the build stores answer exactly as the rankings computed from the scores on request."""

from __future__ import annotations

import itertools

import duckdb
import pytest

from wijkzicht.errors import WijkzichtError
from wijkzicht.monitor import index
from wijkzicht.monitor.rankings import (
    RANKED_AREAS,
    RANKED_PARTITIONS,
    RankingFilter,
    latest_partition,
    ranking,
    read_directory,
)
from wijkzicht.warehouse.queries import one_value

PAGES = [(50, 0), (50, 150), (None, 0), (50, 100_000)]  # the first, a later, all, and past the last
NARROWED: list[dict[str, object]] = [{}, {"gemeente": "GM0599"}, {"focus_area": 1}]


@pytest.mark.parametrize("level", ["gemeente", "wijk", "buurt"])
@pytest.mark.parametrize("domain", [None, "health", "liveability"])
def test_stored_rankings_equal_the_computed_ones(
    con: duckdb.DuckDBPyConnection, level: str, domain: str | None
) -> None:
    # the build stored every partition's rankings, which `ranking` reads
    assert one_value(con, f"SELECT count(*) FROM {RANKED_AREAS}") > 100_000
    compared = 0
    directory = read_directory(con)  # as a server reads it once
    for order, (limit, offset), narrowed in itertools.product(index.RANK_ORDERS, PAGES, NARROWED):
        wanted = RankingFilter(level, domain, **narrowed)  # type: ignore[arg-type]
        stored = ranking(con, wanted, order=order, limit=limit, offset=offset)
        assert ranking(con, wanted, order=order, limit=limit, offset=offset, directory=directory) == stored
        computed = index.rank_areas(
            con,
            stored.partition,
            domain=domain,
            within=stored.within,
            order=order,
            limit=limit,
            offset=offset,
        )
        assert (stored.total, stored.areas) == computed, (order, limit, offset, narrowed)
        compared += len(computed[1])
    assert compared > 1000  # real rankings were compared, not empty pages


def test_the_stored_ranking_names_areas_and_their_gemeente(con: duckdb.DuckDBPyConnection) -> None:
    found = ranking(con, RankingFilter("wijk", gemeente="GM0599"), limit=5)
    assert found.total > 10  # Rotterdam has 15 wijken
    assert [area.rank for area in found.areas] == [1, 2, 3, 4, 5]
    assert {area.gemeente_name for area in found.areas} == {"Rotterdam"}
    assert all(area.name and area.code.startswith("WK0599") for area in found.areas)


def test_stored_partitions_equal_the_computed_ones(con: duckdb.DuckDBPyConnection) -> None:
    assert one_value(con, f"SELECT count(*) FROM {RANKED_PARTITIONS}") > 10
    partitions = con.execute(
        "SELECT DISTINCT level, boundary_year, period, subgroup FROM domain_scores ORDER BY ALL"
    ).fetchall()
    directory = read_directory(con)
    assert len(directory.partitions) == one_value(con, f"SELECT count(*) FROM {RANKED_PARTITIONS}")
    for level, boundary_year, period, subgroup in partitions:
        # stored: nothing or one choice made; computed on request: several choices made
        for selection in (
            index.Selection(level),
            index.Selection(level, boundary_year),
            index.Selection(level, None, period),
            index.Selection(level, None, None, subgroup),
            index.Selection(level, boundary_year, period),
            index.Selection(level, boundary_year, period, subgroup),
        ):
            computed = index.latest_partition(con, selection)
            assert latest_partition(con, selection) == computed, selection
            assert latest_partition(con, selection, directory) == computed, selection


def test_a_selection_without_scores_is_explained_as_before(con: duckdb.DuckDBPyConnection) -> None:
    without = index.Selection("wijk", 1990)
    with pytest.raises(WijkzichtError) as computed:
        index.latest_partition(con, without)
    with pytest.raises(WijkzichtError) as looked_up:
        latest_partition(con, without)
    assert str(looked_up.value) == str(computed.value)
