"""The `wijkzicht` command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wijkzicht import config, warehouse
from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NoDataError, OnlineError, WijkzichtError
from wijkzicht.i18n import format_number
from wijkzicht.monitor.areas import get_area, search
from wijkzicht.monitor.observations import area_figures
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online

app = typer.Typer(
    help="wijkzicht: official open data on Dutch gemeenten, wijken and buurten.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
areas_app = typer.Typer(help="The area registry.", no_args_is_help=True)
app.add_typer(areas_app, name="areas")
console = Console()
errors = Console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Language(StrEnum):
    nl = "nl"
    en = "en"


SnapshotOption = Annotated[
    Path | None,
    typer.Option(
        "--snapshot",
        help="Folder with the raw open data [env WIJKZICHT_SNAPSHOT; default ../shared/data if present]",
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Warehouse file [env WIJKZICHT_DB; default ~/.local/share/wijkzicht/wijkzicht.duckdb]"
    ),
]
CacheOption = Annotated[
    Path | None,
    typer.Option("--cache", help="Download cache [env WIJKZICHT_CACHE; default ~/.cache/wijkzicht]"),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Show wijkzicht's own errors as one clear message and exit 1, never as a traceback."""
    try:
        yield
    except WijkzichtError as error:
        errors.print(f"[bold red]fout:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=False,
        disable=not errors.is_terminal,
    )


def _fetch_all(targets: list[str], cache: Path, odata_filter: str | None = None) -> list[Path]:
    written: list[Path] = []
    with _progress() as progress:
        for target in targets:
            task = progress.add_task(f"download {target}", total=None)

            def report(label: str, done: int, total: int | None, task: int = task) -> None:
                progress.update(task, description=f"download {label}", completed=done, total=total)

            written += online.fetch(target, cache, progress=report, odata_filter=odata_filter)
            progress.update(task, total=1, completed=1)
    return written


@app.command()
def build(snapshot: SnapshotOption = None, cache: CacheOption = None, db: DbOption = None) -> None:
    """Build the monitor warehouse from the snapshot (and any downloads in the cache).

    With no snapshot and an empty cache, the default tables are downloaded from CBS and PDOK first.
    """
    with user_errors():
        snapshot_dir, cache_dir, database = (
            config.snapshot_dir(snapshot),
            config.cache_dir(cache),
            config.database_path(db),
        )
        try:
            roots = warehouse.data_roots(snapshot_dir, cache_dir)
        except NoDataError:
            errors.print(f"Geen snapshot gevonden; standaardtabellen downloaden naar {cache_dir} ...")
            try:
                _fetch_all(list(online.DEFAULT_TARGETS), cache_dir)
            except OnlineError as error:
                raise NoDataError(f"no snapshot folder and the download failed: {error}") from error
            roots = warehouse.data_roots(None, cache_dir)
        with _progress() as progress:
            task = progress.add_task("bouwen", total=None)

            def report(label: str, done: int, total: int) -> None:
                progress.update(task, description=label[:60], completed=done, total=total)

            report_ = build_warehouse(database, roots, progress=report)
        console.print(
            f"Warehouse [bold]{report_.path}[/]: {report_.observations:,} waarnemingen, "
            f"{report_.areas:,} gebied-jaren uit {report_.files} bestanden in {report_.seconds:.1f} s"
        )


@app.command()
def fetch(
    targets: Annotated[list[str], typer.Argument(help="CBS table ids (85984NED) or pdok:LEVEL:YEAR")],
    cache: CacheOption = None,
    odata_filter: Annotated[str | None, typer.Option("--filter", help="OData $filter for CBS data")] = None,
) -> None:
    """Download raw tables from CBS StatLine or boundaries from PDOK into the cache."""
    with user_errors():
        cache_dir = config.cache_dir(cache)
        for path in _fetch_all(targets, cache_dir, odata_filter):
            console.print(f"  {path}")


@app.command()
def area(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. GM0363, WK036300, BU03630000")],
    period: Annotated[int | None, typer.Option(help="Only this period (year)")] = None,
    year: Annotated[int | None, typer.Option("--boundary-year", help="Only this boundary year")] = None,
    output: FormatOption = OutputFormat.table,
    lang: Annotated[Language, typer.Option("--lang")] = Language.nl,
    db: DbOption = None,
) -> None:
    """Every indicator value of an area, with unit, period and source."""
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = get_area(con, code)
        figures = area_figures(con, found.code, period=period, boundary_year=year, language=lang.value)
        if output is OutputFormat.json:
            _print_json({"area": found.as_dict(), "figures": [f.as_dict() for f in figures]})
            return
        console.print(
            f"[bold]{found.code}[/] {found.name} ({found.level}; grensjaren "
            f"{', '.join(map(str, found.boundary_years))})"
        )
        table = Table("grensjaar", "indicator", "groep", "periode", "waarde", "eenheid", "bron")
        for f in figures:
            value = (
                format_number(f.value, lang.value) if f.value is not None else f"[dim]— {f.missing_reason}[/]"
            )
            table.add_row(
                str(f.boundary_year),
                f.name,
                f.subgroup,
                str(f.period),
                value,
                f.unit,
                f"{f.source_table} {f.source_column}",
            )
        console.print(table)
        if not figures:
            console.print("[yellow]Geen waarden voor deze selectie.[/]")


@areas_app.command("search")
def areas_search(
    query: Annotated[str, typer.Argument(help="Part of a name (accents and case do not matter) or a code")],
    level: Annotated[str | None, typer.Option(help="land, gemeente, wijk or buurt")] = None,
    limit: int = 20,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Find areas by name or code, e.g. `wijkzicht areas search overvecht`."""
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = search(con, query, level=level, limit=limit)
        if output is OutputFormat.json:
            _print_json([a.as_dict() for a in found])
            return
        table = Table("code", "niveau", "naam", "gemeente", "grensjaren")
        for a in found:
            table.add_row(
                a.code, a.level, a.name, a.gemeente_name or "", ", ".join(map(str, a.boundary_years))
            )
        console.print(table if found else f"Geen gebieden gevonden voor {query!r}.")


@app.command()
def indicators(
    domain: Annotated[str | None, typer.Option(help="Only this domain, e.g. health")] = None,
    output: FormatOption = OutputFormat.table,
    lang: Annotated[Language, typer.Option("--lang")] = Language.nl,
) -> None:
    """List the indicator catalogue."""
    with user_errors():
        catalogue = load_catalogue()
        if domain is not None and domain not in catalogue.domains:
            raise WijkzichtError(
                f"unknown domain {domain!r} (expected one of: {', '.join(catalogue.domains)})"
            )
        chosen = [i for i in catalogue.indicators.values() if domain in (None, i.domain)]
        if output is OutputFormat.json:
            _print_json([i.summary() for i in chosen])
            return
        table = Table("id", "naam", "domein", "eenheid", "richting", "bron")
        for i in chosen:
            table.add_row(
                i.id,
                i.name(lang.value),
                catalogue.domains[i.domain][lang.value],
                i.unit,
                i.direction,
                "; ".join(f"{s.table}:{s.column}" for s in i.sources),
            )
        console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    db: DbOption = None,
    programmes_db: Annotated[
        str | None,
        typer.Option("--programmes-db", help="Programme steering database URL [env WIJKZICHT_PROGRAMMES_DB]"),
    ] = None,
) -> None:
    """Serve the web application and the HTTP API (docs at /api/docs) over the warehouse."""
    import uvicorn

    from wijkzicht.web.app import create_app

    with user_errors():
        database = config.database_path(db)
        # a missing or outdated warehouse, or an unmigrated shared database, is a clear error, now
        application = create_app(database, programmes_db)
        console.print(f"wijkzicht op [bold]http://{host}:{port}/[/] (warehouse {database}); Ctrl+C stopt")
        uvicorn.run(application, host=host, port=port, log_level="warning")


def _print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


from wijkzicht.cli import analysis  # noqa: E402, F401  registers the analysis commands

# isort: split
from wijkzicht.cli import ondermijning  # noqa: E402, F401  registers `wijkzicht ondermijning`

# isort: split
from wijkzicht.cli import survey  # noqa: E402, F401  registers `wijkzicht survey check|import`

# isort: split
from wijkzicht.cli import programmes  # noqa: E402, F401  programmes, users, report
