"""The analysis commands: `rank`, `explain`, `compare`, `perception`, `similar`, `trend` and `focus`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from wijkzicht import config
from wijkzicht.catalogue import LATEST_PICTURE
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
    use_language,
    user_errors,
)
from wijkzicht.errors import WijkzichtError
from wijkzicht.i18n import format_number

if TYPE_CHECKING:
    import duckdb
    from rich.table import Table

    from wijkzicht.catalogue import Catalogue
    from wijkzicht.monitor import focus, index, trends

PeriodOption = Annotated[int | None, typer.Option(help="Period (year); default the latest with scores")]
SubgroupOption = Annotated[
    str | None,
    typer.Option(
        help="Age group: 18plus, 18tot65, 65plus or totaal; for scores also actueel, the latest picture (default)"
    ),
]
BoundaryYearOption = Annotated[
    int | None,
    typer.Option(
        "--boundary-year",
        help="Boundary year; default the latest (2024: every period harmonised to today's boundaries). "
        "An older year shows the figures as published on it, e.g. 2020 for the health monitor",
    ),
]
JUDGEMENTS = ("better", "worse", "equal")  # named by cli.judgement.* in the run's language
WorstShareOption = Annotated[float, typer.Option(help="Share of areas per domain that counts as 'worst'")]

focus_app = typer.Typer(
    help="The programme's focus areas and aggregates of any set of areas.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:

    app.command()(rank)
    app.command()(explain)
    app.command()(compare)
    app.command("perception")(perception_command)
    app.command("similar")(similar_command)
    app.command()(trend)
    app.add_typer(focus_app, name="focus")


def rank(
    level: Annotated[str, typer.Option(help="gemeente, wijk or buurt")] = "wijk",
    domain: Annotated[str | None, typer.Option(help="Rank on one domain; default the overall index")] = None,
    period: PeriodOption = None,
    subgroup: SubgroupOption = None,
    boundary_year: BoundaryYearOption = None,
    gemeente: Annotated[str | None, typer.Option(help="Only areas of this gemeente, e.g. GM0599")] = None,
    limit: Annotated[int, typer.Option(help="At most this many areas")] = 25,
    worst_share: WorstShareOption = 0.10,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Areas with the most problems first, on one domain or on the overall index (national percentiles)."""
    from wijkzicht import warehouse
    from wijkzicht.catalogue import load_catalogue
    from wijkzicht.codes import normalise
    from wijkzicht.monitor import index
    from wijkzicht.monitor.areas import LEVELS

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        catalogue = load_catalogue()
        _check_choice(level, LEVELS[1:], t("cli.col.level"))
        if domain is not None:
            _check_choice(domain, catalogue.problem_domains, t("cli.col.domain"))
        wanted = index.Selection(level, boundary_year, period, subgroup)
        index.use_scores(con, wanted, index.Settings(worst_share=worst_share))
        chosen = index.latest_partition(con, wanted)
        domains = catalogue.domains
        _, ranked = index.rank_areas(
            con, chosen, domain=domain, within=[normalise(gemeente)] if gemeente else None, limit=limit
        )
        if output is OutputFormat.json:
            print_json([r.as_dict() for r in ranked])
            return
        console.print(
            f"[bold]{domain or t('cli.text.overall_index')}[/] — {chosen.level}, {_partition_text(chosen)}, "
            f"{t('cli.col.boundary_year')} {chosen.boundary_year}"
        )
        table = new_table(*headings("rank", "code", "name", "score", "percentile", "worst_domains"))
        for r in ranked:
            table.add_row(
                str(r.rank),
                r.code,
                r.name or "",
                format_number(r.score, use_language(), 1),
                format_number(r.percentile, use_language(), 1),
                ", ".join(domains[d][use_language()] for d in r.worst_domains),
            )
        console.print(table if ranked else f"[yellow]{t('cli.text.no_areas')}[/]")


def explain(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. WK034403")],
    period: PeriodOption = None,
    subgroup: SubgroupOption = None,
    boundary_year: BoundaryYearOption = None,
    worst_share: WorstShareOption = 0.10,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Per domain the indicators, raw values, percentiles and contributions behind an area's scores."""
    from wijkzicht import warehouse
    from wijkzicht.catalogue import load_catalogue
    from wijkzicht.monitor import index
    from wijkzicht.monitor.areas import get_area

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        catalogue = load_catalogue()
        found = get_area(con, code)
        wanted = index.Selection(found.level, boundary_year, period, subgroup)
        index.use_scores(con, wanted, index.Settings(worst_share=worst_share))
        explained = index.explain(con, found.code, wanted)
        if output is OutputFormat.json:
            print_json({"area": found.as_dict(), **explained.as_dict()})
            return
        overall = (
            t(
                "cli.text.overall",
                score=format_number(explained.overall_score, use_language(), 1),
                percentile=format_number(explained.overall_percentile, use_language(), 1),
            )
            if explained.overall_score is not None
            else t("cli.text.no_overall")
        )
        partition = index.Selection(
            found.level, explained.boundary_year, explained.period, explained.subgroup
        )
        worst = t(
            "cli.text.worst_domains",
            share=format_number(worst_share * 100, use_language()),
            count=len(explained.worst_domains),
        )
        console.print(
            f"[bold]{found.code}[/] {found.name} — {_partition_text(partition)}, "
            f"{t('cli.col.boundary_year')} {explained.boundary_year}: {overall}; {worst}"
        )
        for domain in explained.domains:
            title = catalogue.domains[domain.domain][use_language()]
            console.print(_domain_table(domain, title, catalogue))


def compare(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. BU03630000")],
    period: Annotated[int | None, typer.Option(help="Only this period (year)")] = None,
    subgroup: SubgroupOption = None,
    boundary_year: Annotated[
        int | None, typer.Option("--boundary-year", help="Only this boundary year")
    ] = None,
    indicator: Annotated[str | None, typer.Option(help="Only this indicator id")] = None,
    lang: LangOption = None,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Each figure of an area beside its gemeente and the Netherlands, in plain words."""
    from wijkzicht import warehouse
    from wijkzicht.monitor import comparison
    from wijkzicht.monitor.areas import get_area

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = get_area(con, code)
        compared = comparison.compare(
            con,
            found.code,
            period=period,
            subgroup=subgroup,
            boundary_year=boundary_year,
            indicator=indicator,
            language=language,
        )
        if output is OutputFormat.json:
            print_json({"area": found.as_dict(), "comparisons": [c.as_dict() for c in compared]})
            return
        console.print(f"[bold]{found.code}[/] {found.name} ({found.level})")
        table = new_table(
            *headings("indicator", "group", "period", "value", "gemeente", "nl", "vs_gemeente", "vs_nl")
        )
        for c in compared:
            value = (
                format_number(c.value, language)
                if c.value is not None
                else f"[dim]— {c.suppressed_reason or ''}[/]"
            )
            table.add_row(
                c.name,
                subgroup_name(c.subgroup),
                str(c.period),
                value,
                _optional(c.gemeente_value, language),
                _optional(c.national_value, language),
                c.versus_gemeente or "",
                c.versus_national or "",
            )
        console.print(table if compared else f"[yellow]{t('cli.text.no_values')}[/]")


def perception_command(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. WK059901")],
    lang: LangOption = None,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Residents' perception beside the registered facts per theme, and the themes where they diverge."""
    from wijkzicht import warehouse
    from wijkzicht.catalogue import load_catalogue
    from wijkzicht.monitor import perception
    from wijkzicht.monitor.profile import area_profile

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        profile = area_profile(con, code, language=language, similar_count=0)
        document = perception.comparison_document(profile)
        if output is OutputFormat.json:
            print_json({"area": profile.area.as_dict(), **document})
            return
        console.print(f"[bold]{profile.area.code}[/] {profile.area.name} ({profile.area.level})")
        domains = load_catalogue().domains
        for theme in document["themes"]:
            verdict = f"[bold red]{t('cli.text.diverges')}[/]" if theme["diverges"] else ""
            table = new_table(
                *headings("side", "indicator", "period", "value", "gemeente", "nl", "vs_nl"),
                title=f"{domains[theme['domain']][language]} {verdict}",
            )
            for side in ("perceived", "registered"):
                label = t(f"cli.text.{side}")
                for f in theme[side]:
                    value = (
                        _optional(f["value"], language)
                        if f["value"] is not None
                        else f"[dim]— {f['suppressed_reason'] or ''}[/]"
                    )
                    table.add_row(
                        label,
                        f["name"],
                        str(f["period"]),
                        value,
                        _optional(f["gemeente_value"], language),
                        _optional(f["national_value"], language),
                        t(f"cli.judgement.{f['judgement']}") if f["judgement"] in JUDGEMENTS else "",
                    )
            console.print(table)
        divergent = ", ".join(domains[d][language] for d in document["divergent_themes"])
        console.print(t("cli.text.divergent_themes", themes=divergent or t("cli.text.none")))
        if not document["themes"]:
            console.print(f"[yellow]{t('cli.text.no_perception')}[/]")


def similar_command(
    code: Annotated[str, typer.Argument(help="CBS code of a gemeente or wijk, e.g. WK034403")],
    k: Annotated[int, typer.Option("-k", help="How many similar areas")] = 10,
    boundary_year: Annotated[
        int | None, typer.Option("--boundary-year", help="Default: most characteristics")
    ] = None,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """The k areas of the same level most alike in density, age, households and urbanity (not origin)."""
    from wijkzicht import warehouse
    from wijkzicht.catalogue import load_catalogue
    from wijkzicht.monitor import similar
    from wijkzicht.monitor.areas import get_area

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = get_area(con, code)
        year, nearest = similar.similar_areas(con, found.code, k=k, boundary_year=boundary_year)
        if output is OutputFormat.json:
            print_json(
                {"area": found.as_dict(), "boundary_year": year, "similar": [a.as_dict() for a in nearest]}
            )
            return
        console.print(f"[bold]{found.code}[/] {found.name}: {t('cli.text.similar', year=year)}")
        indicators = load_catalogue().indicators
        names = [indicators[name].name(use_language()) for name in similar.CHARACTERISTICS]
        table = new_table(*headings("code", "name", "distance"), *names)
        for area in nearest:
            table.add_row(
                area.code,
                area.name or "",
                format_number(area.distance, use_language(), 2),
                *(
                    _optional(area.characteristics.get(name), use_language())
                    for name in similar.CHARACTERISTICS
                ),
            )
        console.print(table)


def _optional(value: float | None, language: str) -> str:
    return format_number(value, language, missing="")


def _partition_text(partition: index.Selection) -> str:
    if partition.subgroup == LATEST_PICTURE:
        return t("cli.text.latest_picture", period=partition.period)
    return t("cli.text.partition", period=partition.period, group=subgroup_name(partition.subgroup))


def _domain_table(domain: index.DomainExplanation, title: str, catalogue: Catalogue) -> Table:
    # Coverage against the catalogue: a score on 1 of the domain's 3 indicators is not "100%".
    used = sum(1 for part in domain.indicators if part.status == "ranked")
    total = sum(1 for i in catalogue.indicators.values() if i.domain == domain.domain and i.scored)
    heading = (
        t(
            "cli.text.domain_score",
            title=title,
            score=format_number(domain.score, use_language(), 1),
            percentile=format_number(domain.percentile, use_language(), 1),
            used=used,
            total=total,
        )
        + (f" — [bold red]{t('cli.text.worst_group')}[/]" if domain.worst else "")
        if domain.score is not None
        else t("cli.text.too_few", title=title)
    )
    table = new_table(
        *headings("indicator", "year", "value", "percentile", "z", "weight", "contribution"),
        title=heading,
        title_justify="left",
    )
    for part in domain.indicators:
        name = catalogue.indicators[part.indicator].name(use_language())
        if part.status != "ranked":
            table.add_row(name, str(part.period), f"[dim]— {part.reason}[/]", "", "", "", "")
            continue
        table.add_row(
            name,
            str(part.period),
            format_number(part.value, use_language()),
            format_number(part.percentile, use_language(), 1),
            format_number(part.z_score, use_language(), 2, signed=True, missing=""),
            format_number(part.weight, use_language()),
            format_number(part.contribution, use_language(), 2, missing=""),
        )
    return table


def _check_choice(value: str, allowed: list[str] | tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise WijkzichtError(
            t("cli.unknown_choice", what=what, value=repr(value), allowed=", ".join(allowed))
        )


def trend(
    code: Annotated[str, typer.Argument(help="CBS area code, e.g. WK034403")],
    indicator: Annotated[str | None, typer.Option(help="Only this indicator id")] = None,
    subgroup: Annotated[str | None, typer.Option(help="Only this age group, e.g. 18plus")] = None,
    lang: LangOption = None,
    as_published: Annotated[
        bool,
        typer.Option(
            "--as-published",
            help="Only figures on their published boundaries (default: the series harmonised to 2024)",
        ),
    ] = False,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """An area's series per indicator across periods, each change judged against the indicator's direction."""
    from wijkzicht import warehouse
    from wijkzicht.monitor import trends
    from wijkzicht.monitor.areas import get_area

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        found = get_area(con, code)
        series = trends.area_trends(
            con,
            found.code,
            indicator=indicator,
            subgroup=subgroup,
            language=language,
            as_published=as_published,
        )
        if output is OutputFormat.json:
            print_json({"area": found.as_dict(), "trends": [s.as_dict() for s in series]})
            return
        console.print(f"[bold]{found.code}[/] {found.name} ({found.level})")
        table = new_table(
            *headings("indicator", "group", "boundary_year", "series", "changes", "first_last", "method")
        )
        for s in series:
            not_comparable = [t("cli.text.not_comparable", why=why) for why in s.not_comparable]
            table.add_row(
                s.name,
                subgroup_name(s.subgroup),
                str(s.boundary_year),
                "; ".join(f"{period}: {format_number(value, language)}" for period, value in s.points),
                "; ".join(_change_text(step, language) for step in s.steps),
                _change_text(s.overall, language) if s.overall else "",
                "; ".join([*s.methods, *not_comparable]),
            )
        console.print(table if series else f"[yellow]{t('cli.text.no_series')}[/]")


def _change_text(change: trends.Change, language: str) -> str:
    shown = format_number(change.change, language, 1, signed=True)
    return f"{change.from_period}→{change.to_period} {shown} {change.words}"


@focus_app.command("list")
def focus_list(output: FormatOption = OutputFormat.table, db: DbOption = None) -> None:
    """The 20 NPLV focus areas: gemeente, number of CBS wijken, 2024 population and certainty."""
    from wijkzicht import warehouse
    from wijkzicht.monitor import focus

    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        areas = _validated_focus_areas(con)
        totals = {a.name: sum(focus.populations(con, list(a.wijken)).values()) for a in areas}
        if output is OutputFormat.json:
            print_json([{**a.as_dict(), "inwoners_2024": totals[a.name]} for a in areas])
            return
        table = new_table(
            *headings("rank", "focus_area", "gemeente", "wijken", "population_2024", "certainty")
        )
        for a in areas:
            table.add_row(
                str(a.number),
                a.name,
                a.gemeente_code,
                str(len(a.wijken)),
                format_number(totals[a.name], use_language()),
                t(f"focus.certainty.{a.certainty}"),
            )
        console.print(table)


@focus_app.command("show")
def focus_show(
    name: Annotated[str, typer.Argument(help="Name or number of a focus area, e.g. 'Rotterdam-Zuid' or 9")],
    period: Annotated[int | None, typer.Option(help="Only this period (year)")] = None,
    subgroup: SubgroupOption = None,
    indicator: Annotated[str | None, typer.Option(help="Only this indicator id")] = None,
    lang: LangOption = None,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """A focus area's aggregated figures beside its gemeente and the Netherlands."""
    from wijkzicht import warehouse
    from wijkzicht.monitor import focus

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        area = focus.find_focus_area(_validated_focus_areas(con), name)
        figures = focus.aggregate(
            con, list(area.wijken), period=period, subgroup=subgroup, indicator=indicator, language=language
        )
        certainty = f"{t('cli.col.certainty')} {t(f'focus.certainty.{area.certainty}')}"
        title = f"[bold]{area.name}[/] ({area.gemeente_code}; {', '.join(area.wijken)}; {certainty})"
        _print_aggregate(title, {"focus_area": area.as_dict()}, figures, output, language)


@focus_app.command("aggregate")
def focus_aggregate(
    codes: Annotated[list[str], typer.Argument(help="CBS codes of one level, e.g. WK059910 WK059915")],
    period: Annotated[int | None, typer.Option(help="Only this period (year)")] = None,
    subgroup: SubgroupOption = None,
    indicator: Annotated[str | None, typer.Option(help="Only this indicator id")] = None,
    lang: LangOption = None,
    output: FormatOption = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Aggregated figures of any set of areas: sums of counts, population-weighted means of rates."""
    from wijkzicht import warehouse
    from wijkzicht.monitor import focus

    language = use_language(lang)
    with user_errors(), warehouse.opened(config.database_path(db)) as con:
        figures = focus.aggregate(
            con, codes, period=period, subgroup=subgroup, indicator=indicator, language=language
        )
        _print_aggregate(f"[bold]{', '.join(codes)}[/]", {"codes": codes}, figures, output, language)


def _validated_focus_areas(con: duckdb.DuckDBPyConnection) -> list[focus.FocusArea]:
    from wijkzicht.monitor import focus

    areas = focus.load_focus_areas()
    focus.validate_focus_areas(con, areas)
    return areas


def _print_aggregate(
    title: str,
    header: dict[str, object],
    figures: list[focus.AggregateFigure],
    output: OutputFormat,
    language: str,
) -> None:
    if output is OutputFormat.json:
        print_json({**header, "figures": [f.as_dict() for f in figures]})
        return
    console.print(title)
    table = new_table(
        *headings("indicator", "group", "period", "value", "gemeente", "nl", "vs_gemeente", "vs_nl", "areas")
    )
    for f in figures:
        table.add_row(
            f.name,
            subgroup_name(f.subgroup),
            str(f.period),
            _optional(f.value, language),
            _optional(f.gemeente_value, language),
            _optional(f.national_value, language),
            f.versus_gemeente or "",
            f.versus_national or "",
            _aggregate_note(f),
        )
    console.print(table if figures else f"[yellow]{t('cli.text.no_values')}[/]")


def _aggregate_note(figure: focus.AggregateFigure) -> str:
    """How many of the areas the figure covers, and why the others are left out, in the run's language."""
    reasons = [t(f"cli.focus.left_out.{status}", count=count) for status, count in figure.left_out.items()]
    used = t("cli.focus.used", used=figure.used, members=figure.members)
    return used + (f" ({'; '.join(reasons)})" if reasons else "")
