"""From figures to knowledge, second half: for an area's worst domains, the programme measures that similar
areas run. A measure counts for a domain through its theme (`theme_domains` in programmes/vocabulary.yaml).

Similar areas (`wijkzicht.monitor.similar`) lie on the boundaries of the structure data (2017 in the snapshot);
focus areas are sets of wijken on the 2024 boundaries. A similar area is carried to 2024 with the VNG address
matrices (`address_moves`), as the trends do: a code the matrices do not touch and that exists in 2024 stays
itself, a changed code goes to the 2024 codes that received its addresses. It is *in* a focus area when at
least half of its addresses lie in the focus area's wijken (a gemeente: in the focus area's gemeente). A buurt
counts through its wijk. A similar area that cannot be carried is listed, never guessed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from wijkzicht.codes import wijk_of
from wijkzicht.monitor.profile import Profile
from wijkzicht.monitor.trends import MATRIX_VARIANT, MATRIX_YEAR
from wijkzicht.programmes import records
from wijkzicht.programmes.accounts import Actor
from wijkzicht.programmes.models import FocusArea, Measure, Programme
from wijkzicht.programmes.schemas import theme_domains
from wijkzicht.records import plain

MOST_ADDRESSES = 0.5  # the share of a similar area's addresses that must lie in the focus area

# (warehouse, codes on a boundary year, level, that year) -> {code: {code on the 2024 boundaries: share}}
Carrier = Callable[[duckdb.DuckDBPyConnection, list[str], str, int], dict[str, dict[str, float]]]


@dataclass(frozen=True)
class MeasureElsewhere:
    measure_id: int
    title: str
    theme: str
    status: str
    focus_area_id: int
    focus_area_name: str
    similar_codes: tuple[str, ...]  # the similar areas (profile's boundary year) that lie in the focus area


@dataclass(frozen=True)
class MeasuresElsewhere:
    boundary_year: int | None  # of the similar areas
    per_domain: dict[str, list[MeasureElsewhere]]
    focus_area_ids: list[int]  # focus areas holding a similar area, with or without a matching measure
    not_carried: list[str] = field(default_factory=list)  # similar areas with no place on the 2024 boundaries

    def as_dict(self) -> dict[str, object]:
        return plain(self)


def measures_of_similar_areas(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    profile: Profile,
    domains: list[str],
    carry: Carrier | None = None,
) -> MeasuresElsewhere:
    """Per domain, the measures the actor may see (the public: published ones) in the focus areas that hold
    one of the profile's similar areas, whose theme works on that domain.

    `carry` finds where the similar areas lie on the focus areas' boundaries (by default
    `carried_to_focus_boundaries`); a server passes one that keeps its answers, which depend on the
    warehouse alone."""
    codes = [area.code for area in profile.similar]
    if not codes or profile.similar_boundary_year is None:
        return MeasuresElsewhere(profile.similar_boundary_year, {d: [] for d in domains}, [])
    level = "gemeente" if profile.area.level == "gemeente" else "wijk"
    via = {code: wijk_of(code) or code for code in codes}  # a buurt is carried by its wijk
    carried = carry or carried_to_focus_boundaries
    shares = carried(con, sorted(set(via.values())), level, profile.similar_boundary_year)
    holding = _focus_areas_holding(session, level, {code: shares.get(via[code], {}) for code in codes})
    themes = theme_domains()
    found: dict[str, list[MeasureElsewhere]] = {domain: [] for domain in domains}
    measures = session.scalars(
        select(Measure).join(Programme).where(Programme.focus_area_id.in_(holding)).order_by(Measure.id)
    )
    for measure in measures:
        domain = themes.get(measure.theme)
        if domain in found and records.is_visible(actor, measure):
            area = measure.programme.focus_area
            found[domain].append(
                MeasureElsewhere(
                    measure.id,
                    measure.title,
                    measure.theme,
                    measure.status,
                    area.id,
                    area.name,
                    tuple(holding[area.id]),
                )
            )
    not_carried = [code for code in codes if via[code] not in shares]
    return MeasuresElsewhere(profile.similar_boundary_year, found, sorted(holding), not_carried)


def carried_to_focus_boundaries(
    con: duckdb.DuckDBPyConnection, codes: list[str], level: str, boundary_year: int
) -> dict[str, dict[str, float]]:
    """Code on `boundary_year` -> {code on the 2024 boundaries: share of its addresses}; a code that cannot
    be carried (gone without a matrix entry, or only receiving addresses) is absent."""
    rows = con.execute(
        """
        WITH wanted AS (SELECT unnest($codes::VARCHAR[]) AS code),
        moves AS (
            SELECT old_code, new_code, weight FROM address_moves
            WHERE level = $level AND variant = $variant AND from_year = $year AND to_year = $target
        )
        SELECT w.code, m.new_code, m.weight FROM wanted w JOIN moves m ON m.old_code = w.code
        UNION ALL
        SELECT w.code, w.code, 1.0 FROM wanted w
        JOIN areas a ON a.code = w.code AND a.boundary_year = $target AND a.level = $level
        WHERE w.code NOT IN (SELECT old_code FROM moves) AND w.code NOT IN (SELECT new_code FROM moves)
        """,
        {
            "codes": codes,
            "level": level,
            "variant": MATRIX_VARIANT,
            "year": boundary_year,
            "target": MATRIX_YEAR,
        },
    ).fetchall()
    carried: dict[str, dict[str, float]] = {}
    for code, new_code, weight in rows:
        carried.setdefault(code, {})[new_code] = float(weight)
    return carried


def _focus_areas_holding(
    session: Session, level: str, shares: dict[str, dict[str, float]]
) -> dict[int, list[str]]:
    """Focus area id -> the similar areas most of whose addresses lie in it."""
    holding: dict[int, list[str]] = {}
    for area in session.scalars(select(FocusArea).order_by(FocusArea.id)):
        members = {area.gemeente_code} if level == "gemeente" else set(area.wijken)
        for code, carried in shares.items():
            if sum(share for new_code, share in carried.items() if new_code in members) >= MOST_ADDRESSES:
                holding.setdefault(area.id, []).append(code)
    return holding
