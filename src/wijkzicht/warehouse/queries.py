"""Writing a text into SQL as a literal; reading the answer of a warehouse query that always has exactly one
row, such as an aggregate; whether a warehouse has a table that older builds did not make; and creating a
table from an aggregation into lists in parts, within the build's memory budget."""

from __future__ import annotations

from typing import Any

import duckdb


def literal(text: str) -> str:
    """`text` as an SQL string literal, for the places DuckDB takes no parameter (file names in ATTACH and
    read_csv, the options of a reader)."""
    return "'" + text.replace("'", "''") + "'"


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


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse holds the table `name` (one that a build makes only when asked, or that older
    builds did not make)."""
    return one_value(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]) == 1


# DuckDB cannot spill the states of a list aggregate (list(...) per group): an aggregation into lists over
# millions of rows ran out of memory under the build's budget. Run in parts of about this many input rows,
# each part's groups stay small, whatever the size of the data. A sort of such lists by area ran out too.
ROWS_PER_PART = 1_000_000


def create_in_parts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    query: str,
    *,
    rows_of: str,
    key: str,
    parameters: dict[str, object] | None = None,
) -> None:
    """`CREATE OR REPLACE {table} AS {query}`, run in parts: `query` holds `{part}`, a condition on `key` (a
    column of `rows_of`, the input table, that every group keeps whole; it may carry the query's alias), and
    the parts are as many as `rows_of` has millions of rows. The parts are ranges of `key` in ascending
    order, so a query that sorts by `key` makes a table sorted by it."""
    column = key.split(".")[-1]
    parts = max(1, -(-one_value(con, f"SELECT count(*) FROM {rows_of}") // ROWS_PER_PART))
    fractions = [part / parts for part in range(1, parts)]
    bounds = (
        one_value(con, f"SELECT quantile_disc({column}, {fractions}) FROM {rows_of}") if fractions else []
    )
    name = table.split()[-1]
    for part in range(parts):
        lower = f"{key} >= {literal(bounds[part - 1])}" if part > 0 else "TRUE"
        upper = f"{key} < {literal(bounds[part])}" if part < parts - 1 else "TRUE"
        start = f"CREATE OR REPLACE {table} AS" if part == 0 else f"INSERT INTO {name}"
        con.execute(f"{start} {query.replace('{part}', f'{lower} AND {upper}')}", parameters)
