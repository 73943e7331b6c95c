"""A programme as a programme office keeps one, for the benchmarks: goals on real indicators of a focus area's
wijken, measures in every action line with a progress report each, and blockages open at each escalation
level and resolved. Everything is a benchmark fixture named as such, written through `records` (validated and
audited as any edit) into the benchmark's own temporary database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.errors import WijkzichtError
from wijkzicht.programmes import records, schemas
from wijkzicht.programmes.accounts import COMMAND_LINE
from wijkzicht.programmes.models import FocusArea, Organisation, Versioned

INDICATORS = ("moeite_met_rondkomen", "eenzaam", "ervaren_gezondheid_goed", "overgewicht")
# (status, escalation level) of each blockage
BLOCKAGES = (("open", "local"), ("open", "national"), ("open", "alliance"), ("resolved", "local"))
CATEGORIES = ("law", "funding", "capacity", "data")


@dataclass(frozen=True)
class Filled:
    goals: int
    measures: int
    blockages: int

    def __str__(self) -> str:
        return (
            f"{self.goals} goals, {self.measures} measures with progress reports, {self.blockages} blockages"
        )


def fill_programme(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    area: FocusArea,
    *,
    wijken: int,
    indicators: Sequence[str] = INDICATORS,
    measures: int,
    blockages: Sequence[tuple[str, str]] = BLOCKAGES,
    start_year: int = 2022,
) -> Filled:
    """A running programme from `start_year` to 2032 for `area` with a goal per indicator on each of its first
    `wijken` wijken (where the monitor has the series), `measures` measures and the blockages. The
    programmes began in 2022: their goals have no measurement since the start yet. An earlier start gives
    each goal a change since the start and so its context band among similar areas."""
    owner = session.scalar(select(Organisation.id).where(Organisation.gemeente_code == area.gemeente_code))
    assert owner is not None  # the seed adds every focus area's gemeente
    programme = _create(
        session,
        con,
        "programme",
        schemas.ProgrammeIn(
            focus_area_id=area.id,
            title="Benchmark programme",
            start_year=start_year,
            end_year=2032,
            status="running",
        ),
    )
    goals = sum(
        _goal(session, con, programme.id, indicator, wijk)
        for wijk in area.wijken[:wijken]
        for indicator in indicators
    )
    for number in range(measures):
        _measure(session, con, programme.id, owner, number)
    for number, (status, escalation) in enumerate(blockages):
        _blockage(session, con, area.id, owner, number, status, escalation)
    return Filled(goals, measures, len(blockages))


def _goal(
    session: Session, con: duckdb.DuckDBPyConnection, programme_id: int, indicator: str, wijk: str
) -> int:
    """1 when the goal was made, 0 when the monitor has no such series for this wijk."""
    try:
        _create(
            session,
            con,
            "goal",
            schemas.GoalIn(
                programme_id=programme_id,
                title=f"Benchmark goal {indicator} {wijk}",
                indicator=indicator,
                subgroup="18plus",
                area_code=wijk,
                target_value=20,
                target_year=2030,
            ),
        )
    except WijkzichtError:
        return 0
    return 1


def _measure(
    session: Session, con: duckdb.DuckDBPyConnection, programme_id: int, owner: int, number: int
) -> None:
    measure = _create(
        session,
        con,
        "measure",
        schemas.MeasureIn(
            programme_id=programme_id,
            title=f"Benchmark measure {number}",
            action_line=number % 4 + 1,
            theme="overig",
            owner_id=owner,
            budget=Decimal(25_000 * (number + 1)),
            funding_source="overig",
            status="running",
        ),
    )
    _create(
        session,
        con,
        "progress_update",
        schemas.ProgressUpdateIn(
            measure_id=measure.id,
            reported_on=date(2025, 1 + number % 12, 1),
            status=("green", "amber", "red")[number % 3],
            narrative=f"Benchmark progress report {number}",
        ),
    )


def _blockage(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    area_id: int,
    owner: int,
    number: int,
    status: str,
    escalation: str,
) -> None:
    resolved = status == "resolved"
    _create(
        session,
        con,
        "blockage",
        schemas.BlockageIn(
            focus_area_id=area_id,
            title=f"Benchmark blockage {number}",
            description="Benchmark blockage description",
            category=CATEGORIES[number % len(CATEGORIES)],
            escalation=escalation,
            owner_id=owner,
            raised_on=date(2024, 3, 1),
            resolved_on=date(2025, 2, 1) if resolved else None,
            status=status,
            resolution="Benchmark resolution" if resolved else "",
        ),
    )


def _create(session: Session, con: duckdb.DuckDBPyConnection, kind: str, data: BaseModel) -> Versioned:
    return records.create(session, COMMAND_LINE, records.KINDS[kind], data, con)
