"""Getting the data in: `wijkzicht fetch` downloads raw tables, `wijkzicht build` builds the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from wijkzicht import config, warehouse
from wijkzicht.cli.common import CacheOption, DbOption, SnapshotOption, console, error_console, user_errors
from wijkzicht.errors import NoDataError, OnlineError
from wijkzicht.monitor.stored import build_warehouse
from wijkzicht.warehouse import online


def register(app: typer.Typer) -> None:
    app.command()(build)
    app.command()(fetch)


def build(
    snapshot: SnapshotOption = None,
    cache: CacheOption = None,
    db: DbOption = None,
    accept_loss: Annotated[
        bool,
        typer.Option(
            "--accept-loss",
            help="Replace the warehouse even when a source loses more than 1% of its figures",
        ),
    ] = False,
) -> None:
    """Build the monitor warehouse from the snapshot (and any downloads in the cache).

    With no snapshot and an empty cache, the default tables are downloaded from CBS and PDOK first. The
    build compares the new warehouse with the one it replaces and stops when a source would lose more than
    1% of its figures, unless --accept-loss.
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
            error_console.print(f"Geen snapshot gevonden; standaardtabellen downloaden naar {cache_dir} ...")
            try:
                _fetch_all(list(online.DEFAULT_TARGETS), cache_dir)
            except OnlineError as error:
                raise NoDataError(f"no snapshot folder and the download failed: {error}") from error
            roots = warehouse.data_roots(None, cache_dir)
        with _progress() as progress:
            task = progress.add_task("bouwen", total=None)

            def report(label: str, done: int, total: int) -> None:
                progress.update(task, description=label[:60], completed=done, total=total)

            report_ = build_warehouse(database, roots, progress=report, accept_loss=accept_loss)
        console.print(
            f"Warehouse [bold]{report_.path}[/]: {report_.observations:,} waarnemingen, "
            f"{report_.areas:,} gebied-jaren uit {report_.files} bestanden in {report_.seconds:.1f} s"
        )
        _print_files(report_)


def _print_files(report: warehouse.BuildReport) -> None:
    """What the build read, per reader, and every file no reader claimed, by name."""
    readers: dict[str, int] = {}
    for file in report.read:
        readers[file.family or ""] = readers.get(file.family or "", 0) + 1
    console.print("Gelezen:")
    for name, count in readers.items():
        console.print(f"  {name}: {count} {'bestand' if count == 1 else 'bestanden'}", markup=False)
    if report.unclaimed:
        console.print(
            f"[bold yellow]Niet gelezen[/] ({len(report.unclaimed)}): geen lezer herkent deze bestanden "
            "(ze staan ook in de tabel build_files van het warehouse):"
        )
        for file in report.unclaimed:
            console.print(f"  {file.full_path}", markup=False, highlight=False)


def fetch(
    targets: Annotated[
        list[str] | None, typer.Argument(help="CBS table ids (85984NED) or pdok:LEVEL:YEAR")
    ] = None,
    cache: CacheOption = None,
    odata_filter: Annotated[str | None, typer.Option("--filter", help="OData $filter for CBS data")] = None,
    all_targets: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every table and boundary file the catalogue needs; skips what is already current",
        ),
    ] = False,
) -> None:
    """Download raw tables from CBS StatLine or boundaries from PDOK into the cache."""
    with user_errors():
        cache_dir = config.cache_dir(cache)
        if all_targets:
            if targets or odata_filter:
                raise typer.BadParameter("--all takes no targets and no --filter")
            _update(cache_dir)
            return
        if not targets:
            raise typer.BadParameter("name at least one target, or use --all")
        for path in _fetch_all(targets, cache_dir, odata_filter):
            console.print(f"  {path}")


PROGRESS_EVERY_ROWS = 100_000


def _update(cache_dir: Path) -> None:
    """`fetch --all`: plain progress lines (also when not a terminal, e.g. in cron) and a summary."""
    targets = online.catalogue_targets()
    counts = dict.fromkeys(online.UPDATE_STATUSES, 0)
    failures: list[online.UpdateResult] = []

    def line(text: str) -> None:
        error_console.print(text, markup=False, highlight=False, soft_wrap=True)

    reported = {"step": 0}

    def rows(label: str, done: int, total: int | None) -> None:
        # a long table (police: millions of rows) reports every PROGRESS_EVERY_ROWS rows, and its end
        if done // PROGRESS_EVERY_ROWS != reported["step"] or (total and done == total):
            reported["step"] = done // PROGRESS_EVERY_ROWS
            line(f"    {label}: {done:,} van {total:,} rijen" if total else f"    {label}: {done:,} rijen")

    for number, target in enumerate(targets, start=1):
        line(f"[{number}/{len(targets)}] {target} ...")
        reported["step"] = 0
        result = online.fetch_if_changed(target, cache_dir, progress=rows)
        counts[result.status] += 1
        if result.status == "unchanged":
            since = f" sinds {result.modified}" if result.modified else ""
            detail = f"ongewijzigd{since}, overgeslagen"
        elif result.status == "downloaded":
            detail = (
                f"gedownload ({len(result.files)} {'bestand' if len(result.files) == 1 else 'bestanden'})"
            )
        else:
            detail = f"mislukt: {result.problem}"
            failures.append(result)
        line(f"[{number}/{len(targets)}] {target}: {detail}")
    console.print(
        f"{counts['downloaded']} gedownload, {counts['unchanged']} ongewijzigd, {counts['failed']} mislukt "
        f"(cache {cache_dir})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if failures:
        raise OnlineError(
            f"{len(failures)} of {len(targets)} downloads failed ({', '.join(f.target for f in failures)}); "
            "run `wijkzicht fetch --all` again to retry them (complete downloads are kept)"
        )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=False,
        disable=not error_console.is_terminal,
    )


def _fetch_all(targets: list[str], cache: Path, odata_filter: str | None = None) -> list[Path]:
    written: list[Path] = []
    with _progress() as progress:
        for target in targets:
            task = progress.add_task(f"download {target}", total=None)

            def report(label: str, done: int, total: int | None, task: TaskID = task) -> None:
                progress.update(task, description=f"download {label}", completed=done, total=total)

            written += online.fetch(target, cache, progress=report, odata_filter=odata_filter)
            progress.update(task, total=1, completed=1)
    return written
