"""The monitor's analyses that the build stores in the warehouse, and the build that includes them.

The warehouse knows nothing of the monitor: the monitor hands its derived tables to the warehouse build
as steps, which run on the new file before it replaces the old one (so the build stays atomic).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from wijkzicht.catalogue import Catalogue
from wijkzicht.catalogue.variation import load_variation
from wijkzicht.monitor.comparison import store_comparisons
from wijkzicht.monitor.focus_scores import store_focus_scores
from wijkzicht.monitor.index import store_explanations, store_scores
from wijkzicht.monitor.map_boundaries import store_map_boundaries
from wijkzicht.monitor.rankings import store_rankings
from wijkzicht.monitor.score_trends import store_score_points
from wijkzicht.monitor.similar import build_structure, store_similar
from wijkzicht.monitor.stability import store_stability
from wijkzicht.monitor.trends import store_trends
from wijkzicht.warehouse.builder import BuildReport, BuildStep
from wijkzicht.warehouse.builder import build as build_raw_warehouse


def _structure(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    build_structure(con)


def _similar(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    store_similar(con)


def _scores(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    store_scores(con, catalogue)


def _stability(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    store_stability(con, load_variation())


def _rankings(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    store_rankings(con)
    store_focus_scores(con)  # the focus areas' ranking, scored as wijken


def _map_boundaries(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    store_map_boundaries(con)


def _profile_tables(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    # What a profile reads of every area, made once so that a request is a few lookups by area code; within
    # the build's memory budget, like every step.
    store_trends(con)
    store_explanations(con)
    store_comparisons(con)
    store_score_points(con)


ANALYSES: tuple[BuildStep, ...] = (
    ("structuurkenmerken", _structure),
    ("vergelijkbare gebieden", _similar),
    ("scores", _scores),
    ("rangstabiliteit", _stability),
    ("ranglijsten", _rankings),
    ("kaartgrenzen", _map_boundaries),
    ("profieltabellen", _profile_tables),
)


def build_warehouse(
    database: Path, roots: list[Path], *, documents: Sequence[BuildStep] = (), **options: Any
) -> BuildReport:
    """The whole build: the warehouse from the data roots, with the monitor's stored analyses, and after
    them `documents`: what the layers above store from the analyses (the web's prepared map documents)."""
    return build_raw_warehouse(database, roots, analyses=(*ANALYSES, *documents), **options)
