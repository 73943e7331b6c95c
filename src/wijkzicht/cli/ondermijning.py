"""`wijkzicht ondermijning CODE`: the Zicht op Ondermijning view in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import (
    DbOption,
    FormatOption,
    LangOption,
    OutputFormat,
    console,
    new_table,
    print_json,
    unit_name,
    use_language,
    user_errors,
)
from wijkzicht.cli.common import t as cli_text  # `t` is the ondermijning tables' translator here
from wijkzicht.i18n import Translator, format_number

if TYPE_CHECKING:
    from rich.table import Table

    from wijkzicht.monitor.ondermijning import AreaView, ThemePosition


def register(app: typer.Typer) -> None:
    app.command()(ondermijning)


def ondermijning(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. WK034403")],
    output: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Zicht op Ondermijning: risk factors for undermining crime per theme, side by side (never one score)."""
    from wijkzicht import warehouse
    from wijkzicht.monitor.ondermijning import area_view

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        view = area_view(con, code, language)
        if output is OutputFormat.json:
            print_json(view.as_dict())
            return
        _print_view(view, Translator(language))


def _print_view(view: AreaView, t: Translator) -> None:
    level = t(f"level.{view.level}")
    console.print(
        f"[bold]{view.code}[/] {view.name} ({t('ondermijning.area', level=level, code=view.code, year=view.boundary_year)})\n"
    )
    for text in view.explanation.values():
        console.print(text, style="dim")
    console.print()
    if not view.shown:
        console.print(f"[yellow]{view.not_shown_reason}[/]")
        return
    for theme in view.themes:
        console.print(_theme_table(theme, t))
    _print_administrator_hint(view)


def _print_administrator_hint(view: AreaView) -> None:
    """For whoever runs this installation (the terminal, never a public page): how to load what is missing."""
    from wijkzicht.monitor.ondermijning import load_framework

    fetch = {item.id: item.fetch for theme in load_framework().themes for item in theme.indicators}
    missing = sorted({fetch[i.id] for theme in view.themes for i in theme.indicators if not i.loaded})
    if missing:
        console.print(f"[dim]{cli_text('cli.ondermijning.fetch_hint', tables=' '.join(missing))}[/]")


def _theme_table(theme: ThemePosition, t: Translator) -> Table:
    if theme.mean_percentile is not None:
        position = t(
            "ondermijning.summary",
            percentile=format_number(theme.mean_percentile, t.language, 0),
            used=theme.indicators_with_position,
            total=theme.indicators_in_theme,
        ) + (f", {t('ondermijning.limited_short')}" if theme.limited_coverage else "")
    else:
        position = t("ondermijning.summary_none")
    table = new_table(
        *(t(f"ondermijning.{key}") for key in ("indicator", "value", "percentile", "period", "remark")),
        title=f"{theme.name}: {position}",
    )
    for i in theme.indicators:
        table.add_row(
            f"{i.name} ({unit_name(i.unit)})",
            format_number(i.value, t.language, 1),
            format_number(i.percentile, t.language, 0),
            f"{i.period}, {t('ondermijning.boundary', year=i.boundary_year)}" if i.period else "",
            i.reason or "",
        )
    for planned in theme.not_available:
        table.add_row(planned["name"], "—", "—", "", planned["reason"])
    return table
