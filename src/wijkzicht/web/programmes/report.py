"""The governance report for the periodic meeting on progress and blockages (voortgang en vastlopers): per
focus area, and a national overview. What a reader may not see (unpublished records, for the public) is
left out, never greyed out. HTML through the same Jinja2 templates as the site, PDF through WeasyPrint."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.catalogue import load_catalogue
from wijkzicht.errors import NotFoundError
from wijkzicht.i18n import Translator
from wijkzicht.programmes import progress, resident_input
from wijkzicht.programmes.accounts import Actor
from wijkzicht.programmes.models import (
    ESCALATION_LEVELS,
    MEASURE_STATUSES,
    Alliance,
    Blockage,
    Experiment,
    FocusArea,
    Goal,
    Measure,
    Programme,
)
from wijkzicht.programmes.records import visible
from wijkzicht.web.render import catalogue_names, formatters, template_environment


@dataclass(frozen=True)
class OpenBlockage:
    blockage: Blockage
    age_days: int


@dataclass
class AreaReport:
    focus_area: FocusArea
    alliance: Alliance | None
    programmes: list[Programme]
    goals: list[tuple[Goal, progress.GoalProgress]]
    measures: dict[str, list[Measure]]  # per status, in MEASURE_STATUSES order
    open_blockages: dict[str, list[OpenBlockage]]  # per escalation level, oldest first
    experiments: list[Experiment]
    money_by_fund: dict[str, Decimal]
    money_by_ministry: dict[str, Decimal]
    resident_input: dict[str, dict[str, int]]  # per domain, per follow-up (resident_input.FOLLOW_UP)
    generated_on: date
    public: bool
    area_names: dict[str, str] = field(default_factory=dict)  # the goals' areas by code, to name them

    @property
    def input_columns(self) -> tuple[str, ...]:
        return resident_input.PUBLIC_FOLLOW_UP if self.public else resident_input.FOLLOW_UP

    @property
    def input_total(self) -> dict[str, int]:
        return _added(self.resident_input.values())

    @property
    def goal_statuses(self) -> Counter[str]:
        return Counter(measured.status for _, measured in self.goals)

    @property
    def budget(self) -> Decimal:
        return sum(self.money_by_fund.values(), Decimal(0))


@dataclass
class NationalReport:
    areas: list[AreaReport]
    generated_on: date
    public: bool
    funds: list[str] = field(default_factory=list)

    @property
    def input_columns(self) -> tuple[str, ...]:
        return resident_input.PUBLIC_FOLLOW_UP if self.public else resident_input.FOLLOW_UP

    @property
    def resident_input(self) -> dict[str, dict[str, int]]:
        """Per domain the inputs of every focus area together (input outside the focus areas is not here)."""
        rows: dict[str, list[dict[str, int]]] = defaultdict(list)
        for area in self.areas:
            for domain, row in area.resident_input.items():
                rows[domain].append(row)
        order = list(load_catalogue().domains)
        return {domain: _added(rows[domain]) for domain in sorted(rows, key=order.index)}

    @property
    def input_total(self) -> dict[str, int]:
        return _added(self.resident_input.values())


def _added(rows: Iterable[dict[str, int]]) -> dict[str, int]:
    """Follow-up counts added up, key by key."""
    total = dict.fromkeys(resident_input.FOLLOW_UP, 0)
    for row in rows:
        for key, count in row.items():
            total[key] += count
    return total


def area_report(
    session: Session,
    actor: Actor,
    warehouse: duckdb.DuckDBPyConnection,
    focus_area_id: int,
    today: date | None = None,
) -> AreaReport:
    area = session.get(FocusArea, focus_area_id)
    if area is None:
        raise NotFoundError(f"no focus area {focus_area_id}")
    today = today or date.today()
    programmes = visible(actor, area.programmes)
    goals = [goal for programme in programmes for goal in visible(actor, programme.goals)]
    measures = [measure for programme in programmes for measure in visible(actor, programme.measures)]
    open_blockages: dict[str, list[OpenBlockage]] = {level: [] for level in ESCALATION_LEVELS}
    for blockage in sorted(visible(actor, area.blockages), key=lambda b: b.raised_on):
        if blockage.status == "open":
            open_blockages[blockage.escalation].append(
                OpenBlockage(blockage, (today - blockage.raised_on).days)
            )
    by_fund: dict[str, Decimal] = defaultdict(Decimal)
    by_ministry: dict[str, Decimal] = defaultdict(Decimal)
    for measure in measures:
        by_fund[measure.funding_source] += measure.budget
        by_ministry[measure.ministry] += measure.budget
    return AreaReport(
        focus_area=area,
        alliance=area.alliance,
        programmes=programmes,
        goals=list(zip(goals, progress.goals_progress(warehouse, goals, today), strict=True)),
        measures={status: [m for m in measures if m.status == status] for status in MEASURE_STATUSES},
        open_blockages=open_blockages,
        experiments=[e for programme in programmes for e in visible(actor, programme.experiments)],
        money_by_fund=dict(sorted(by_fund.items())),
        money_by_ministry=dict(sorted(by_ministry.items())),
        resident_input=resident_input.counts_per_domain(
            session, area.id, public=actor.is_public, shown_measures={m.id for m in measures}
        ),
        generated_on=today,
        public=actor.is_public,
        area_names=_area_names(warehouse, [goal.area_code for goal in goals]),
    )


def _area_names(warehouse: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    """The names of the areas goals are measured on ('Feijenoord'), so no page shows a bare CBS code."""
    rows = warehouse.execute(
        "SELECT code, name FROM area_years WHERE code IN (SELECT unnest(?))", [codes]
    ).fetchall()
    return dict(rows)


def national_report(
    session: Session, actor: Actor, warehouse: duckdb.DuckDBPyConnection, today: date | None = None
) -> NationalReport:
    areas = [
        area_report(session, actor, warehouse, area_id, today)
        for area_id in session.scalars(select(FocusArea.id).order_by(FocusArea.id))
    ]
    funds = sorted({fund for report in areas for fund in report.money_by_fund})
    return NationalReport(areas, today or date.today(), actor.is_public, funds)


# --- Output ---------------------------------------------------------------------------------------


def render_html(report: AreaReport | NationalReport, language: str = "nl") -> str:
    template = (
        "programmes/report_area.html" if isinstance(report, AreaReport) else "programmes/report_national.html"
    )
    return (
        template_environment()
        .get_template(template)
        .render(
            report=report,
            t=Translator(language),
            lang=language,
            **formatters(language),
            **catalogue_names(language),
        )
    )
