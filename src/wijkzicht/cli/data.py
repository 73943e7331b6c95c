"""Getting the data in: `wijkzicht fetch` downloads raw tables, `wijkzicht build` builds the warehouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import (
    CacheOption,
    DbOption,
    SnapshotOption,
    console,
    error_console,
    stage_lines,
    step_label,
    t,
    use_language,
    user_errors,
)
from wijkzicht.errors import NoDataError, OnlineError, WijkzichtError
from wijkzicht.i18n import format_number

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from wijkzicht.warehouse.builder import BuildReport


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
    profiles: Annotated[
        bool,
        typer.Option(
            "--profiles",
            help="Also store every area's API profile, in both languages: a profile never asked for is then "
            "answered at once (the build takes minutes longer)",
        ),
    ] = False,
) -> None:
    """Build the monitor warehouse from the snapshot (and any downloads in the cache).

    With no snapshot and an empty cache, the default tables are downloaded from CBS and PDOK first. The
    build compares the new warehouse with the one it replaces and stops when a source would lose more than
    1% of its figures, unless --accept-loss.
    """
    from wijkzicht.monitor.stored import build_warehouse
    from wijkzicht.warehouse import online
    from wijkzicht.warehouse.builder import data_roots
    from wijkzicht.web.deps import store_profiles
    from wijkzicht.web.monitor.kaart import store_map_documents

    with user_errors():
        snapshot_dir, cache_dir, database = (
            config.snapshot_dir(snapshot),
            config.cache_dir(cache),
            config.database_path(db),
        )
        try:
            roots = data_roots(snapshot_dir, cache_dir)
        except NoDataError:
            error_console.print(t("cli.build.downloading", cache=cache_dir), markup=False, highlight=False)
            try:
                _fetch_all(list(online.DEFAULT_TARGETS), cache_dir)
            except OnlineError as error:
                raise NoDataError(t("cli.build.download_failed", problem=error)) from error
            roots = data_roots(None, cache_dir)
        with _progress() as progress:
            report = _stage_progress(progress)
            built = build_warehouse(
                database,
                roots,
                documents=[("kaarten", store_map_documents)],
                closed_file_steps=[("profielen", store_profiles)] if profiles else [],
                progress=report,
                accept_loss=accept_loss,
            )
        language = use_language()
        console.print(
            t(
                "cli.build.done",
                path=built.path,
                observations=format_number(built.observations, language),
                areas=format_number(built.areas, language),
                files=built.files,
                seconds=format_number(built.seconds, language, 1),
            ),
            markup=False,
            highlight=False,
        )
        _print_files(built)


def _stage_progress(progress: Progress) -> Callable[[str, int, int], None]:
    """A bar on a terminal; elsewhere (a log file, a pipe, cron) one line per stage with the time so far."""
    if not error_console.is_terminal:
        return stage_lines()
    task = progress.add_task(t("cli.build.building"), total=None)

    def report(label: str, done: int, total: int) -> None:
        progress.update(task, description=step_label(label)[:60], completed=done, total=total)

    return report


def _print_files(report: BuildReport) -> None:
    """What the build read, per reader, and every file no reader claimed, by name."""
    readers: dict[str, int] = {}
    for file in report.read:
        readers[file.family or ""] = readers.get(file.family or "", 0) + 1
    console.print(t("cli.build.read"))
    for name, count in readers.items():
        console.print(f"  {name}: {count} {_files(count)}", markup=False)
    if report.unclaimed:
        console.print(
            f"[bold yellow]{t('cli.build.unread')}[/] ({len(report.unclaimed)}): {t('cli.build.unread_why')}"
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
                raise WijkzichtError(t("cli.fetch.all_alone"))
            _update(cache_dir)
            return
        if not targets:
            raise WijkzichtError(t("cli.fetch.no_target"))
        for path in _fetch_all(targets, cache_dir, odata_filter):
            console.print(f"  {path}")


PROGRESS_EVERY_ROWS = 100_000


def _update(cache_dir: Path) -> None:
    """`fetch --all`: plain progress lines (also when not a terminal, e.g. in cron) and a summary."""
    from wijkzicht.warehouse import online

    language = use_language()
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
            amount = format_number(done, language)
            line(
                "    "
                + (
                    t("cli.fetch.rows_of", label=label, done=amount, total=format_number(total, language))
                    if total
                    else t("cli.fetch.rows", label=label, done=amount)
                )
            )

    for number, target in enumerate(targets, start=1):
        line(f"[{number}/{len(targets)}] {target} ...")
        reported["step"] = 0
        result = online.fetch_if_changed(target, cache_dir, progress=rows)
        counts[result.status] += 1
        if result.status == "unchanged":
            since = t("cli.fetch.since", moment=result.modified) if result.modified else ""
            detail = t("cli.fetch.unchanged", since=since)
        elif result.status == "downloaded":
            detail = t("cli.fetch.downloaded", count=len(result.files), files=_files(len(result.files)))
        else:
            detail = t("cli.fetch.failed", problem=result.problem)
            failures.append(result)
        line(f"[{number}/{len(targets)}] {target}: {detail}")
    console.print(
        t("cli.fetch.summary", **counts, cache=cache_dir),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if failures:
        raise OnlineError(
            t(
                "cli.fetch.some_failed",
                failed=len(failures),
                total=len(targets),
                targets=", ".join(f.target for f in failures),
            )
        )


def _files(count: int) -> str:
    return t("cli.file") if count == 1 else t("cli.files")


def _progress() -> Progress:
    # rich's progress display loads here, for the commands that show one
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
    from wijkzicht.warehouse import online

    written: list[Path] = []
    with _progress() as progress:
        for target in targets:
            task = progress.add_task(t("cli.fetch.download", label=target), total=None)

            def report(label: str, done: int, total: int | None, task: TaskID = task) -> None:
                progress.update(
                    task, description=t("cli.fetch.download", label=label), completed=done, total=total
                )

            written += online.fetch(target, cache, progress=report, odata_filter=odata_filter)
            progress.update(task, total=1, completed=1)
    return written
