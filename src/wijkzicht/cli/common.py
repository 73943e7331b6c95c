"""What every `wijkzicht` command shares: the consoles, the common options, JSON and number output, and how
wijkzicht's own errors reach the user."""

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

from wijkzicht.errors import WijkzichtError


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
        error_console.print(f"[bold red]fout:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def print_json(document: object) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
