"""An area's factsheet to attach to a memo: its profile as PDF (WeasyPrint) and as Excel.

Both carry the profile's figures with their years and sources and the method's caveats (what a score means
and does not, suppression, model estimates), read from the same profile as the page, so through the
publishing gate. Every Excel cell passes `safe_cell`: a name or reason starting with "=" stays text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from wijkzicht.catalogue import Table, load_catalogue
from wijkzicht.i18n import Translator, format_date
from wijkzicht.monitor.profile import Profile
from wijkzicht.monitor.score_trends import INDEX
from wijkzicht.spreadsheet import safe_cell
from wijkzicht.web.monitor.profile_charts import profile_charts
from wijkzicht.web.render import catalogue_names, formatters, render_pdf, template_environment, years_of

CAVEATS = (
    "factsheet.caveat_scores",
    "factsheet.caveat_relative",
    "factsheet.caveat_suppression",
    "factsheet.caveat_estimates",
)


def factsheet_html(profile: Profile, language: str, today: date | None = None) -> str:
    catalogue = load_catalogue()
    charts = profile_charts(profile, language)
    worst = profile.scores.worst_domains if profile.scores else []
    return (
        template_environment()
        .get_template("factsheet.html")
        .render(
            profile=profile,
            charts=charts,
            # the indicator charts of the worst domains, else of the first problem domain with any
            chart_domains=[d for d in worst if d in charts.per_domain]
            or [d for d in catalogue.problem_domains if d in charts.per_domain][:1],
            figure_domains=[d for d in catalogue.domains if any(f.domain == d for f in profile.figures)],
            sources=profile_sources(profile),
            caveats=CAVEATS,
            generated_on=format_date(today or date.today(), language),
            t=Translator(language),
            lang=language,
            **formatters(language),
            **catalogue_names(language),
        )
    )


def factsheet_pdf(profile: Profile, language: str, today: date | None = None) -> bytes:
    return render_pdf(factsheet_html(profile, language, today))


def factsheet_workbook(profile: Profile, language: str) -> bytes:
    """Sheets: the figures (with year, gemeente, Netherlands and source), the scores, the trends and the
    caveats with the sources."""
    t = Translator(language)
    names = catalogue_names(language)
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the empty default sheet
    sheets = {
        "figures": _figure_rows(profile, t, names),
        "scores": _score_rows(profile, t, names),
        "trends": _trend_rows(profile, t, names),
        "about": _about_rows(profile, t, language),
    }
    for key, rows in sheets.items():
        _write(workbook.create_sheet(t(f"factsheet.sheet_{key}")), rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write(sheet: Worksheet, rows: list[tuple[object, ...]]) -> None:
    """Rows as cells, each through `safe_cell`; the first row is the heading."""
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _figure_rows(
    profile: Profile, t: Translator, names: Mapping[str, Mapping[str, str]]
) -> list[tuple[object, ...]]:
    heading = (
        t("profile.domain"),
        t("profile.indicator"),
        t("factsheet.group"),
        t("profile.period"),
        t("factsheet.boundary_year"),
        t("profile.value"),
        t("factsheet.unit"),
        t("area.gemeente"),
        t("level.land"),
        t("profile.percentile"),
        t("factsheet.remark"),
        t("profile.source"),
        t("factsheet.source_column"),
    )
    rows = [
        (
            names["domain_names"].get(f.domain, f.domain),
            f.name,
            names["subgroup_names"].get(f.subgroup, f.subgroup),
            f.period,
            f.boundary_year,
            f.value,
            f.unit,
            f.gemeente_value,
            f.national_value,
            None if f.percentile is None else round(f.percentile),
            f.suppressed_reason or "",
            f.source_table,
            f.source_column,
        )
        for f in profile.figures
    ]
    return [heading, *rows]


def _score_rows(
    profile: Profile, t: Translator, names: Mapping[str, Mapping[str, str]]
) -> list[tuple[object, ...]]:
    heading = (
        t("profile.domain"),
        t("profile.period"),
        t("factsheet.group"),
        t("profile.score"),
        t("profile.percentile"),
        t("profile.worst"),
    )
    rows: list[tuple[object, ...]] = []
    if profile.scores:
        s = profile.scores
        group = names["subgroup_names"].get(s.subgroup, s.subgroup)
        # the latest picture stacks each domain's latest figures: its year is that of its indicators
        for d in s.domains:
            rows.append(
                (
                    names["domain_names"].get(d.domain, d.domain),
                    years_of(d.indicators),
                    group,
                    d.score,
                    d.percentile,
                    t("profile.worst_yes") if d.worst else t("profile.worst_no"),
                )
            )
        rows.append((t("chart.index"), s.period, group, s.overall_score, s.overall_percentile, ""))
    for series in profile.score_series:
        name = t("chart.index") if series.key == INDEX else names["domain_names"].get(series.key, series.key)
        group = names["subgroup_names"].get(series.subgroup, series.subgroup)
        rows.extend((name, p.period, group, p.score, p.percentile, "") for p in series.points)
    return [heading, *rows]


def _trend_rows(
    profile: Profile, t: Translator, names: Mapping[str, Mapping[str, str]]
) -> list[tuple[object, ...]]:
    heading = (
        t("profile.indicator"),
        t("factsheet.group"),
        t("factsheet.boundary_year"),
        t("profile.period"),
        t("profile.value"),
        t("factsheet.unit"),
        t("factsheet.remark"),
    )
    rows = [
        (
            f.name,
            names["subgroup_names"].get(f.subgroup, f.subgroup),
            f.trend.boundary_year,
            period,
            value,
            f.trend.unit,
            "; ".join(f.trend.methods + f.trend.not_comparable),
        )
        for f in profile.figures
        if f.trend
        for period, value in f.trend.points
    ]
    return [heading, *rows]


def _about_rows(profile: Profile, t: Translator, language: str) -> list[tuple[object, ...]]:
    area = profile.area
    rows: list[tuple[object, ...]] = [
        (t("factsheet.title", name=area.name),),
        (f"{t('level.' + area.level)} {area.code}",),
        (t("factsheet.generated", date=format_date(date.today(), language)),),
        ("",),
        (t("factsheet.caveats"),),
        *((t(key),) for key in CAVEATS),
        ("",),
        (t("profile.sources"),),
        *(
            (f"{s.publisher}, {s.title} ({s.id})" + (f", {s.licence}" if s.licence else ""), s.url or "")
            for s in profile_sources(profile)
        ),
    ]
    return rows


def profile_sources(profile: Profile) -> list[Table]:
    """The catalogue's source tables of the figures the profile shows."""
    catalogue = load_catalogue()
    return [
        catalogue.tables[s]
        for s in sorted({f.source_table for f in profile.figures})
        if s in catalogue.tables
    ]
