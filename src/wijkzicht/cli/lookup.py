"""Looking things up: `wijkzicht area CODE`, `wijkzicht areas search` and `wijkzicht indicators`."""

from __future__ import annotations

from typing import Annotated

import typer

from wijkzicht import config
from wijkzicht.cli.common import (
    DbOption,
    FormatOption,
    LangOption,
    OutputFormat,
    console,
    headings,
    new_table,
    print_json,
    subgroup_name,
    t,
    unit_name,
    use_language,
    user_errors,
)
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import format_number

areas_app = typer.Typer(help="The area registry.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(areas_app, name="areas")
    app.command()(area)
    app.command()(indicators)


def area(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. GM0363, WK036300, BU03630000")],
    period: Annotated[int | None, typer.Option(help="Only this period (year)")] = None,
    year: Annotated[int | None, typer.Option("--boundary-year", help="Only this boundary year")] = None,
    output: FormatOption = OutputFormat.table,
    lang: LangOption = None,
    db: DbOption = None,
) -> None:
    """Every indicator value of an area, with unit, period and source."""
    from wijkzicht import warehouse
    from wijkzicht.monitor.areas import get_area
    from wijkzicht.monitor.observations import area_figures

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = get_area(con, code)
        figures = area_figures(con, found.code, period=period, boundary_year=year, language=language)
        if output is OutputFormat.json:
            print_json({"area": found.as_dict(), "figures": [f.as_dict() for f in figures]})
            return
        console.print(
            f"[bold]{found.code}[/] {found.name} ({found.level}; {t('cli.col.boundary_years')} "
            f"{', '.join(map(str, found.boundary_years))})"
        )
        table = new_table(
            *headings("boundary_year", "indicator", "group", "period", "value", "unit", "source")
        )
        for f in figures:
            value = (
                format_number(f.value, language) if f.value is not None else f"[dim]— {f.missing_reason}[/]"
            )
            table.add_row(
                str(f.boundary_year),
                f.name,
                subgroup_name(f.subgroup),
                str(f.period),
                value,
                unit_name(f.unit),
                f"{f.source_table} {f.source_column}",
            )
        console.print(table)
        if not figures:
            console.print(f"[yellow]{t('cli.text.no_values')}[/]")


@areas_app.command("search")
def areas_search(
    query: Annotated[str, typer.Argument(help="Part of a name (accents and case do not matter) or a code")],
    level: Annotated[str | None, typer.Option(help="land, gemeente, wijk or buurt")] = None,
    limit: int = 20,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Find areas by name or code, e.g. `wijkzicht areas search overvecht`."""
    from wijkzicht import warehouse
    from wijkzicht.monitor.areas import search

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = search(con, query, level=level, limit=limit)
        if output is OutputFormat.json:
            print_json([a.as_dict() for a in found])
            return
        table = new_table(*headings("code", "level", "name", "gemeente", "boundary_years"))
        for a in found:
            table.add_row(
                a.code, a.level, a.name, a.gemeente_name or "", ", ".join(map(str, a.boundary_years))
            )
        console.print(table if found else t("cli.text.no_areas_for", query=repr(query)))


def indicators(
    domain: Annotated[str | None, typer.Option(help="Only this domain, e.g. health")] = None,
    output: FormatOption = OutputFormat.table,
    lang: LangOption = None,
) -> None:
    """List the indicator catalogue."""
    from wijkzicht.catalogue import load_catalogue

    language = use_language(lang)
    with user_errors():
        catalogue = load_catalogue()
        if domain is not None and domain not in catalogue.domains:
            raise WijkzichtError(
                t(
                    "cli.unknown_choice",
                    what=t("cli.col.domain"),
                    value=repr(domain),
                    allowed=", ".join(catalogue.domains),
                )
            )
        chosen = [i for i in catalogue.indicators.values() if domain in (None, i.domain)]
        if output is OutputFormat.json:
            print_json([i.summary() for i in chosen])
            return
        table = new_table(*headings("id", "name", "domain", "unit", "direction", "source"))
        for i in chosen:
            table.add_row(
                i.id,
                i.name(language),
                catalogue.domains[i.domain][language],
                unit_name(i.unit),
                t(f"cli.direction.{i.direction}"),
                "; ".join(f"{s.table}:{s.column}" for s in i.sources),
            )
        console.print(table)
