"""The monitor warehouse: one embedded DuckDB file built from the raw sources, atomically.

`build` stages every source file (see `wijkzicht.warehouse.sources`), then turns the raw text into typed
tables with one set of rules: missing-value markers become NULL with a reason (never 0), unknown
region codes, non-numbers and duplicates stop the build with the file, line and column. The new file
replaces the old warehouse only when everything succeeded.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from wijkzicht import __version__, codes, config
from wijkzicht.catalogue import Catalogue, load_catalogue
from wijkzicht.errors import NoDataError, SourceError, WijkzichtError
from wijkzicht.warehouse.boundaries import build_address_moves
from wijkzicht.warehouse.changes import record_changes
from wijkzicht.warehouse.connection import SCHEMA_VERSION, connect
from wijkzicht.warehouse.crime_rates import build_crime_rates
from wijkzicht.warehouse.harmonise import build_harmonised
from wijkzicht.warehouse.publish import (
    build_area_population,
    build_published_crime_counts,
    build_published_observations,
    build_published_values,
)
from wijkzicht.warehouse.queries import literal, one_row, one_value
from wijkzicht.warehouse.search_names import build_area_names
from wijkzicht.warehouse.sources import discover
from wijkzicht.warehouse.sources.kwb import data_property_keys
from wijkzicht.warehouse.sources.staging import STAGING_SCHEMA, Staging, first_line

# CBS's markers for a value that is not there, and the reason we keep instead of the value.
MISSING_MARKERS = {
    ".": "onbekend of geheim (CBS '.')",
    "x": "geheim (CBS 'x')",
    "-99999999": "geheim of niet van toepassing (CBS -99999999)",
    "null": "niet beschikbaar of geheim (CBS null)",
}
EMPTY_REASON = "niet geleverd (leeg veld)"
# A series (indicator, level, boundary year, period, subgroup) is national when it has values in at least this
# share of the boundary year's gemeenten. Counted in gemeenten, not areas: a national health or KWB series keeps
# values in every gemeente even where small buurten are suppressed (down to 85% of the areas of a level), while
# a municipality's own figures (SES-WOA Amsterdam 2019: 1 of 355 gemeenten) stay far below.
NATIONAL_SHARE = 0.9

# What DuckDB keeps beside a database file while it is open: the write-ahead log and the spill folder.
BUILD_SIDE_FILES = (".wal", ".tmp", ".scratch")  # `.scratch`: the closed-file steps' own files

Progress = Callable[[str, int, int], None]  # (step description, steps done, steps total)
BuildStep = tuple[str, Callable[[duckdb.DuckDBPyConnection, Catalogue, list[Path]], None]]  # (label, step)
# A step on the finished, closed file before it replaces the old warehouse (its work may open the file from
# several processes at once): (label, step(file, scratch, report)), with a folder `scratch` for files of its
# own (removed after the step, or with the file when the build fails) and `report(done, of)` to tell how far
# it is.
ClosedFileStep = tuple[str, Callable[[Path, Path, Callable[[int, int], None]], None]]


# Files in a data root that describe the data rather than hold it: never read, never reported as ignored.
DOCUMENTATION = ("*.md", "README*", "LICENSE*", "LICENCE*")
# Files a finishing step reads (the catalogue check), not a reader.
CHECKED = ("*/*_DataProperties.json",)


@dataclass(frozen=True)
class BuildFile:
    root: Path
    path: str  # relative to the root
    family: str | None  # the reader that read it; None for a file only checked, or claimed by none

    @property
    def full_path(self) -> Path:
        return self.root / self.path


@dataclass(frozen=True)
class BuildReport:
    path: Path
    seconds: float
    files: int
    observations: int
    areas: int
    read: tuple[BuildFile, ...] = ()
    checked: tuple[BuildFile, ...] = ()
    # Files in a data root that no reader claims: named in the summary and in `build_files`, never dropped
    # silently (e.g. a download whose name the reader's pattern does not match).
    unclaimed: tuple[BuildFile, ...] = ()


def survey_roots(roots: list[Path], claimed: set[Path]) -> tuple[list[BuildFile], list[BuildFile]]:
    """Every file in the data roots that no reader claimed: (checked by a finishing step, claimed by none)."""
    checked: list[BuildFile] = []
    unclaimed: list[BuildFile] = []
    for root in roots:
        checked_here = {path for pattern in CHECKED for path in root.glob(pattern)}
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or path in claimed or any(part.startswith(".") for part in relative.parts):
                continue  # hidden: a half-written download (.name.part) or a tool's folder
            if any(path.match(pattern) for pattern in DOCUMENTATION):
                continue
            file = BuildFile(root, relative.as_posix(), None)
            (checked if path in checked_here else unclaimed).append(file)
    return checked, unclaimed


def data_roots(snapshot: Path | None, cache: Path | None) -> list[Path]:
    """The folders to build from: the snapshot first, then the download cache (which wins on overlap)."""
    roots = [root for root in (snapshot, cache) if root is not None and root.is_dir() and any(root.iterdir())]
    if not roots:
        raise NoDataError(
            "no data to build from: there is no snapshot folder (pass --snapshot or set WIJKZICHT_SNAPSHOT, "
            "e.g. to a copy of ../shared/data) and the download cache is empty (run `wijkzicht fetch` "
            "with an internet connection)"
        )
    return roots


def build(
    database: Path,
    roots: list[Path],
    *,
    analyses: Sequence[BuildStep] = (),
    closed_file_steps: Sequence[ClosedFileStep] = (),
    catalogue: Catalogue | None = None,
    progress: Progress | None = None,
    national_share: float = NATIONAL_SHARE,
    accept_loss: bool = False,
) -> BuildReport:
    """Build the warehouse from the data roots into a temporary file, then move it into place.

    `analyses` are the derived tables of the layers above (the monitor's stored scores): they run on the
    new warehouse before it replaces the old one, so a failing analysis leaves the old warehouse in place.
    `closed_file_steps` run after them, on the finished file closed, also before it replaces the old one.
    `national_share` is the share of gemeenten a series needs to count as national (a test whose hand-made
    source covers one city can lower it to exercise the national path). The new warehouse is compared with
    the one it replaces (`build_changes`); a source losing over 1% of its figures stops the build unless
    `accept_loss`. Every step keeps its queries within the memory budget (`config.build_memory()`): beyond
    it DuckDB spills to `<file>.tmp` beside the new warehouse.
    """
    started = time.perf_counter()
    memory_limit = config.build_memory()  # a wrong setting stops the build before it writes anything
    catalogue = catalogue or load_catalogue()
    files = sorted(
        ((index, root, family, path) for index, root in enumerate(roots) for family, path in discover(root)),
        key=lambda file: file[2].needs_every_area,  # stable: otherwise root by root, family by family
    )
    if not files:
        raise NoDataError(
            f"no known source files under {', '.join(map(str, roots))} (see SOURCES.md for the layout)"
        )
    checked, unclaimed = survey_roots(roots, {path for _, _, _, path in files})
    read = [
        BuildFile(root, path.relative_to(root).as_posix(), family.name) for _, root, family, path in files
    ]
    database.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(database)
    temporary = database.with_name(f"{database.name}.{os.getpid()}.building")
    finishing = (
        *(
            (label, functools.partial(_build_series_coverage, national_share=national_share))
            if step is _build_series_coverage
            else (label, step)
            for label, step in FINISHING_STEPS
        ),
        *analyses,
        ("afronden", _finish),
    )
    steps = len(files) + len(finishing) + len(closed_file_steps)
    try:
        con = connect(temporary, read_only=False)
        try:
            con.execute(f"SET memory_limit = {literal(memory_limit)}")
            con.execute(STAGING_SCHEMA)
            for done, (index, root, family, path) in enumerate(files):
                _report(progress, f"{family.name}: {path.name}", done, steps)
                with _no_raw_database_errors(f"{path}: cannot be read"):
                    family.read(Staging(con, catalogue, root, index), path)
                return_freed_memory()
            for offset, (label, step) in enumerate(finishing):
                _report(progress, label, len(files) + offset, steps)
                with _no_raw_database_errors(f"the build step {label!r} failed"):
                    step(con, catalogue, roots)
                return_freed_memory()
            _record_files(con, read, checked, unclaimed)
            _report(
                progress, "wijzigingen ten opzichte van de vorige bouw", len(files) + len(finishing), steps
            )
            with _no_raw_database_errors("comparing with the previous warehouse failed"):
                record_changes(
                    con, database, one_value(con, "SELECT built_at FROM build_info"), accept_loss=accept_loss
                )
            counts = one_row(con, "SELECT (SELECT count(*) FROM observations), (SELECT count(*) FROM areas)")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        for offset, (label, closed_step) in enumerate(closed_file_steps):
            done = len(files) + len(finishing) + offset
            _report(progress, label, done, steps)
            scratch = temporary.with_name(temporary.name + ".scratch")
            scratch.mkdir()
            with _no_raw_database_errors(f"the build step {label!r} failed"):
                closed_step(temporary, scratch, _part_report(progress, label, done, steps))
            shutil.rmtree(scratch)
        _report(progress, "klaar", steps, steps)
        os.replace(temporary, database)
    except BaseException:
        _remove_build_files(temporary)
        raise
    return BuildReport(
        database,
        time.perf_counter() - started,
        len(files),
        counts[0],
        counts[1],
        tuple(read),
        tuple(checked),
        tuple(unclaimed),
    )


@contextlib.contextmanager
def _no_raw_database_errors(context: str) -> Iterator[None]:
    """A database error the checks did not foresee still reaches the user as a sentence with its place,
    never as a DuckDB traceback."""
    try:
        yield
    except duckdb.Error as error:
        raise WijkzichtError(f"{context}: {first_line(error)}") from error


def _record_files(
    con: duckdb.DuckDBPyConnection,
    read: list[BuildFile],
    checked: list[BuildFile],
    unclaimed: list[BuildFile],
) -> None:
    """The build's metadata: every file of the data roots and what the build did with it. Status: read (by
    `reader`), checked (by the catalogue check) or unclaimed (no reader's pattern matches it)."""
    con.execute("CREATE TABLE build_files (root VARCHAR, path VARCHAR, status VARCHAR, reader VARCHAR)")
    rows = [
        (str(file.root.resolve()), file.path, status, file.family)
        for status, group in (("read", read), ("checked", checked), ("unclaimed", unclaimed))
        for file in group
    ]
    if rows:
        con.executemany("INSERT INTO build_files VALUES (?, ?, ?, ?)", rows)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    # Looked up among the running program's own symbols, once, when first needed: finding the C library by
    # name (`ctypes.util.find_library`) runs `ldconfig`, 28 ms at every import of the builder.
    if os.name != "posix":
        return None
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    return trim


def return_freed_memory() -> None:
    """Give the memory freed by a build step back to the system, where the C library keeps it for reuse
    (glibc's `malloc_trim`; elsewhere nothing). Without it a step's peak stacked on what the steps before
    had freed but kept: the map boundaries' geometry work left 138 MB, and the profile tables after them
    peaked at 1,564 MB instead of about 1,450."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


def _report(progress: Progress | None, label: str, done: int, total: int) -> None:
    if progress is not None:
        progress(label, done, total)


def _part_report(progress: Progress | None, label: str, done: int, total: int) -> Callable[[int, int], None]:
    """How far a long step is, as its label followed by the part done ('profielen: 400/20450')."""
    return lambda part, of: _report(progress, f"{label}: {part}/{of}", done, total)


def _remove_abandoned_builds(database: Path) -> None:
    """A build killed mid-way leaves `<db>.<pid>.building` and DuckDB's files beside it; remove those whose
    process is gone (a build still running in another process keeps its files)."""
    prefix = f"{database.name}."
    for leftover in database.parent.glob(f"{prefix}*.building*"):
        pid, _, rest = leftover.name.removeprefix(prefix).partition(".")
        if rest.startswith("building") and pid.isdigit() and not _process_alive(int(pid)):
            _remove_build_files(database.with_name(f"{prefix}{pid}.building"))


def _remove_build_files(temporary: Path) -> None:
    """The unfinished warehouse and what DuckDB keeps beside it: the write-ahead log (`.wal`) and the
    folder it spills large queries to (`.tmp`)."""
    for path in (temporary, *(temporary.with_name(temporary.name + suffix) for suffix in BUILD_SIDE_FILES)):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- finishing steps: from staged raw text to the warehouse's tables --------------------------------


def _check_catalogue_against_sources(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]
) -> None:
    """Tables that come with DataProperties must have every column the catalogue names for them explicitly."""
    for root in roots:
        for path in sorted(root.glob("*/*_DataProperties.json")):
            table_id = path.name.split("_", 1)[0]
            if table_id in catalogue.tables:
                explicit = [(i, s) for i, s in catalogue.columns_for(table_id) if s.table == table_id]
                keys = data_property_keys(path)
                missing = [f"{i.id} ({s.column})" for i, s in explicit if not any(s.matches(k) for k in keys)]
                if missing:
                    raise SourceError(
                        path,
                        "the catalogue names columns this table does not have: " + ", ".join(missing),
                        expected="every catalogued column in DataProperties",
                    )


def _check_region_codes(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    """Cells first: they carry a line number, so the error can point at the exact row."""
    _check_codes(con, "stage_cells", "area_code", roots)
    _check_codes(con, "stage_areas", "code", roots)


def _build_areas(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    # One row per (code, boundary year). The name comes from the first source that has one for that
    # year; failing that, from the nearest year in which the same code has a name (flagged).
    con.execute(f"""
        CREATE TABLE areas AS
        WITH per_year AS (
            SELECT code, boundary_year, any_value(level) AS level,
                   arg_min(name, root * 1000 + length(source_table)) FILTER (WHERE name IS NOT NULL) AS name,
                   list(DISTINCT source_table ORDER BY source_table) AS sources
            FROM stage_areas GROUP BY code, boundary_year
        ),
        borrowed AS (  -- nearest other year with a name; on a tie the earlier year
            SELECT code, boundary_year, arg_min(name, distance) AS name, arg_min(name_year, distance) AS name_year
            FROM (
                SELECT p.code, p.boundary_year, o.name, o.boundary_year AS name_year,
                       abs(o.boundary_year - p.boundary_year) * 10 + (o.boundary_year > p.boundary_year)::INT AS distance
                FROM per_year p JOIN per_year o
                  ON o.code = p.code AND o.name IS NOT NULL AND o.boundary_year <> p.boundary_year
                WHERE p.name IS NULL
            )
            GROUP BY code, boundary_year
        )
        SELECT p.code, p.boundary_year, p.level,
               coalesce(p.name, b.name, p.code) AS name,
               CASE WHEN p.name IS NOT NULL THEN p.boundary_year ELSE b.name_year END AS name_year,
               {codes.sql_gemeente_of("p.code")} AS gemeente_code,
               {codes.sql_wijk_of("p.code")} AS wijk_code,
               p.sources
        FROM per_year p LEFT JOIN borrowed b USING (code, boundary_year)
        ORDER BY p.boundary_year, p.code
    """)
    # One row per code across all boundary years, with its gemeente, for search and look-up.
    con.execute("""
        CREATE TABLE area_years AS
        WITH latest AS (
            SELECT code, any_value(level) AS level, arg_max(name, boundary_year) AS name,
                   list(boundary_year ORDER BY boundary_year) AS boundary_years,
                   any_value(gemeente_code) AS gemeente_code
            FROM areas GROUP BY code
        )
        SELECT l.code, l.level, l.name, l.boundary_years, l.gemeente_code, g.name AS gemeente_name
        FROM latest l LEFT JOIN latest g ON g.code = l.gemeente_code
        ORDER BY l.code
    """)


def _build_observations(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    _check_known_areas(con, roots)
    _check_numbers(con, catalogue, roots)
    _check_duplicates(con, roots)
    markers = ", ".join(
        f"({literal(marker)}, {literal(reason)})" for marker, reason in MISSING_MARKERS.items()
    )
    # A column that is empty in every row of a file was not measured for that period or age group
    # (e.g. noise nuisance before 2020): it is not a series of missing values, so it is left out and noted.
    con.execute("""
        CREATE TABLE series_notes AS
        WITH empty AS (
            SELECT file_id, source_column, indicator, subgroup, period FROM stage_cells
            GROUP BY ALL HAVING bool_and((raw IS NULL OR trim(raw) = '') AND reason IS NULL)
        )
        SELECT f.source_file, e.source_column, e.indicator, e.subgroup, e.period,
               'niet gemeten in deze periode of leeftijdsgroep' AS note, e.file_id
        FROM empty e JOIN stage_files f USING (file_id) ORDER BY ALL
    """)
    several_roots = one_value(con, "SELECT count(DISTINCT root) > 1 FROM stage_files")
    # Where a download (a later root) covers a cell the snapshot has too, the download wins.
    winners = (
        (
            "(SELECT c.* FROM stage_cells c JOIN stage_files f USING (file_id) QUALIFY f.root = max(f.root) OVER "
            "(PARTITION BY indicator, subgroup, area_code, boundary_year, period))"
        )
        if several_roots
        else "stage_cells"
    )
    # Provenance once per (file, column); each observation keeps its source id and line.
    con.execute("""
        CREATE TABLE provenance AS
        SELECT row_number() OVER (ORDER BY f.source_file, c.source_column)::INTEGER AS source_id,
               f.source_table, f.source_file, c.source_column, c.file_id
        FROM (SELECT DISTINCT file_id, source_column FROM stage_cells) c JOIN stage_files f USING (file_id)
    """)
    con.execute(f"""
        CREATE TABLE observations AS
        SELECT c.indicator, c.subgroup, c.area_code, a.level, c.boundary_year, c.period,
               CASE WHEN m.reason IS NULL THEN TRY_CAST(trim(c.raw) AS DOUBLE) END AS value,
               CASE WHEN c.raw IS NULL OR trim(c.raw) = '' THEN coalesce(c.reason, {literal(EMPTY_REASON)})
                    ELSE m.reason END AS missing_reason,
               p.source_id, c.source_line
        FROM {winners} c
        JOIN areas a ON a.code = c.area_code AND a.boundary_year = c.boundary_year
        JOIN provenance p USING (file_id, source_column)
        LEFT JOIN (VALUES {markers}) m(marker, reason) ON m.marker = trim(c.raw)
        ANTI JOIN series_notes n USING (file_id, source_column, subgroup, period)
        ORDER BY c.area_code, c.indicator, c.subgroup, c.boundary_year, c.period  -- one area: few row groups
    """)
    # The file ids were only for the build; keep the tables self-describing.
    con.execute("ALTER TABLE provenance DROP COLUMN file_id")
    con.execute("ALTER TABLE series_notes DROP COLUMN file_id")


def _file(roots: list[Path], root: int, source_file: str) -> Path:
    return roots[root] / source_file


def _located(roots: list[Path], source_file: str) -> Path:
    """The full path of a file named relative to whichever root holds it."""
    return next((root / source_file for root in roots if (root / source_file).exists()), Path(source_file))


def _check_codes(con: duckdb.DuckDBPyConnection, table: str, column: str, roots: list[Path]) -> None:
    line = "source_line" if table == "stage_cells" else "NULL"
    source = f"{table} JOIN stage_files USING (file_id)" if table == "stage_cells" else table
    bad = con.execute(
        f"SELECT root, source_file, {line}, {column} FROM {source} "
        f"WHERE {column} IS NULL OR NOT ({codes.sql_is_code(column)}) "
        "ORDER BY ALL LIMIT 1"
    ).fetchone()
    if bad:
        raise SourceError(
            _file(roots, bad[0], bad[1]),
            f"unknown region code {bad[3]!r}",
            row=bad[2],
            expected="a CBS code like NL00, GM0363, WK0363AA or BU0363AA01",
        )


def _check_known_areas(con: duckdb.DuckDBPyConnection, roots: list[Path]) -> None:
    """Every figure names an area of its boundary year: one of the region list's codes where the year has a
    region list (a filtered download may hold a buurt without its wijk); otherwise an area declared by the
    files whose gemeente (and, for a buurt, wijk) is declared too. A phantom code (WK999999 for WK168001)
    would otherwise become an area of its own and the real one lose its figure."""
    gemeente, wijk = codes.sql_gemeente_of("c.area_code"), codes.sql_wijk_of("c.area_code")
    bad = con.execute(f"""
        WITH listed AS (SELECT DISTINCT code, boundary_year, register FROM stage_areas),
        registers AS (SELECT DISTINCT boundary_year FROM stage_areas WHERE register),
        cells AS (SELECT DISTINCT file_id, area_code, boundary_year FROM stage_cells),
        judged AS (
            SELECT c.*, f.root, f.source_file,
                   CASE WHEN c.boundary_year IN (SELECT boundary_year FROM registers)
                        THEN CASE WHEN NOT EXISTS (SELECT 1 FROM listed l WHERE l.register
                                                   AND l.code = c.area_code AND l.boundary_year = c.boundary_year)
                                  THEN 'region list' END
                        WHEN NOT EXISTS (SELECT 1 FROM listed l WHERE l.code = c.area_code
                                         AND l.boundary_year = c.boundary_year)
                        THEN 'areas'
                        WHEN {gemeente} IS NOT NULL AND NOT EXISTS (
                            SELECT 1 FROM listed l WHERE l.code = {gemeente} AND l.boundary_year = c.boundary_year)
                        THEN 'gemeente'
                        WHEN {wijk} IS NOT NULL AND NOT EXISTS (
                            SELECT 1 FROM listed l WHERE l.code = {wijk} AND l.boundary_year = c.boundary_year)
                        THEN 'wijk' END AS missing
            FROM cells c JOIN stage_files f USING (file_id)
        )
        SELECT j.root, j.source_file, min(s.source_line), j.area_code, j.boundary_year, j.missing
        FROM judged j JOIN stage_cells s USING (file_id, area_code, boundary_year)
        WHERE j.missing IS NOT NULL
        GROUP BY ALL ORDER BY j.root, j.source_file, 3 LIMIT 1
    """).fetchone()
    if bad:
        root, source_file, line, code, year, missing = bad
        problem = {
            "region list": f"unknown region code {code!r}: not in the {year} region list",
            "areas": f"unknown region code {code!r}: no such area in the {year} region list",
            "gemeente": f"unknown region code {code!r}: its gemeente {codes.gemeente_of(code)} is not an area of {year}",
            "wijk": f"unknown region code {code!r}: its wijk {codes.wijk_of(code)} is not an area of {year}",
        }[missing]
        raise SourceError(
            _file(roots, root, source_file),
            problem,
            row=line,  # the code is the row's: no value column to name
            expected=f"a code from the {year} gemeente/wijk/buurt list",
        )


def _check_numbers(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    """Every value is a plain decimal number in its unit's format (catalogue `units`): no thousands
    separator read as a decimal point ("3.455" inhabitants), no NaN, infinity or exponent, within bounds."""
    formats = [
        (indicator.id, unit.decimals, unit.minimum, unit.maximum)
        for indicator in catalogue.indicators.values()
        for unit in [catalogue.number_format(indicator.unit)]
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE number_formats "
        "(indicator VARCHAR, decimals INTEGER, minimum DOUBLE, maximum DOUBLE)"
    )
    con.executemany("INSERT INTO number_formats VALUES (?, ?, ?, ?)", formats)
    markers = ", ".join(literal(marker) for marker in MISSING_MARKERS)
    bad = con.execute(f"""
        WITH cells AS (
            SELECT root, source_file, source_line, source_column, indicator, trim(raw) AS text
            FROM stage_cells JOIN stage_files USING (file_id)
            WHERE raw IS NOT NULL AND trim(raw) <> '' AND trim(raw) NOT IN ({markers})
        ),
        judged AS (
            SELECT c.*, n.decimals, n.minimum, n.maximum,
                   regexp_full_match(text, '-?[0-9]+([.][0-9]+)?') AS plain,
                   length(regexp_extract(text, '[.]([0-9]*?)0*$', 1)) AS decimals_used,
                   TRY_CAST(text AS DOUBLE) AS number
            FROM cells c LEFT JOIN number_formats n USING (indicator)
        )
        SELECT root, source_file, source_line, source_column, text, decimals, minimum, maximum, indicator,
               plain, number IS NOT NULL
        FROM judged
        WHERE NOT plain OR decimals_used > decimals OR number < minimum OR number > maximum
        ORDER BY root, source_file, source_line LIMIT 1
    """).fetchone()
    con.execute("DROP TABLE number_formats")
    if bad:
        root, source_file, line, column, text, decimals, minimum, maximum, indicator, plain, parsed = bad
        unit = catalogue.indicators[indicator].unit
        if not parsed:
            problem = f"not a number: {text!r}"
        elif not plain:
            problem = (
                f"not a plain decimal number: {text!r} (no NaN, infinity, exponent or thousands separator)"
            )
        elif decimals is not None and len(text.partition(".")[2].rstrip("0")) > decimals:
            problem = (
                f"{text!r} has more decimals than a value in {unit!r} has ({decimals}): "
                "a thousands separator read as a decimal point?"
            )
        else:
            problem = f"{text!r} is out of range for {unit!r}"
        raise SourceError(
            _file(roots, root, source_file),
            problem,
            row=line,
            column=column,
            expected=_number_format_text(decimals, minimum, maximum),
        )


def _number_format_text(decimals: int | None, minimum: float | None, maximum: float | None) -> str:
    shape = "a number" if decimals is None else f"a number with at most {decimals} decimals"
    bounds = f" from {minimum:g} to {maximum:g}" if minimum is not None and maximum is not None else ""
    return (
        f"{shape}{bounds} (a point as the decimal separator), or a CBS missing-value marker: "
        ". (dot), empty, -99999999, null"
    )


def _check_duplicates(con: duckdb.DuckDBPyConnection, roots: list[Path]) -> None:
    key = "indicator, subgroup, area_code, boundary_year, period, root"
    cells = "stage_cells JOIN stage_files USING (file_id)"
    duplicate = con.execute(
        f"SELECT {key} FROM {cells} GROUP BY {key} HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if duplicate is None:
        return
    rows = con.execute(
        f"SELECT source_file, source_line, source_column FROM {cells} WHERE ({key}) = (?, ?, ?, ?, ?, ?) "
        "ORDER BY source_file, source_line",
        list(duplicate),
    ).fetchall()
    root = duplicate[-1]
    files = sorted({str(_file(roots, root, row[0])) for row in rows})
    lines = ", ".join(str(row[1]) for row in rows if row[1] is not None)
    _, subgroup, code, _, period, _ = duplicate
    raise SourceError(
        " and ".join(files),
        f"duplicate row for {code}, period {period}, {subgroup}" + (f" (lines {lines})" if lines else ""),
        column=rows[0][2],
        expected="one row per region, period and age group",
    )


def _build_series_coverage(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    roots: list[Path],
    national_share: float = NATIONAL_SHARE,
) -> None:
    """The ACTUAL coverage of every series: how many areas and gemeenten of its level and boundary year have
    a value. A series below `NATIONAL_SHARE` of the gemeenten, or from a table the catalogue calls local, is
    `local`: the monitor never standardises it nationally (a percentile among one city's areas is no national
    position)."""
    local_indicators = [indicator.id for indicator in catalogue.indicators.values() if indicator.local]
    con.execute("CREATE TEMP TABLE catalogue_local (indicator VARCHAR)")
    if local_indicators:
        con.executemany("INSERT INTO catalogue_local VALUES (?)", [(i,) for i in local_indicators])
    gemeente = f"coalesce({codes.sql_gemeente_of('o.area_code')}, o.area_code)"
    con.execute(f"""
        CREATE TABLE series_coverage AS
        WITH gemeenten AS (SELECT boundary_year, count(*) AS n FROM areas WHERE level = 'gemeente' GROUP BY ALL),
        series AS (
            SELECT o.indicator, o.level, o.boundary_year, o.period, o.subgroup, count(*) AS areas,
                   count(o.value) AS areas_with_value,
                   count(DISTINCT {gemeente}) FILTER (WHERE o.value IS NOT NULL) AS gemeenten_with_value
            FROM (SELECT * FROM observations UNION ALL SELECT * FROM harmonised_observations) o
            WHERE o.level <> 'land' GROUP BY ALL
        ),
        counted AS (  -- the gemeenten of the boundary year, or of the nearest year that has a list
            SELECT s.*, arg_min(g.n, abs(g.boundary_year - s.boundary_year) * 10
                                     + (g.boundary_year > s.boundary_year)::INT) AS gemeenten_in_country
            FROM series s LEFT JOIN gemeenten g ON TRUE GROUP BY ALL
        ),
        judged AS (  -- local_by: why a series is local (the text for it is in the translations)
            SELECT c.*, c.gemeenten_with_value / nullif(c.gemeenten_in_country, 0) AS share,
                   CASE WHEN c.indicator IN (SELECT indicator FROM catalogue_local) THEN 'catalogue'
                        WHEN coalesce(share, 0) < {float(national_share)} THEN 'measured' END AS local_by
            FROM counted c
        )
        SELECT *, CASE WHEN local_by IS NULL THEN 'national' ELSE 'local' END AS coverage FROM judged
        ORDER BY indicator, level, boundary_year, period, subgroup
    """)
    con.execute("DROP TABLE catalogue_local")


def _check_focus_areas(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    bad = con.execute("""
        SELECT f.source_file, f.number, f.gemeente_code FROM focus_areas f
        ANTI JOIN areas a ON a.code = f.gemeente_code AND a.boundary_year = 2024 ORDER BY f.number LIMIT 1
    """).fetchone()
    if bad:
        raise SourceError(
            _located(roots, bad[0]),
            f"unknown gemeente code {bad[2]!r}",
            row=bad[1] + 1,
            column="gemeentecode_2024_afgeleid",
            expected="a gemeente code of 2024",
        )


def _write_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    con.execute("""CREATE TABLE indicators (
        id VARCHAR PRIMARY KEY, name_nl VARCHAR, name_en VARCHAR, domain VARCHAR, unit VARCHAR,
        direction VARCHAR, aggregation VARCHAR, group_characteristic BOOLEAN, min_population INTEGER)""")
    con.executemany(
        "INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                i.id,
                i.name_nl,
                i.name_en,
                i.domain,
                i.unit,
                i.direction,
                i.aggregation,
                i.group_characteristic,
                i.min_population,
            )
            for i in catalogue.indicators.values()
        ],
    )
    con.execute("""CREATE TABLE tables (
        table_id VARCHAR PRIMARY KEY, title VARCHAR, publisher VARCHAR, licence VARCHAR, url VARCHAR,
        boundary_year INTEGER, basis VARCHAR, min_population INTEGER)""")
    con.executemany(
        "INSERT INTO tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (t.id, t.title, t.publisher, t.licence, t.url, t.boundary_year, t.basis, t.min_population)
            for t in catalogue.tables.values()
        ],
    )


def _build_crime_rates(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    build_crime_rates(con, catalogue)


def _build_derived_tables(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    build_area_population(con)
    build_published_observations(con)
    build_published_crime_counts(con)
    build_area_names(con)
    build_address_moves(con)


def _build_published_values(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    build_published_values(con)


def _harmonise(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    build_harmonised(con)


def _finish(con: duckdb.DuckDBPyConnection, catalogue: Catalogue, roots: list[Path]) -> None:
    con.execute(
        "CREATE TABLE build_info (built_at TIMESTAMP, wijkzicht_version VARCHAR, schema_version INTEGER, "
        "roots VARCHAR[])"
    )
    con.execute(
        "INSERT INTO build_info VALUES (?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            __version__,
            SCHEMA_VERSION,
            [str(root.resolve()) for root in roots],
        ],
    )


FINISHING_STEPS: tuple[BuildStep, ...] = (
    ("catalogus controleren", _check_catalogue_against_sources),
    ("gebiedscodes controleren", _check_region_codes),
    ("gebiedenregister", _build_areas),
    ("waarnemingen", _build_observations),
    ("misdrijven per 1 000 inwoners", _build_crime_rates),
    ("focusgebieden", _check_focus_areas),
    ("indicatorcatalogus", _write_catalogue),
    ("bevolking en grenswijzigingen", _build_derived_tables),
    ("gepubliceerde waarden", _build_published_values),
    ("reeksen op grenzen 2024", _harmonise),
    ("dekking per reeks", _build_series_coverage),  # the published and the harmonised series
)
