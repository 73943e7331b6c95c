"""`wijkzicht ondermijning CODE`: the Zicht op Ondermijning view in the terminal, registered on the main app."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from wijkzicht import config, warehouse
from wijkzicht.cli import (
    DbOption,
    FormatOption,
    Language,
    OutputFormat,
    _print_json,
    app,
    console,
    user_errors,
)
from wijkzicht.ondermijning import AreaView, ThemePosition, area_view


@app.command()
def ondermijning(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. WK034403")],
    output: FormatOption = OutputFormat.table,
    lang: Annotated[Language, typer.Option("--lang")] = Language.nl,
    db: DbOption = None,
) -> None:
    """Zicht op Ondermijning: risk factors for undermining crime per theme, side by side (never one score)."""
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        view = area_view(con, code, lang.value)
        if output is OutputFormat.json:
            _print_json(view.as_dict())
            return
        _print_view(view)


def _print_view(view: AreaView) -> None:
    console.print(f"[bold]{view.code}[/] {view.name} ({view.level}, grensindeling {view.boundary_year})\n")
    for text in view.explanation.values():
        console.print(text, style="dim")
    console.print()
    if not view.shown:
        console.print(f"[yellow]{view.not_shown_reason}[/]")
        return
    for theme in view.themes:
        console.print(_theme_table(theme))


def _theme_table(theme: ThemePosition) -> Table:
    if theme.mean_percentile is not None:
        position = (
            f"gemiddeld percentiel {theme.mean_percentile:.0f} "
            f"({theme.indicators_with_position} van {theme.indicators_in_theme} indicatoren"
            + (", beperkte dekking)" if theme.limited_coverage else ")")
        )
    else:
        position = "geen positie"
    table = Table(
        "indicator", "waarde", "percentiel", "periode", "toelichting", title=f"{theme.name}: {position}"
    )
    for i in theme.indicators:
        table.add_row(
            i.name,
            f"{i.value:.1f} {i.unit}" if i.value is not None else "—",
            f"{i.percentile:.0f}" if i.percentile is not None else "—",
            f"{i.period} (grenzen {i.boundary_year})" if i.period else "",
            i.reason or "",
        )
    for planned in theme.not_available:
        table.add_row(planned["name"], "—", "—", "", planned["reason"])
    return table
