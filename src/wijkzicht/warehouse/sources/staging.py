"""The staging area that every reader writes into, and the helpers readers share."""

from __future__ import annotations

import gzip
import itertools
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb

from wijkzicht import codes
from wijkzicht.catalogue import TOTAL_SUBGROUP, Catalogue, Indicator
from wijkzicht.errors import SourceError
from wijkzicht.warehouse.privacy import reject_identifying, reject_non_area_rows
from wijkzicht.warehouse.queries import literal, one_value
from wijkzicht.warehouse.sources.csv_diagnosis import diagnose, encoding_problem, wrong_delimiter

STAGING_SCHEMA = """
CREATE TEMP TABLE stage_areas (
    code VARCHAR, boundary_year INTEGER, level VARCHAR, name VARCHAR,
    source_table VARCHAR, source_file VARCHAR, root INTEGER,
    register BOOLEAN  -- declared by a region list (the publisher's code list), not by a table of figures
);
-- One row per cell: millions of rows, so the file is a small id into stage_files, not its path.
-- `reason`: why a cell without a raw value is empty, when the reader knows (a suppressed survey result).
CREATE TEMP TABLE stage_cells (
    indicator VARCHAR, subgroup VARCHAR, area_code VARCHAR, boundary_year INTEGER, period INTEGER,
    raw VARCHAR, file_id INTEGER, source_line BIGINT, source_column VARCHAR, reason VARCHAR
);
CREATE TEMP TABLE stage_files (file_id INTEGER, root INTEGER, source_table VARCHAR, source_file VARCHAR);
CREATE TABLE crime_types (table_id VARCHAR, code VARCHAR, title VARCHAR, offences VARCHAR);
CREATE TABLE table_periods (table_id VARCHAR, period INTEGER, status VARCHAR);
CREATE TABLE geometries (code VARCHAR, boundary_year INTEGER, level VARCHAR, geom GEOMETRY, source_file VARCHAR);
CREATE TABLE focus_areas (
    number INTEGER, name VARCHAR, gemeente_name VARCHAR, gemeente_code VARCHAR, source_file VARCHAR
);
CREATE TABLE boundary_changes (
    level VARCHAR, variant VARCHAR, from_year INTEGER, to_year INTEGER,
    from_code VARCHAR, to_code VARCHAR, addresses DOUBLE, source_file VARCHAR
);
CREATE TABLE source_tables (
    table_id VARCHAR, title VARCHAR, modified VARCHAR, summary VARCHAR, source_file VARCHAR
);
"""

# The columns a reader fills from a raw table; `reason` stays NULL unless the reader names one.
CELL_COLUMNS = (
    "indicator, subgroup, area_code, boundary_year, period, raw, file_id, source_line, source_column"
)


class Cell(NamedTuple):
    """One cell a reader made in Python (a workbook's, a survey's), for `Staging.stage_cells`; the whole
    population unless the reader says otherwise."""

    indicator: str
    area_code: str
    boundary_year: int
    period: int | None
    raw: str | None
    file_id: int
    source_line: int
    source_column: str
    reason: str | None = None
    subgroup: str = TOTAL_SUBGROUP


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def canonical_code(expression: str) -> str:
    """SQL for a trimmed CBS region code; the country is NL00 in one table and NL01 in another."""
    return f"CASE WHEN trim({expression}) IN ('NL00', 'NL01') THEN 'NL00' ELSE trim({expression}) END"


@dataclass
class Staging:
    con: duckdb.DuckDBPyConnection
    catalogue: Catalogue
    root: Path
    root_index: int = 0
    _names: itertools.count = field(default_factory=itertools.count)

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def register_file(self, path: Path, table_id: str) -> int:
        """Give a file of cells its id in stage_files."""
        file_id = one_value(self.con, "SELECT coalesce(max(file_id), 0) + 1 FROM stage_files")
        self.con.execute(
            "INSERT INTO stage_files VALUES (?, ?, ?, ?)",
            [file_id, self.root_index, table_id, self.relative(path)],
        )
        return file_id

    def fresh_name(self, stem: str) -> str:
        return f"raw_{stem}_{next(self._names)}"

    # --- reading raw files ------------------------------------------------------------------

    def read_csv(
        self, path: Path, *, delimiter: str = ",", encoding: str = "utf-8", metadata: bool = False
    ) -> str:
        """Load a CSV (optionally gzip) as text columns plus `_line`, its line number in the file. A file that
        cannot be read, or has no data rows, is refused with the line and what is wrong with it. Unless it is
        a table's `metadata` (its periods, its crime types), every row must be an area (privacy)."""
        check_gzip_complete(path)
        if problem := encoding_problem(path):
            raise SourceError(path, problem, expected=f"a CSV file encoded as {encoding.upper()}")
        name = self.fresh_name("csv")
        options = (
            f"all_varchar = true, header = true, delim = {literal(delimiter)}, quote = '\"', "
            f"escape = '\"', encoding = {literal(encoding)}, strict_mode = true, null_padding = false"
        )
        try:
            # DuckDB keeps file order (preserve_insertion_order), so row_number() is the record number.
            self.con.execute(
                f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () + 1 AS _line, * "
                f"FROM read_csv({literal(str(path))}, {options})"
            )
        except duckdb.Error as error:
            problem, line, column = diagnose(path, delimiter)
            raise SourceError(
                path, problem, row=line, column=column, expected="a complete CSV file with a header row"
            ) from error
        try:
            reject_identifying(path, self.columns(name))
            self._require_content(path, name, delimiter)
            if not metadata:
                reject_non_area_rows(path, self.con, name)
        except SourceError:
            self.drop(name)  # not even a temporary copy of person-level data stays behind
            raise
        return name

    def _require_content(self, path: Path, table: str, delimiter: str) -> None:
        """Rows, in columns: a header-only file would silently remove a source's figures."""
        if separated_by := wrong_delimiter(self.columns(table), delimiter):
            raise SourceError(
                path,
                f"the header is one column separated by {separated_by!r}",
                row=1,
                expected=f"columns separated by {delimiter!r}",
            )
        if one_value(self.con, f"SELECT count(*) FROM {table}") == 0:
            raise SourceError(
                path, "the file has no data rows (empty, or only a header)", expected="data rows"
            )

    def catalogued_columns(self, path: Path, table_id: str, raw_columns: list[str]) -> dict[str, Indicator]:
        """The raw columns of a whole table (not an extract) mapped onto indicators. Every column the catalogue
        names for this table explicitly must be there: a renamed column would otherwise drop its figures
        without a word."""
        required = [source for _, source in self.catalogue.columns_for(table_id) if source.table == table_id]
        missing = [s.column for s in required if not any(s.matches(column) for column in raw_columns)]
        if missing:
            raise SourceError(
                path,
                f"missing catalogued column {missing[0]!r}"
                + (f" and {len(missing) - 1} more" if missing[1:] else ""),
                column=missing[0],
                expected=f"every column the catalogue names for {table_id}: "
                + ", ".join(s.column for s in required),
            )
        return self.catalogue.resolve_columns(table_id, raw_columns)

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self.con.execute(f"DESCRIBE {table}").fetchall() if row[0] != "_line"]

    def require_columns(self, path: Path, table: str, required: list[str] | tuple[str, ...]) -> None:
        present = self.columns(table)
        missing = [column for column in required if column not in present]
        if missing:
            raise SourceError(
                path,
                f"missing column {missing[0]!r}",
                column=missing[0],
                expected="columns " + ", ".join(required),
            )

    # --- writing to the staging tables -------------------------------------------------------

    def stage_values(
        self,
        path: Path,
        raw_table: str,
        *,
        table_id: str,
        columns: dict[str, Indicator],
        code: str,
        boundary_year: int,
        period: str,
        subgroup: str = "'totaal'",
        where: str = "TRUE",
    ) -> None:
        """Unpivot the catalogued columns of a wide raw table into stage_cells (one row per cell)."""
        if not columns:
            return
        mapping = ", ".join(f"({literal(raw)}, {literal(ind.id)})" for raw, ind in columns.items())
        unpivot_on = ", ".join(quoted(raw) for raw in columns)
        self.con.execute(f"""
            INSERT INTO stage_cells ({CELL_COLUMNS})
            SELECT m.indicator, u._subgroup, u._code, {boundary_year}, u._period, u._raw,
                   {self.register_file(path, table_id)}, u._line, u._column
            FROM (
                SELECT _line, {canonical_code(code)} AS _code, {period} AS _period,
                       {subgroup} AS _subgroup, {unpivot_on}
                FROM {raw_table} WHERE {where}
            ) UNPIVOT INCLUDE NULLS (_raw FOR _column IN ({unpivot_on})) u
            JOIN (VALUES {mapping}) m(source_column, indicator) ON m.source_column = u._column
        """)

    def stage_cells(self, cells: list[Cell]) -> None:
        """Add cells made in Python in one statement, a list per column: `executemany` runs a statement per
        cell, which cost 7 s of a 100 s build for the 60,000 cells of one income workbook."""
        if not cells:
            return
        columns = [list(column) for column in zip(*cells, strict=True)]
        self.con.execute(
            f"""INSERT INTO stage_cells ({", ".join(Cell._fields)})
                SELECT {", ".join("unnest(?)" for _ in Cell._fields)}""",
            columns,
        )

    def stage_areas(
        self, path: Path, query: str, *, table_id: str, boundary_year: int, register: bool = False
    ) -> None:
        """Add the areas a file declares; `query` yields (code, name). `register`: the file is a region list,
        so every figure of its boundary year must name one of its codes."""
        self.con.execute(f"""
            INSERT INTO stage_areas
            SELECT {canonical_code("code")}, {boundary_year}, {codes.sql_level_of(canonical_code("code"))},
                   nullif(trim(name), ''), {literal(table_id)}, {literal(self.relative(path))}, {self.root_index},
                   {register}
            FROM ({query})
        """)

    def record_table(
        self, path: Path, table_id: str, title: str, modified: str | None, summary: str | None
    ) -> None:
        self.con.execute(
            "INSERT INTO source_tables VALUES (?, ?, ?, ?, ?)",
            [table_id, title, modified, summary, self.relative(path)],
        )

    def drop(self, table: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {table}")


def table_id_of(path: Path) -> str:
    """CBS files start with the table id: 85984NED_kwb2024_... -> 85984NED."""
    return path.name.split("_", 1)[0]


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_gzip_complete(path: Path) -> None:
    """A truncated download must fail loudly, never load as a shorter table."""
    if path.suffix != ".gz":
        return
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as error:
        raise SourceError(
            path,
            f"the gzip file is damaged or truncated ({first_line(error)})",
            expected="a complete gzip file; download it again",
        ) from error
