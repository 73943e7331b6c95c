"""Boundary changes: the VNG address matrices oriented from old to new codes, with weights."""

from __future__ import annotations

import duckdb


def build_address_moves(con: duckdb.DuckDBPyConnection) -> None:
    """`address_moves`: per matrix the old code, the new code and the share of the old code's addresses.

    The matrices only hold areas touched by a change. Each is oriented by the registry: its new side is the
    one whose codes all exist in the target boundary year (the stored rows are not always old -> new).
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE address_moves AS
        WITH registry AS (SELECT DISTINCT code, boundary_year FROM areas),
        flagged AS (
            SELECT b.*, f.code IS NOT NULL AS from_is_new, t.code IS NOT NULL AS to_is_new
            FROM boundary_changes b
            LEFT JOIN registry f ON f.code = b.from_code AND f.boundary_year = b.to_year
            LEFT JOIN registry t ON t.code = b.to_code AND t.boundary_year = b.to_year
        ),
        orientation AS (
            SELECT level, variant, from_year, to_year,
                   bool_and(from_is_new) AND NOT bool_and(to_is_new) AS swapped
            FROM flagged GROUP BY ALL
        ),
        oriented AS (
            SELECT b.level, b.variant, b.from_year, b.to_year, b.addresses,
                   CASE WHEN swapped THEN b.to_code ELSE b.from_code END AS old_code,
                   CASE WHEN swapped THEN b.from_code ELSE b.to_code END AS new_code
            FROM boundary_changes b JOIN orientation USING (level, variant, from_year, to_year)
            WHERE b.addresses > 0
        )
        SELECT *, addresses / sum(addresses) OVER (PARTITION BY level, variant, from_year, to_year, old_code)
                  AS weight
        FROM oriented
        """
    )
