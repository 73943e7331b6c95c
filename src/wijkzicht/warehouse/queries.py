"""Reading the answer of a warehouse query that always has exactly one row, such as an aggregate."""

from __future__ import annotations

from typing import Any

import duckdb


def one_row(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: list[object] | None = None
) -> tuple[Any, ...]:
    """The single row of a query that always answers one (an aggregate without GROUP BY)."""
    row = con.execute(sql, parameters).fetchone()
    if row is None:
        raise RuntimeError(f"a query that always answers one row answered none: {sql}")
    return row


def one_value(con: duckdb.DuckDBPyConnection, sql: str, parameters: list[object] | None = None) -> Any:
    """The first column of the single row of such a query: a count, a maximum."""
    return one_row(con, sql, parameters)[0]
