"""The choices of a goal's form, named in the page's language: what the monitor measures, and for whom."""

from __future__ import annotations

import duckdb

from wijkzicht.catalogue import load_catalogue
from wijkzicht.programmes import progress


def indicator_options(con: duckdb.DuckDBPyConnection, language: str) -> list[tuple[str, str]]:
    """The indicators of the warehouse a goal may be set on (`progress.goal_indicators`: never context or a
    group characteristic) as (id, 'name (id)'), named by the catalogue."""
    allowed = {indicator.id: indicator for indicator in progress.goal_indicators()}
    ids = [row[0] for row in con.execute("SELECT id FROM indicators ORDER BY domain, id").fetchall()]
    return [(i, f"{allowed[i].name(language)} ({i})") for i in ids if i in allowed]


def subgroup_options(con: duckdb.DuckDBPyConnection, language: str) -> list[tuple[str, str]]:
    """Every subgroup (age group) the warehouse has figures for, named by the catalogue."""
    names = load_catalogue().subgroups
    subgroups = [
        row[0] for row in con.execute("SELECT DISTINCT subgroup FROM series_coverage ORDER BY 1").fetchall()
    ]
    return [(s, names[s][language]) for s in subgroups]
