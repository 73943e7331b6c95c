"""What every `wijkzicht` command shares: the consoles, the common options, the run's language, JSON output,
progress lines, and how wijkzicht's own errors reach the user.

Only light modules are imported here and at the top of every command module: `wijkzicht --help` must not
wait for the warehouse, the web or the programme store, so each command imports what it runs inside itself.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.table import Table

from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import DEFAULT_LANGUAGE, Translator, error_text, format_number, translations


def _console(*, stderr: bool = False) -> Console:
    """A console that measures the terminal each time it prints. Rich fixes the width from COLUMNS when a
    console is made, and these are made at import: without this, a run with another COLUMNS (a resized
    terminal, a pipe with COLUMNS set, a test runner) would wrap tables at the width of the first import."""
    made = Console(stderr=stderr)
    made._width = None  # rich keeps the width it read from COLUMNS here; None means "ask at each print"
    return made


console = _console()
error_console = _console(stderr=True)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class Language(StrEnum):
    nl = "nl"
    en = "en"


LANGUAGE_ENV = "WIJKZICHT_LANG"
# One language per run: set by `wijkzicht --lang` (or the environment) before any command runs, or by a
# command's own --lang; every prompt, message and error of the run is then in it.
_run = {"language": DEFAULT_LANGUAGE}
RunLanguageOption = Annotated[
    Language,
    typer.Option(
        "--lang",
        envvar=LANGUAGE_ENV,
        help="Language of every prompt, message and error of the run: nl (Dutch) or en (English)",
    ),
]
LangOption = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        help=f"Language of the output (default: the run's: `wijkzicht --lang`, {LANGUAGE_ENV} or nl)",
    ),
]


def use_language(chosen: Language | None = None) -> str:
    """The run's language, `chosen` from now on when given (a command's own --lang)."""
    if chosen is not None:
        _run["language"] = chosen.value
    return _run["language"]


def t(key: str, **values: object) -> str:
    """The text of `key` in the run's language (translations/cli.yaml and the other files)."""
    return Translator(_run["language"])(key, **values)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a command's work without the cyclic garbage collector's sweeps, for a command that makes one
    thing and ends. Its modules, classes and records live until the program ends anyway, and the sweeps
    walked them again and again while they were made. At the end they are frozen (never swept again), or
    the collection at the program's exit would walk them all once more."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def new_table(*headers: str, **options: Any) -> Table:
    """A rich table for a command's output. Rich's tables load on first use: a command that writes a file
    (`wijkzicht report`) need not wait for them."""
    from rich.table import Table

    return Table(*headers, **options)


def headings(*columns: str) -> list[str]:
    """A table's column headings in the run's language (`cli.col.*` in translations/cli.yaml)."""
    return [t(f"cli.col.{column}") for column in columns]


def unit_name(unit: str) -> str:
    """An indicator's unit in the run's language ('inhabitants per km²'), as the map names it."""
    key = f"kaart.unit.{unit}"
    return t(key) if key in translations() else unit


def subgroup_name(subgroup: str | None) -> str:
    """An age group as people read it ('18 jaar of ouder'), not its code ('18plus')."""
    from wijkzicht.catalogue import load_catalogue

    names = load_catalogue().subgroups
    return names[subgroup][_run["language"]] if subgroup in names else str(subgroup or "")


SnapshotOption = Annotated[
    Path | None,
    typer.Option(
        "--snapshot",
        help="Folder with the raw open data (env WIJKZICHT_SNAPSHOT; default ../shared/data if present)",
    ),
]
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Warehouse file (env WIJKZICHT_DB; default ~/.local/share/wijkzicht/wijkzicht.duckdb)"
    ),
]
CacheOption = Annotated[
    Path | None,
    typer.Option("--cache", help="Download cache (env WIJKZICHT_CACHE; default ~/.cache/wijkzicht)"),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Show wijkzicht's own errors as one clear message and exit 1, never as a traceback."""
    try:
        yield
    except WijkzichtError as error:
        message = error_text(error, _run["language"])
        error_console.print(f"[bold red]{t('cli.error')}:[/] {message}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def step_label(label: str) -> str:
    """A build step in the run's language: the warehouse names its steps in Dutch ('waarnemingen'), and
    cli.yaml translates each (`cli.step.<label>`), also before the part a long step has done ('profielen:
    400/20450'); a source file's step ('reader: file') is a name."""
    step, colon, rest = label.partition(": ")
    key = f"cli.step.{step}"
    return t(key) + colon + rest if key in translations() else label


def stage_lines() -> Callable[[str, int, int], None]:
    """Progress for a log file or a pipe, where a bar cannot be drawn: one line per stage as it starts,
    with its number and the seconds since the first, e.g. `[12/40] 31,4 s  waarnemingen`."""
    started = time.monotonic()
    last = {"label": ""}

    def line(label: str, done: int, total: int) -> None:
        if label == last["label"]:
            return
        last["label"] = label
        seconds = format_number(time.monotonic() - started, _run["language"], 1)
        error_console.print(
            f"[{min(done + 1, total)}/{total}] {seconds} s  {step_label(label)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )

    return line


def print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
