"""Are two warehouses the same? Every table of the first compared with the second's, row for row, both ways.

For a change that should make the build cheaper and nothing else: build the warehouse before and after
(e.g. `wijkzicht build --db before.duckdb` on main), then

    .venv/bin/python benchmarks/compare_warehouses.py before.duckdb after.duckdb

Rows are compared as multisets (`EXCEPT ALL` both ways), so a table may be stored in another order; tables
that only one of the files has, or with other columns, are named. The build's own record (when, from which
folders, the comparison with the previous build) differs from build to build and is left out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from wijkzicht.warehouse.connection import load_spatial

# Written per build: the time of the build and the change log against the previous file.
PER_BUILD = {"build_info", "build_changes"}


def tables(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[str]]:
    """Per table (not view) its columns, in order."""
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ? AND NOT internal "
        "AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = ?) "
        "ORDER BY table_name, column_index",
        [database, database],
    ).fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def differing_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> tuple[int, int]:
    """(rows only in the first, rows only in the second), comparing every column."""
    listed = ", ".join(f'"{column}"' for column in columns)
    first, second = f'SELECT {listed} FROM first."{table}"', f'SELECT {listed} FROM second."{table}"'
    only_first = con.execute(f"SELECT count(*) FROM ({first} EXCEPT ALL {second})").fetchone()
    only_second = con.execute(f"SELECT count(*) FROM ({second} EXCEPT ALL {first})").fetchone()
    return (only_first[0] if only_first else 0, only_second[0] if only_second else 0)


def compare(first: Path, second: Path) -> list[str]:
    """The differences, one sentence each; empty when every table holds the same rows."""
    con = duckdb.connect()
    load_spatial(con)  # geometry columns
    con.execute(f"ATTACH '{first}' AS first (READ_ONLY)")
    con.execute(f"ATTACH '{second}' AS second (READ_ONLY)")
    before, after = tables(con, "first"), tables(con, "second")
    problems = [f"{table}: only in {first}" for table in sorted(before.keys() - after.keys())]
    problems += [f"{table}: only in {second}" for table in sorted(after.keys() - before.keys())]
    for table in sorted((before.keys() & after.keys()) - PER_BUILD):
        if before[table] != after[table]:
            problems.append(f"{table}: columns {before[table]} against {after[table]}")
            continue
        only_first, only_second = differing_rows(con, table, before[table])
        if only_first or only_second:
            problems.append(f"{table}: {only_first} rows only in the first, {only_second} only in the second")
        else:
            print(f"same: {table}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    arguments = parser.parse_args()
    problems = compare(arguments.first, arguments.second)
    for problem in problems:
        print(f"DIFFERENT: {problem}")
    print("identical" if not problems else f"{len(problems)} tables differ")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
